# bolus (normal, extended, combo, calc) and cancel. A bolus only *asks*: it
# comes back as a Pending and runs after the OK button (shell.Console).

from console import parse
from console.parse import Usage, format_mu
from console.reply import Pending, ok
from console.words import nargs

_USAGE = "bolus U | bolus NOW_U EXT_U over DURATION | bolus cancel | bolus calc CARBS_G BG_MG_DL"


def run(c, cmd, args):
    if cmd == "cancel":
        return _cancel(c, args)
    if args and args[0] == "cancel":
        nargs(args, 1, 1, "bolus cancel")
        return _cancel(c, [])
    if args and args[0] == "calc":
        return _calc(c, args)
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
        raise Usage("usage: " + _USAGE)
    if now_mu + ext_mu == 0:
        raise Usage("bolus of 0 U: nothing to deliver")
    pv = c.facade.preview_bolus(c.now_ms(), now_mu, ext_mu, dur)  # raises Rejected: no prompt
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


def _calc(c, args):
    nargs(args, 3, 3, "bolus calc CARBS_G BG_MG_DL")
    carbs = parse.integer(args[1], 0, 500, "carbs (g)")
    bg = parse.integer(args[2], 20, 600, "glucose (mg/dL)")
    res = c.facade.calculate_bolus(c.now_ms(), carbs, bg)
    sug = res.get("suggested_mu") if isinstance(res, dict) else None
    text = "suggested %s U (not delivered; type bolus %s to deliver)" % (
        format_mu(sug), format_mu(sug)) if sug is not None else str(res)
    return ok("bolus", res, text)


def _cancel(c, args):
    nargs(args, 0, 0, "cancel")
    res = c.facade.cancel_bolus(c.now_ms())
    text = "bolus cancelled"
    if isinstance(res, dict) and "delivered_mu" in res:
        text = "bolus cancelled: %s U delivered, %s U not delivered" % (
            format_mu(res["delivered_mu"]), format_mu(res.get("cancelled_mu")))
    return ok("cancel", res, text)
