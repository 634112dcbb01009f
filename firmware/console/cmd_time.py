# time: read or set the pump's wall clock (UTC).

from console import parse
from console.parse import Usage
from console.reply import ok


def run(c, cmd, args):
    if not args:
        w = c.facade.wall_s()
        return ok("time", {"wall_s": w}, "%s UTC" % parse.format_wall(w))
    if args[0] != "set" or len(args) < 2:
        raise Usage("usage: time | time set YYYY-MM-DD HH:MM[:SS] (UTC) | time set EPOCH_S")
    w = parse.wall_s(args[1:], "time")
    res = c.facade.set_time(w)
    return ok("time", {"wall_s": w, "result": res}, "time set to %s UTC" % parse.format_wall(w))
