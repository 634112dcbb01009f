# The console's commands: each takes (console, args) and returns a Reply, or
# a Pending for a command that moves the motor. Commands only *parse* and
# *ask*: anything that delivers is wrapped in a Pending and runs only after
# the OK button (shell.Console decides), so no typing accident moves the motor.

from console import parse, render
from console.parse import Usage, format_mu
from console.reply import Pending, ok

HISTORY_MAX = 500
LOG_LEVELS = ("debug", "info", "warn", "error")
CONFIRM_FLAG = "ui.require_button_confirm"
CALIBRATION = "mechanics.calibration_ppm"  # steps multiplier, 1000000 = 1.0


def _name(text, what):
    if not text or len(text) > 16:
        raise Usage("%s must be 1..16 characters" % what)
    for c in text:
        if not (c.isalpha() or ("0" <= c <= "9") or c in "_-") or ord(c) > 126:
            raise Usage("%s may only hold letters, digits, _ and -: %r" % (what, text))
    return text


def _nargs(args, lo, hi, usage):
    if len(args) < lo or len(args) > hi:
        raise Usage("usage: " + usage)


# ---- status -------------------------------------------------------------

def cmd_status(c, args):
    _nargs(args, 0, 0, "status")
    s = c.facade.status(c.now_ms())
    data = dict(s)
    data["confirm_required"] = c.confirm_required()
    return ok("status", data, render.status(s, data["confirm_required"]))


# ---- bolus --------------------------------------------------------------

def cmd_bolus(c, args):
    usage = "bolus U | bolus NOW_U EXT_U over DURATION | bolus cancel | bolus calc CARBS_G BG_MG_DL"
    if args and args[0] == "cancel":
        _nargs(args, 1, 1, "bolus cancel")
        return cmd_cancel(c, [])
    if args and args[0] == "calc":
        _nargs(args, 3, 3, "bolus calc CARBS_G BG_MG_DL")
        carbs = parse.integer(args[1], 0, 500, "carbs (g)")
        bg = parse.integer(args[2], 20, 600, "glucose (mg/dL)")
        res = c.facade.calculate_bolus(c.now_ms(), carbs, bg)
        sug = res.get("suggested_mu") if isinstance(res, dict) else None
        text = "suggested %s U (not delivered; type bolus %s to deliver)" % (
            format_mu(sug), format_mu(sug)) if sug is not None else str(res)
        return ok("bolus", res, text)
    if len(args) == 1:
        now_mu = parse.units_mu(args[0], "bolus")
        ext_mu = 0
        dur = 0
    elif len(args) == 4 and args[2] == "over":
        now_mu = parse.units_mu(args[0], "bolus now part")
        ext_mu = parse.units_mu(args[1], "extended part")
        dur = parse.duration_min(args[3], 15, 12 * 60, "extended duration")
        if ext_mu == 0:
            raise Usage("extended part is 0: use bolus %s" % args[0])
    else:
        raise Usage("usage: " + usage)
    if now_mu + ext_mu == 0:
        raise Usage("bolus of 0 U: nothing to deliver")
    now_ms = c.now_ms()
    pv = c.facade.preview_bolus(now_ms, now_mu, ext_mu, dur)  # raises Rejected: no prompt
    if isinstance(pv, dict):
        p_now, p_ext, p_dur = pv.get("now_mu", now_mu), pv.get("extended_mu", ext_mu), pv.get("duration_min", dur)
    else:
        p_now, p_ext, p_dur = now_mu, ext_mu, dur
    what = "bolus %s U now" % format_mu(p_now)
    if p_ext:
        what += " + %s U over %s" % (format_mu(p_ext), parse.format_min(p_dur))
    if (p_now, p_ext) != (now_mu, ext_mu):
        what += " (rounded down from %s U)" % format_mu(now_mu + ext_mu)

    def go():
        res = c.facade.bolus(c.now_ms(), now_mu, ext_mu, dur)
        return ok("bolus", res, "started: " + what)

    return Pending("bolus", what, go, pv)


def cmd_cancel(c, args):
    _nargs(args, 0, 0, "cancel")
    res = c.facade.cancel_bolus(c.now_ms())
    text = "bolus cancelled"
    if isinstance(res, dict) and "delivered_mu" in res:
        text = "bolus cancelled: %s U delivered, %s U not delivered" % (
            format_mu(res["delivered_mu"]), format_mu(res.get("cancelled_mu")))
    return ok("cancel", res, text)


# ---- temp basal, suspend, resume ---------------------------------------

def cmd_temp(c, args):
    usage = "temp PERCENT% DURATION | temp U/H DURATION | temp cancel"
    if args == ["cancel"]:
        res = c.facade.cancel_temp_basal(c.now_ms())
        return ok("temp", res, "temp basal cancelled")
    _nargs(args, 2, 2, usage)
    dur = parse.duration_min(args[1], 15, 24 * 60, "temp duration")
    if args[0].endswith("%"):
        pct = parse.integer(args[0][:-1], 0, 250, "temp percent")
        res = c.facade.temp_basal(c.now_ms(), dur, percent=pct)
        return ok("temp", res, "temp basal %d%% for %s" % (pct, parse.format_min(dur)))
    rate = parse.units_mu(args[0], "temp rate (U/h)")
    res = c.facade.temp_basal(c.now_ms(), dur, rate_mu_per_h=rate)
    return ok("temp", res, "temp basal %s U/h for %s" % (format_mu(rate), parse.format_min(dur)))


def cmd_suspend(c, args):
    _nargs(args, 0, 0, "suspend")
    res = c.facade.suspend(c.now_ms())
    return ok("suspend", res, "delivery suspended")


def cmd_resume(c, args):
    _nargs(args, 0, 0, "resume")

    def go():
        return ok("resume", c.facade.resume(c.now_ms()), "delivery resumed")

    return Pending("resume", "resume basal delivery", go)


def cmd_prime(c, args):
    _nargs(args, 1, 1, "prime U")
    amount = parse.units_mu(args[0], "prime amount")
    if amount == 0:
        raise Usage("prime of 0 U: nothing to do")
    what = "prime %s U (fills the line; not counted as delivered)" % format_mu(amount)

    def go():
        return ok("prime", c.facade.prime(c.now_ms(), amount), "priming %s U" % format_mu(amount))

    return Pending("prime", what, go)


def cmd_rewind(c, args):
    _nargs(args, 0, 0, "rewind")

    def go():
        return ok("rewind", c.facade.rewind(c.now_ms()), "rewinding to home")

    return Pending("rewind", "rewind the plunger to home", go)


def cmd_refill(c, args):
    # No motion, so no OK press: it only tells the pump what the new syringe
    # holds, which is what makes "units left", "hours left" and the
    # low-reservoir alarm meaningful.
    _nargs(args, 1, 1, "refill U")
    amount = parse.units_mu(args[0], "reservoir amount")
    return ok("refill", c.facade.new_reservoir(c.now_ms(), amount),
              "reservoir set to %s U" % format_mu(amount))


# ---- profiles -----------------------------------------------------------

def _segments(words):
    segs = []
    for w in words:
        t, eq, r = w.partition("=")
        if not eq:
            raise Usage("segment must be HH:MM=U/H, not %r" % w)
        start = parse.clock_min(t, "segment start")
        rate = parse.units_mu(r, "segment rate (U/h)")
        if segs and start <= segs[-1][0]:
            raise Usage("segments must be in time order: %r" % w)
        if not segs and start != 0:
            raise Usage("the first segment must start at 00:00")
        segs.append([start, rate])
    if not segs:
        raise Usage("a profile needs at least one segment")
    return segs


def cmd_profile(c, args):
    usage = "profile [show [NAME]] | profile select NAME | profile edit NAME 00:00=0.8 06:00=1.2 ..."
    sub = args[0] if args else "show"
    if sub == "show":
        _nargs(args, 0, 2, usage)
        profiles = c.facade.config_get("profiles")
        active = c.facade.status(c.now_ms()).get("profile")
        names = [args[1]] if len(args) == 2 else sorted(profiles)
        for n in names:
            if n not in profiles:
                raise Usage("no profile named %r" % n)
        data = {"active": active, "profiles": dict((n, profiles[n]) for n in names)}
        text = "\r\n".join(render.profile(n, profiles[n], n == active) for n in names)
        return ok("profile", data, text or "no profiles")
    if sub == "select":
        _nargs(args, 2, 2, "profile select NAME")
        name = _name(args[1], "profile name")
        res = c.facade.select_profile(c.now_ms(), name)
        return ok("profile", res, "profile %s selected" % name)
    if sub == "edit":
        if len(args) < 3:
            raise Usage("usage: profile edit NAME 00:00=0.8 06:00=1.2 ...")
        name = _name(args[1], "profile name")
        segs = _segments(args[2:])
        res = c.facade.set_profile(c.now_ms(), name, segs)
        return ok("profile", res, "profile %s saved (%d segments)" % (name, len(segs)))
    raise Usage("usage: " + usage)


# ---- history, alarms ----------------------------------------------------

def _record(r):
    if isinstance(r, dict):
        return r
    return {"seq": r[0], "wall_s": r[1], "now_ms": r[2], "kind": r[3], "data": r[4]}


def cmd_history(c, args):
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
        _nargs(args, 0, 1, usage)
        n = parse.integer(args[0], 1, HISTORY_MAX, "history count") if args else 10
        recs = c.facade.history(n=n)
    recs = [_record(r) for r in recs][-HISTORY_MAX:]
    text = "\r\n".join(render.history_record(r) for r in recs) or "no records"
    return ok("history", recs, text)


def cmd_alarms(c, args):
    if args and args[0] == "ack":
        return cmd_ack(c, args[1:])
    _nargs(args, 0, 0, "alarms | alarms ack ID")
    al = c.facade.alarms()
    text = "\r\n".join(render.alarm(a) for a in al) or "no alarms"
    return ok("alarms", al, text)


def cmd_ack(c, args):
    _nargs(args, 1, 1, "ack ALARM_ID")
    aid = _name(args[0], "alarm id")
    res = c.facade.ack_alarm(aid)
    return ok("ack", res, "alarm %s acknowledged" % aid)


# ---- config, time, calibration -----------------------------------------

def _config_value(text):
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
        if not (ch.isalpha() or ("0" <= ch <= "9") or ch in "_.") or ord(ch) > 126:
            raise Usage("config path is words joined by dots: %r" % text)
    return text


def cmd_config(c, args):
    usage = "config [show] | config get PATH | config set PATH VALUE"
    sub = args[0] if args else "show"
    if sub == "show":
        _nargs(args, 0, 1, usage)
        cfg = c.facade.config_get("")
        return ok("config", cfg, _flat(cfg))
    if sub == "get":
        _nargs(args, 2, 2, "config get PATH")
        v = c.facade.config_get(_path(args[1]))
        return ok("config", {"path": args[1], "value": v}, "%s = %s" % (args[1], _show(v)))
    if sub == "set":
        _nargs(args, 3, 3, "config set PATH VALUE")
        path = _path(args[1])
        value = _config_value(args[2])

        def go():
            res = c.facade.config_set(path, value)  # validates against the ceilings
            return ok("config", {"path": path, "value": value, "result": res},
                      "%s = %s" % (path, _show(value)))

        if path == CONFIRM_FLAG and value is not True:
            # Turning the OK-button check off from a cable needs the button.
            return Pending("config", "turn OFF the OK-button confirmation", go)
        return go()
    raise Usage("usage: " + usage)


def _show(v):
    import json

    return json.dumps(v)


def _flat(cfg, prefix=""):
    if not isinstance(cfg, dict):
        return "%s = %s" % (prefix or "config", _show(cfg))
    lines = []
    for k in sorted(cfg):
        v = cfg[k]
        p = prefix + "." + k if prefix else k
        lines.append(_flat(v, p) if isinstance(v, dict) else "%s = %s" % (p, _show(v)))
    return "\r\n".join(lines)


def cmd_time(c, args):
    if not args:
        w = c.facade.wall_s()
        return ok("time", {"wall_s": w}, "%s UTC" % parse.format_wall(w))
    if args[0] != "set" or len(args) < 2:
        raise Usage("usage: time | time set YYYY-MM-DD HH:MM[:SS] (UTC) | time set EPOCH_S")
    w = parse.wall_s(args[1:], "time")
    res = c.facade.set_time(w)
    return ok("time", {"wall_s": w, "result": res}, "time set to %s UTC" % parse.format_wall(w))


def cmd_calibrate(c, args):
    usage = "calibrate U | calibrate mass GRAMS | calibrate cancel"
    cal = c.calibration  # None, or the amount (mU) dispensed and waiting for its mass
    if not args:
        if cal is None:
            return ok("calibrate", {"step": "idle"},
                      "idle: calibrate U dispenses U units of water into a cup")
        return ok("calibrate", {"step": "weigh", "dispensed_mu": cal},
                  "weigh the %s U dispensed, then: calibrate mass GRAMS" % format_mu(cal))
    if args[0] == "cancel":
        _nargs(args, 1, 1, "calibrate cancel")
        c.calibration = None
        return ok("calibrate", {"step": "idle"}, "calibration cancelled")
    if args[0] == "mass":
        _nargs(args, 2, 2, "calibrate mass GRAMS")
        if cal is None:
            raise Usage("nothing dispensed yet: first calibrate U")
        mg = parse.parse_fixed(args[1], 3, "mass (g)")
        expected_mg = cal // 100  # 1 U = 10 uL of water = 10 mg
        if mg * 2 < expected_mg or mg > expected_mg * 2:
            raise Usage("%s g is too far from the %s g expected: weigh again" % (
                args[1], parse.format_mu(expected_mg)))
        # Less water than expected means each step pushes less: scale the
        # steps multiplier up by expected/measured. config_set validates the
        # result against the settings range, like any other setting.
        old_ppm = c.facade.config_get(CALIBRATION)
        new_ppm = old_ppm * cal // (100 * mg)
        c.facade.config_set(CALIBRATION, new_ppm)
        c.calibration = None
        return ok("calibrate", {"dispensed_mu": cal, "measured_mg": mg, "old_ppm": old_ppm,
                                "new_ppm": new_ppm},
                  "calibration stored: %s U weighed %s g, factor %d -> %d ppm" % (
                      format_mu(cal), args[1], old_ppm, new_ppm))
    _nargs(args, 1, 1, usage)
    amount = parse.units_mu(args[0], "calibration amount")
    if amount < 10000 or amount > 300000:
        raise Usage("dispense 10..300 U (0.1..3 mL) so the scale can resolve it")

    def go():
        res = c.facade.prime(c.now_ms(), amount)  # into a cup: not delivered to anyone
        c.calibration = amount
        return ok("calibrate", res, "dispensing %s U; when the motor stops, weigh the water "
                  "and type: calibrate mass GRAMS" % format_mu(amount))

    return Pending("calibrate", "dispense %s U into a cup for calibration" % format_mu(amount), go)


# ---- info, modes, help --------------------------------------------------

def cmd_version(c, args):
    _nargs(args, 0, 0, "version")
    v = c.facade.version()
    return ok("version", {"version": v}, "Plunger %s" % v)


def cmd_board(c, args):
    _nargs(args, 0, 0, "board")
    info = c.facade.board_info()
    return ok("board", info, _flat(info))


def cmd_log(c, args):
    if args and args[0] == "level":
        args = args[1:]
    _nargs(args, 0, 1, "log [level] [debug|info|warn|error]")
    if args:
        if args[0] not in LOG_LEVELS:
            raise Usage("log level must be one of %s" % ", ".join(LOG_LEVELS))
        c.log_level = args[0]
    return ok("log", {"level": c.log_level}, "log level %s" % c.log_level)


def cmd_json(c, args):
    _nargs(args, 1, 1, "json on|off")
    if args[0] not in ("on", "off"):
        raise Usage("usage: json on|off")
    c.set_json(args[0] == "on")
    return ok("json", {"json": c.json}, "json " + args[0])


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
}


def cmd_help(c, args):
    _nargs(args, 0, 1, "help [COMMAND]")
    if args:
        h = HELP.get(args[0].lower())
        if h is None:
            raise Usage("no command %r; type help" % args[0])
        return ok("help", {"command": args[0].lower(), "usage": h[0], "about": h[1]},
                  "%s\r\n  %s" % (h[0], h[1]))
    names = sorted(HELP)
    return ok("help", {"commands": names},
              "\r\n".join("%-9s %s" % (n, HELP[n][1]) for n in names))


TABLE = {
    "status": cmd_status, "bolus": cmd_bolus, "cancel": cmd_cancel, "temp": cmd_temp,
    "suspend": cmd_suspend, "resume": cmd_resume, "prime": cmd_prime, "rewind": cmd_rewind,
    "refill": cmd_refill,
    "profile": cmd_profile, "history": cmd_history, "alarms": cmd_alarms, "ack": cmd_ack,
    "config": cmd_config, "time": cmd_time, "calibrate": cmd_calibrate,
    "version": cmd_version, "board": cmd_board, "log": cmd_log, "json": cmd_json,
    "help": cmd_help,
}

# Commands that move the motor to deliver: they always come back as Pending.
MOTOR_COMMANDS = ("bolus", "resume", "prime", "rewind", "calibrate")
