# alarms: the active alarms, and ack (also "alarms ack ID").

from console import render
from console.reply import ok
from console.words import name, nargs


def run(c, cmd, args):
    if cmd == "alarms" and args and args[0] == "ack":
        args = args[1:]
        cmd = "ack"
    if cmd == "ack":
        nargs(args, 1, 1, "ack ALARM_ID")
        aid = name(args[0], "alarm id")
        return ok("ack", c.facade.ack_alarm(aid), "alarm %s acknowledged" % aid)
    nargs(args, 0, 0, "alarms | alarms ack ID")
    al = c.facade.alarms()
    text = "\r\n".join(render.alarm(a) for a in al) or "no alarms"
    return ok("alarms", al, text)
