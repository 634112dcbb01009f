# version, board, log level and json mode: small commands about the console
# and the firmware itself.

from console import render
from console.parse import Usage
from console.reply import ok
from console.words import nargs

LOG_LEVELS = ("debug", "info", "warn", "error")


def run(c, cmd, args):
    if cmd == "version":
        nargs(args, 0, 0, "version")
        v = c.facade.version()
        return ok("version", {"version": v}, "Plunger %s" % v)
    if cmd == "board":
        nargs(args, 0, 0, "board")
        info = c.facade.board_info()
        return ok("board", info, render.flat(info))
    if cmd == "log":
        if args and args[0] == "level":
            args = args[1:]
        nargs(args, 0, 1, "log [level] [debug|info|warn|error]")
        if args:
            if args[0] not in LOG_LEVELS:
                raise Usage("log level must be one of %s" % ", ".join(LOG_LEVELS))
            c.log_level = args[0]
        return ok("log", {"level": c.log_level}, "log level %s" % c.log_level)
    nargs(args, 1, 1, "json on|off")
    if args[0] not in ("on", "off"):
        raise Usage("usage: json on|off")
    c.set_json(args[0] == "on")
    return ok("json", {"json": c.json}, "json " + args[0])
