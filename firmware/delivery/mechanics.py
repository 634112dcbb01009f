# From syringe and drive train to an exact rational "microsteps per
# milliunit". Amounts convert to steps once, rounding down, so the pump never
# pushes more than it was asked for.
#
# Volume per motor turn = inner area x lead / gear. With the area in
# hundredths of mm^2 and the lead in um, area x lead / 1e5 is in mm^3 = uL.
#   steps_per_ml = 1000 uL x steps_per_turn x gear_num x 1e5
#                  / (gear_den x area_x100 x lead_um) x calibration_ppm / 1e6
#   steps_per_mu = steps_per_ml / (units_per_ml x 1000)
# BD 3 mL (57.89 mm^2), M8 (1.25 mm), 200 x 16 steps: about 442.2 steps/U,
# i.e. 2.26 mU (0.0023 U) per microstep.

from delivery.settings import SYRINGES


def gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def inner_area_x100(mech):
    if mech["syringe"] == "custom":
        return mech["inner_area_mm2_x100"]
    return SYRINGES[mech["syringe"]]


def steps_per_mu(mech, full_steps_per_rev, microsteps):
    """Return (num, den), reduced: microsteps per milliunit."""
    num = 1000 * full_steps_per_rev * microsteps * mech["gear_num"] * 100000 * mech["calibration_ppm"]
    den = (mech["gear_den"] * inner_area_x100(mech) * mech["lead_um"] * 1000000
           * mech["units_per_ml"] * 1000)
    g = gcd(num, den)
    return num // g, den // g


def travel_steps(mech, full_steps_per_rev, microsteps):
    """Microsteps for the longest plunger stroke (the rewind distance)."""
    return (mech["travel_um"] * full_steps_per_rev * microsteps * mech["gear_num"]
            // (mech["lead_um"] * mech["gear_den"]))


class Units:
    """Conversions between milliunits and microsteps, exact both ways."""

    def __init__(self, num, den):
        self.num = num
        self.den = den

    def mu_to_steps(self, mu):
        # Rounds down: never more steps than the amount asked for.
        return mu * self.num // self.den

    def mu_to_steps_up(self, mu):
        # Rounds up: for amounts we must count conservatively (limits).
        return -(-mu * self.num // self.den)

    def steps_to_mu(self, steps):
        # Rounds down: what those steps delivered, in whole milliunits.
        return steps * self.den // self.num

    def steps_to_mu_up(self, steps):
        return -(-steps * self.den // self.num)
