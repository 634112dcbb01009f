# temp: a temporary basal by percent or by U/h, and its cancel.

from console import parse
from console.parse import format_mu
from console.reply import ok
from console.words import nargs


def run(c, cmd, args):
    usage = "temp PERCENT% DURATION | temp U/H DURATION | temp cancel"
    if args == ["cancel"]:
        res = c.facade.cancel_temp_basal(c.now_ms())
        return ok("temp", res, "temp basal cancelled")
    nargs(args, 2, 2, usage)
    dur = parse.duration_min(args[1], 15, 24 * 60, "temp duration")
    if args[0].endswith("%"):
        pct = parse.integer(args[0][:-1], 0, 250, "temp percent")
        res = c.facade.temp_basal(c.now_ms(), dur, percent=pct)
        return ok("temp", res, "temp basal %d%% for %s" % (pct, parse.format_min(dur)))
    rate = parse.units_mu(args[0], "temp rate (U/h)")
    res = c.facade.temp_basal(c.now_ms(), dur, rate_mu_per_h=rate)
    return ok("temp", res, "temp basal %s U/h for %s" % (format_mu(rate), parse.format_min(dur)))
