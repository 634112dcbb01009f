# Insulin on board: the exponential insulin model used by OpenAPS oref0 and
# Loop (ExponentialInsulinModel), with duration of action td and peak tp:
#   tau = tp (1 - tp/td) / (1 - 2 tp/td),  a = 2 tau / td,
#   S = 1 / (1 - a + (1 + a) exp(-td/tau))
#   remaining(t) = 1 - S (1 - a) ((t^2 / (tau td (1 - a)) - t/tau - 1) exp(-t/tau) + 1)
# Floats are used here, and only here: IOB is an estimate for limits and the
# calculator, never an amount the motor delivers. Results leave as integer mU.
#
# Only boluses count. Temp-basal differences from the scheduled rate do not
# (the engine does not model net basal), so IOB is "bolus IOB".

import math


class Curve:
    def __init__(self, dia_min, peak_min):
        td = float(dia_min)
        tp = float(peak_min)
        self.td = td
        self.dia_ms = dia_min * 60000
        self.tau = tp * (1 - tp / td) / (1 - 2 * tp / td)
        self.a = 2 * self.tau / td
        self.s = 1 / (1 - self.a + (1 + self.a) * math.exp(-td / self.tau))

    def remaining(self, age_ms):
        """Fraction of a dose still active age_ms after it was given."""
        if age_ms <= 0:
            return 1.0
        t = age_ms / 60000
        if t >= self.td:
            return 0.0
        tau = self.tau
        a = self.a
        f = 1 - self.s * (1 - a) * ((t * t / (tau * self.td * (1 - a)) - t / tau - 1)
                                    * math.exp(-t / tau) + 1)
        if f < 0:
            return 0.0
        return f if f < 1 else 1.0
