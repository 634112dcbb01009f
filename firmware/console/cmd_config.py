# config: show, get and set settings. config_set on the pump validates every
# value against the built-in ceilings. Before that, gates.plan_config_set
# works out what the change would do (whatever path or object form it has:
# `ui.require_button_confirm false` or `ui {...}` alike): a change that would
# be refused is refused now, one that can raise delivery waits for OK, and
# one that turns the OK button off always needs the button.

from console import render
from console.parse import Usage
from console.reply import Pending, ok
from console.words import nargs


def run(c, cmd, args):
    usage = "config [show] | config get PATH | config set PATH VALUE"
    sub = args[0] if args else "show"
    if sub == "show":
        nargs(args, 0, 1, usage)
        cfg = c.facade.config_get("")
        return ok("config", cfg, render.flat(cfg))
    if sub == "get":
        nargs(args, 2, 2, "config get PATH")
        v = c.facade.config_get(_path(args[1]))
        return ok("config", {"path": args[1], "value": v}, "%s = %s" % (args[1], render.show(v)))
    if sub == "set":
        if len(args) < 3:
            raise Usage("usage: config set PATH VALUE")
        path = _path(args[1])
        value = _value(" ".join(args[2:]))  # a JSON object may hold spaces
        plan = c.gates.plan_config_set(c.facade, path, value)  # raises: nothing asked

        def go():
            res = c.facade.config_set(path, value)  # validates against the ceilings
            return ok("config", {"path": path, "value": value, "result": res},
                      "%s = %s" % (path, render.show(value)))

        if plan.flag_off:
            # Turning the OK-button check off from a cable needs the button.
            return Pending("config", "turn OFF the OK-button confirmation", go, always=True)
        if plan.raises:
            return Pending("config", "change %s (can raise delivery)" % _short(plan.raises), go)
        return go()
    raise Usage("usage: " + usage)


def _value(text):
    """JSON-ish literal: true/false/null, whole numbers, "strings", lists of
    those, or a bare word as a string. Never a float: every amount in the
    config is an integer (milliunits)."""
    import json

    if text.lower() in ("nan", "inf", "infinity", "-inf", "+inf", "-infinity"):
        raise Usage("value must be a whole number or a word: %r" % text)
    try:
        v = json.loads(text)
    except ValueError:
        v = text
        for ch in text:
            if not (ch.isalpha() or ("0" <= ch <= "9") or ch in "_-.:") or ord(ch) > 126:
                raise Usage("value must be a number, true/false, a word or JSON: %r" % text)
        if "0" <= text[:1] <= "9" or text[:1] in "-.":
            raise Usage("numbers in the config are whole (milliunits): %r" % text)
    _no_floats(v, text)
    return v


def _no_floats(v, text):
    if isinstance(v, float):
        raise Usage("numbers in the config are whole (milliunits): %r" % text)
    if isinstance(v, (list, tuple)):
        for x in v:
            _no_floats(x, text)
    elif isinstance(v, dict):
        for x in v.values():
            _no_floats(x, text)


def _path(text):
    if not text or len(text) > 48:
        raise Usage("config path must be 1..48 characters")
    for ch in text:
        if not (("a" <= ch <= "z") or ("A" <= ch <= "Z") or ("0" <= ch <= "9") or ch in "_."):
            raise Usage("config path is words joined by dots: %r" % text)
    for part in text.split("."):
        if not part:
            raise Usage("config path is words joined by single dots, like "
                        "limits.max_bolus_mu: %r" % text)
    return text


def _short(paths):
    # The OK prompt fits a small screen: name one setting, count the rest.
    if len(paths) == 1:
        return paths[0]
    return "%s and %d more" % (paths[0], len(paths) - 1)
