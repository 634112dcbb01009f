# calibrate: dispense water into a cup, weigh it, store the steps factor.
# The console keeps the amount dispensed (c.calibration) between the steps.
# Both steps are checked before they ask for OK: the dispense is a prime (so
# only while suspended, at most the prime ceiling), and the new factor must
# be a valid setting. Storing it waits for OK too: it changes the amount
# each step pushes, which can raise what is delivered.

from console import parse
from delivery.errors import Rejected
from console.parse import Usage, format_mu
from console.reply import Pending, ok
from console.words import nargs

CALIBRATION = "mechanics.calibration_ppm"  # steps multiplier, 1000000 = 1.0


def run(c, cmd, args):
    usage = "calibrate U | calibrate mass GRAMS | calibrate cancel"
    cal = c.calibration  # None, or the amount (mU) dispensed and waiting for its mass
    if not args:
        if cal is None:
            return ok("calibrate", {"step": "idle"},
                      "idle: calibrate U dispenses U units of water into a cup")
        return ok("calibrate", {"step": "weigh", "dispensed_mu": cal},
                  "weigh the %s U dispensed, then: calibrate mass GRAMS" % format_mu(cal))
    if args[0] == "cancel":
        nargs(args, 1, 1, "calibrate cancel")
        c.calibration = None
        return ok("calibrate", {"step": "idle"}, "calibration cancelled")
    if args[0] == "mass":
        return _mass(c, args, cal)
    nargs(args, 1, 1, usage)
    amount = parse.units_mu(args[0], "calibration amount")
    if amount < 10000:
        raise Usage("dispense at least 10 U (0.1 mL) so the scale can resolve it")
    try:
        c.gates.check_prime(c.facade, c.now_ms(), amount)  # suspended, within the prime ceiling
    except Rejected as e:
        if e.code != "not_suspended":
            raise
        raise Rejected("not_suspended", "calibrate dispenses like a prime, only while "
                       "suspended: type suspend first")

    def go():
        res = c.facade.prime(c.now_ms(), amount)  # into a cup: not delivered to anyone
        c.calibration = amount
        return ok("calibrate", res, "dispensing %s U; when the motor stops, weigh the water "
                  "and type: calibrate mass GRAMS" % format_mu(amount))

    return Pending("calibrate", "dispense %s U into a cup for calibration" % format_mu(amount), go)


def _mass(c, args, cal):
    nargs(args, 2, 2, "calibrate mass GRAMS")
    if cal is None:
        raise Usage("nothing dispensed yet: first calibrate U")
    # Grams with up to 4 decimals (a 0.1 mg balance), kept in units of 0.1 mg.
    m = parse.parse_fixed(args[1], 4, "mass (g)")
    expected = cal // 10  # 1 U = 10 uL of water = 10 mg = 100 x 0.1 mg
    if m * 2 < expected or m > expected * 2:
        raise Usage("%s g is too far from the %d.%04d g expected: weigh again" % (
            args[1], expected // 10000, expected % 10000))
    # Less water than expected means each step pushes less: scale the
    # steps multiplier up by expected/measured.
    old_ppm = c.facade.config_get(CALIBRATION)
    new_ppm = old_ppm * cal // (10 * m)
    c.gates.plan_config_set(c.facade, CALIBRATION, new_ppm)  # a valid setting, or refused now

    def store():
        c.facade.config_set(CALIBRATION, new_ppm)
        c.calibration = None
        return ok("calibrate", {"dispensed_mu": cal, "measured_mg": m // 10,
                                "measured_mg_x10": m, "old_ppm": old_ppm, "new_ppm": new_ppm},
                  "calibration stored: %s U weighed %s g, factor %d -> %d ppm" % (
                      format_mu(cal), args[1], old_ppm, new_ppm))

    return Pending("calibrate", "store calibration %d -> %d ppm" % (old_ppm, new_ppm), store)
