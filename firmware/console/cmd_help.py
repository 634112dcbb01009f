# help: the texts for every command. The largest strings of the console, so
# they load only when someone types help (and shell.py drops them after).

from console.parse import Usage
from console.reply import ok
from console.words import nargs

HELP = {
    "status": ("status", "what the pump is doing now"),
    "bolus": ("bolus U | bolus NOW_U EXT_U over 2h | bolus cancel | bolus calc CARBS_G BG",
              "normal, extended or combo bolus (asks for OK on the pump); calc only suggests"),
    "cancel": ("cancel", "stop the running bolus"),
    "temp": ("temp 150% 1h | temp 0.8 90m | temp cancel", "temporary basal by percent or U/h"),
    "suspend": ("suspend", "stop all delivery"),
    "resume": ("resume", "restart basal delivery (asks for OK)"),
    "profile": ("profile [show [NAME]] | profile select NAME | profile edit NAME 00:00=0.8 ...",
                "daily basal profiles, rates in U/h"),
    "history": ("history [N] | history since 2026-11-22 08:00 | history since 2h",
                "the delivery record (times UTC)"),
    "alarms": ("alarms | alarms ack ID", "active alarms; acknowledge one"),
    "ack": ("ack ID", "acknowledge an alarm"),
    "config": ("config [show] | config get PATH | config set PATH VALUE",
               "settings; set is checked against the built-in ceilings"),
    "time": ("time | time set 2026-11-22 08:00[:00]", "the pump's wall clock (UTC)"),
    "calibrate": ("calibrate U | calibrate mass GRAMS | calibrate cancel",
                  "dispense water into a cup, weigh it, store the factor"),
    "prime": ("prime U", "fill the line (asks for OK; not counted as delivered)"),
    "rewind": ("rewind", "retract the plunger to home (asks for OK)"),
    "refill": ("refill U", "a refilled syringe holds U units (after rewind)"),
    "version": ("version", "firmware version"),
    "board": ("board", "board description"),
    "log": ("log [level] [debug|info|warn|error]", "which log lines the console shows"),
    "json": ("json on|off", "JSON-lines replies for scripts (or start one line with !)"),
    "help": ("help [COMMAND]", "this list, or one command"),
    "reset": ("reset", "restart the board on purpose (no watchdog alarm; the time is kept)"),
}


def run(c, cmd, args):
    nargs(args, 0, 1, "help [COMMAND]")
    if args:
        h = HELP.get(args[0].lower())
        if h is None:
            raise Usage("no command %r; type help" % args[0])
        return ok("help", {"command": args[0].lower(), "usage": h[0], "about": h[1]},
                  "%s\r\n  %s" % (h[0], h[1]))
    names = sorted(HELP)
    return ok("help", {"commands": names},
              "\r\n".join("%-9s %s" % (n, HELP[n][1]) for n in names))
