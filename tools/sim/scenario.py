# Scenario scripts for headless simulator runs (runs under MicroPython and CPython).
#
# One action per line, at a time since the simulator started (it keeps
# counting across simulated power cuts):
#
#   # comment (blank lines are fine too)
#   00:10:00 console bolus 1.0          a line typed on the serial console
#   01:00:00 press ok 2000              hold a button (up/down/ok/back) for 2000 ms (default 100)
#   01:30:00 fault occlusion            block the line (fault occlusion_clear opens it)
#   02:00:00 fault stall                the driver stops moving the motor (stall_clear)
#   02:30:00 fault empty                the plunger is at the empty stop
#   03:00:00 fault stuck ok             a button stuck pressed (fault unstuck ok)
#   04:00:00 fault power_cut 5000       power off for 5000 ms (default 1000), then boot again
#   04:30:00 fault hang 8000            the firmware stops feeding the watchdog for 8000 ms
#   05:00:00 battery 3300               battery voltage in mV
#   05:30:00 fill 2.5                   a fresh syringe holding 2.5 mL
#   06:00:00 screenshot                 save the display (sim.py --screenshot names the file)
#
# Times are HH:MM:SS with optional .mmm. Actions run in time order; lines at
# the same time keep their order.

BUTTONS = ("up", "down", "ok", "back")
FAULTS = ("occlusion", "occlusion_clear", "stall", "stall_clear", "empty", "power_cut",
          "stuck", "unstuck", "hang")
VERBS = ("console", "press", "fault", "battery", "fill", "screenshot")


class ScenarioError(ValueError):
    pass


def decimal(text, scale):
    """'1.25' with scale 1000 -> 1250, without floats; None if malformed.
    Digits beyond the scale are dropped (rounded down)."""
    if not text or text.count(".") > 1:
        return None
    whole, _, frac = text.partition(".")
    if not (whole or frac) or (whole and not whole.isdigit()) or (frac and not frac.isdigit()):
        return None
    digits = 0
    s = scale
    while s > 1:
        s //= 10
        digits += 1
    frac = (frac + "0" * digits)[:digits]
    return int(whole or "0") * scale + (int(frac) if frac else 0)


def parse_time_ms(text):
    parts = text.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    sec_ms = decimal(parts[2], 1000)
    if sec_ms is None or int(parts[1]) > 59 or sec_ms >= 60000:
        return None
    return (int(parts[0]) * 60 + int(parts[1])) * 60000 + sec_ms


def _check(verb, args, where):
    if verb == "console":
        if not args:
            raise ScenarioError("%s: console needs a line to type" % where)
        return [" ".join(args)]
    if verb == "press":
        if not args or args[0] not in BUTTONS or len(args) > 2:
            raise ScenarioError("%s: press BUTTON [MS], BUTTON one of %s" % (where, ", ".join(BUTTONS)))
        ms = 100
        if len(args) == 2:
            if not args[1].isdigit():
                raise ScenarioError("%s: press duration must be whole ms, not %r" % (where, args[1]))
            ms = int(args[1])
        return [args[0], ms]
    if verb == "fault":
        if not args or args[0] not in FAULTS:
            raise ScenarioError("%s: fault KIND, KIND one of %s" % (where, ", ".join(FAULTS)))
        kind = args[0]
        if kind in ("stuck", "unstuck"):
            if len(args) != 2 or args[1] not in BUTTONS:
                raise ScenarioError("%s: fault %s BUTTON" % (where, kind))
            return [kind, args[1]]
        if kind in ("power_cut", "hang"):
            ms = 1000 if kind == "power_cut" else 10000
            if len(args) == 2 and args[1].isdigit():
                ms = int(args[1])
            elif len(args) != 1:
                raise ScenarioError("%s: fault %s [MS]" % (where, kind))
            return [kind, ms]
        if len(args) != 1:
            raise ScenarioError("%s: fault %s takes no argument" % (where, kind))
        return [kind]
    if verb == "battery":
        if len(args) != 1 or not args[0].isdigit():
            raise ScenarioError("%s: battery MV (whole millivolts)" % where)
        return [int(args[0])]
    if verb == "fill":
        ul = decimal(args[0], 1000) if len(args) == 1 else None
        if ul is None:
            raise ScenarioError("%s: fill ML (for example 2.5)" % where)
        return [ul]
    if verb == "screenshot":
        return []
    raise ScenarioError("%s: unknown action %r (one of %s)" % (where, verb, ", ".join(VERBS)))


def parse(text, source="scenario"):
    """Return [(t_ms, verb, args), ...] sorted by time, or raise ScenarioError
    naming the line."""
    actions = []
    lineno = 0
    for raw in text.split("\n"):
        lineno += 1
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = "%s:%d" % (source, lineno)
        words = line.split()
        t_ms = parse_time_ms(words[0])
        if t_ms is None:
            raise ScenarioError("%s: time must be HH:MM:SS[.mmm], not %r" % (where, words[0]))
        if len(words) < 2:
            raise ScenarioError("%s: missing action after the time" % where)
        if words[1] == "console":
            # Keep the typed line as written (inner spacing included).
            rest = line[len(words[0]):].lstrip()[len("console"):].strip()
            args = _check("console", [rest] if rest else [], where)
        else:
            args = _check(words[1], words[2:], where)
        actions.append((t_ms, lineno, words[1], args))
    actions.sort()  # by time, then by line: same-time lines keep their order
    return [(t, verb, args) for t, _, verb, args in actions]


def load(path):
    with open(path) as f:
        return parse(f.read(), path)
