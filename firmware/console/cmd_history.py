# history: the delivery record, the last N records or since a time.

from console import parse, render
from console.parse import Usage
from console.reply import ok
from console.words import nargs

HISTORY_MAX = 500


def _record(r):
    if isinstance(r, dict):
        return r
    return {"seq": r[0], "wall_s": r[1], "now_ms": r[2], "kind": r[3], "data": r[4]}


def run(c, cmd, args):
    usage = "history [N] | history since YYYY-MM-DD [HH:MM] | history since 2h"
    if args and args[0] == "since":
        if len(args) < 2:
            raise Usage("usage: " + usage)
        if len(args) == 2 and args[1][-1:] in ("h", "m") and "-" not in args[1]:
            now_wall = c.facade.wall_s()
            if now_wall is None:
                raise Usage("the pump has no wall time yet: set it with time set")
            since = now_wall - parse.duration_min(args[1], 1, 31 * 24 * 60, "history window") * 60
        else:
            since = parse.wall_s(args[1:], "history since")
        recs = c.facade.history(since_wall_s=since)
    else:
        nargs(args, 0, 1, usage)
        n = parse.integer(args[0], 1, HISTORY_MAX, "history count") if args else 10
        recs = c.facade.history(n=n)
    recs = [_record(r) for r in recs][-HISTORY_MAX:]
    text = "\r\n".join(render.history_record(r) for r in recs) or "no records"
    return ok("history", recs, text)
