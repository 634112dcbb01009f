# The basal integral. Steps due by time t are
#     floor( integral(rate dt) x steps_per_mu )
# kept exactly with integers: the remainder below one step is carried
# forever, so nothing drifts across segments, midnight, temp basals or days.
#
# Rates arrive in 0.01 mU/h ("cmu_per_h") so that a percent temp basal
# (scheduled x percent / 100) stays exact. One step is due when the sum of
# rate_cmu_per_h x ms x num reaches 100 x 3600000 x den.


class BasalIntegrator:
    def __init__(self, num, den):
        self.num = num
        self.div = 360000000 * den  # 0.01 mU/h x ms per step, times num
        self.rem = 0  # 0 <= rem < div: the part of a step not yet due
        self.due = 0  # whole steps due since the integrator started

    def advance(self, rate_cmu_per_h, dt_ms):
        if rate_cmu_per_h <= 0 or dt_ms <= 0:
            return
        r = self.rem + rate_cmu_per_h * dt_ms * self.num
        if r >= self.div:
            k = r // self.div
            self.due += k
            r -= k * self.div
        self.rem = r

    def ms_to_next_step(self, rate_cmu_per_h):
        """Whole ms from now until the next step is due at this rate: the
        inverse of the integral, so the stepper sleeps exactly that long."""
        step = rate_cmu_per_h * self.num
        return (self.div - self.rem + step - 1) // step
