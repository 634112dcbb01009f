# status: what the pump is doing now.

from console import render
from console.reply import ok
from console.words import nargs


def run(c, cmd, args):
    nargs(args, 0, 0, "status")
    s = c.facade.status(c.now_ms())
    data = dict(s)
    data["confirm_required"] = c.confirm_required()
    return ok("status", data, render.status(s, data["confirm_required"]))
