# temp: a temporary basal by percent or by U/h, and its cancel. Starting a
# temp can raise the basal rate, so it waits for OK (checked first, so a temp
# the engine would refuse is refused before anyone is asked); cancelling one
# waits for OK only when the temp runs below the schedule.

from console import parse
from console.parse import format_mu
from console.reply import Pending, ok
from console.words import nargs


def run(c, cmd, args):
    usage = "temp PERCENT% DURATION | temp U/H DURATION | temp cancel"
    if args == ["cancel"]:
        def cancel():
            return ok("temp", c.facade.cancel_temp_basal(c.now_ms()), "temp basal cancelled")

        if c.gates.cancel_temp_raises(c.facade, c.now_ms()):
            return Pending("temp", "cancel the temp basal (back up to the scheduled rate)", cancel)
        return cancel()
    nargs(args, 2, 2, usage)
    dur = parse.duration_min(args[1], 15, 24 * 60, "temp duration")
    if args[0].endswith("%"):
        pct = parse.integer(args[0][:-1], 0, 250, "temp percent")
        c.gates.check_temp(c.facade, c.now_ms(), dur, percent=pct)
        what = "temp basal %d%% for %s" % (pct, parse.format_min(dur))

        def go():
            return ok("temp", c.facade.temp_basal(c.now_ms(), dur, percent=pct), what)
    else:
        rate = parse.units_mu(args[0], "temp rate (U/h)")
        c.gates.check_temp(c.facade, c.now_ms(), dur, rate_mu_per_h=rate)
        what = "temp basal %s U/h for %s" % (format_mu(rate), parse.format_min(dur))

        def go():
            return ok("temp", c.facade.temp_basal(c.now_ms(), dur, rate_mu_per_h=rate), what)

    return Pending("temp", what, go)
