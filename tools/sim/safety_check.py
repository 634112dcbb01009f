# The safety run's checker (simulator only; MicroPython and CPython).
#
# It knows nothing of the firmware: it is fed the plunger's forward steps as
# the simulated world saw them (tools/sim/world.py) and what the user did
# (the limits the pump accepted, OK holds, suspend, resume, cancels, power
# cuts), and after every step it checks the rules below. The rules are listed
# in the README ("Randomized safety run"); a violation is a dict with the rule,
# the time and the numbers, kept in order.
#
#   hour     forward steps in any rolling hour <= limits.max_per_hour_mu
#   day      forward steps in any rolling 24 h <= limits.max_per_24h_mu
#   rate     outside confirmed boluses, primes and calibrations: steps in any
#            rolling 15 min, and in any rolling minute, <= what
#            limits.max_temp_basal_mu_per_h (or max basal, if higher) gives
#            in that time (so a bolus nobody confirmed shows up here too)
#   suspend  no forward step while delivery is suspended, outside a confirmed
#            prime or calibration
#   bolus    inside a confirmed bolus window: no more than the bolus asked for
#            plus the rate rule's basal allowance
#
# Amounts are compared in exact integers: a step is what the world pushes
# (steps_per_ml_num / steps_per_ml_den steps per mL) at U-100 (1 mL = 100 U).
# Each rule allows 1 step of rounding, and the relative error the user's own
# calibrations introduced (weighing rounds to 1 mg), because the pump can only
# be as exact as its calibration; nothing else is tolerated.

HOUR_MS = 3600000
DAY_MS = 24 * HOUR_MS
RATE_WINDOW_MS = 15 * 60000
BURST_WINDOW_MS = 60000  # the rate rule again over 1 min: a small unconfirmed bolus
SUSPEND_GRACE_MS = 100  # a step already on its way at the instant of the reply
MU_PER_ML = 100000  # U-100
PPM = 1000000
KEEP_VIOLATIONS = 50

DEFAULT_LIMITS = {"max_per_hour_mu": 15000, "max_per_24h_mu": 80000,
                  "max_temp_basal_mu_per_h": 5000, "max_basal_mu_per_h": 3000,
                  "max_bolus_mu": 10000}


class Window:
    """Times of counted steps, for rolling sums over the last span_ms. Kept
    in chunks of 1024 so no list ever needs a big block of heap (the
    checker runs inside the firmware's process)."""

    CHUNK = 1024

    def __init__(self, span_ms):
        self.span_ms = span_ms
        self.chunks = [[]]
        self.head = 0  # index of the oldest step still inside, in chunks[0]
        self.n = 0

    def add(self, t_ms):
        last = self.chunks[-1]
        if len(last) >= self.CHUNK:
            last = []
            self.chunks.append(last)
        last.append(t_ms)
        self.n += 1
        oldest = t_ms - self.span_ms
        c0 = self.chunks[0]
        while True:
            if self.head < len(c0):
                if c0[self.head] > oldest:
                    break
                self.head += 1
                self.n -= 1
            elif len(self.chunks) > 1:
                self.chunks.pop(0)
                c0 = self.chunks[0]
                self.head = 0
            else:
                break
        return self.n


class Checker:
    def __init__(self, steps_per_ml_num, steps_per_ml_den, limits=None):
        self.num = steps_per_ml_num
        self.den = steps_per_ml_den
        self.limits = dict(DEFAULT_LIMITS)
        if limits:
            self.limits.update(limits)
        self.tolerance_ppm = 0  # from calibrations (see calibrated())
        self.hour = Window(HOUR_MS)
        self.day = Window(DAY_MS)
        self.rate = Window(RATE_WINDOW_MS)
        self.burst = Window(BURST_WINDOW_MS)
        self.replaced = []  # (t_ms, old rate limit): in force until t_ms
        self.suspended_at = None
        self.exempt_until = -1  # prime / calibration: steps that go into a cup
        self.bolus = None  # [start_ms, end_ms, mu, steps_in_it]
        self.steps = 0
        self.counted = 0
        self.violations = []  # the first KEEP_VIOLATIONS, in order
        self.count = 0  # all of them
        self.checks = 0

    # ---- what the user did -----------------------------------------------------
    def limit(self, name, value_mu, t_ms, confirmed):
        """The pump accepted a new limit. A raise counts only with the OK it
        needed; a lower one counts at once."""
        old = self.limits.get(name)
        if old is None or value_mu <= old or confirmed:
            self.limits[name] = value_mu
            if name in ("max_temp_basal_mu_per_h", "max_basal_mu_per_h") and old is not None:
                self.replaced.append((t_ms, old))

    def calibrated(self, rel_error_ppm):
        self.tolerance_ppm = max(self.tolerance_ppm, abs(rel_error_ppm))

    def suspend(self, t_ms):
        if self.suspended_at is None:
            self.suspended_at = t_ms
        self.end_bolus(t_ms)

    def resume(self, t_ms):
        self.suspended_at = None

    def confirmed_bolus(self, t_ms, mu, longest_ms):
        """OK was held for a bolus of mu (normal, extended or combo) that can
        take longest_ms at the configured rates."""
        self.bolus = [t_ms, t_ms + longest_ms, mu, 0]

    def end_bolus(self, t_ms):
        if self.bolus is not None and self.bolus[1] > t_ms:
            self.bolus[1] = t_ms

    def exempt(self, t_from_ms, t_until_ms):
        """A confirmed prime or calibration: its steps go into a cup, not the user."""
        self.exempt_until = max(self.exempt_until, t_until_ms)

    def power_lost(self, t_ms):
        self.end_bolus(t_ms)  # never resumed after a reset
        self.exempt_until = min(self.exempt_until, t_ms)

    # ---- the step record ---------------------------------------------------------
    def _mu_allowed_steps(self, mu):
        """Most steps that push out mu (exact, rounded down) plus the
        calibration tolerance and 1 step of rounding."""
        mu = mu * (PPM + self.tolerance_ppm) // PPM
        return mu * self.num // (MU_PER_ML * self.den) + 1

    def _violate(self, rule, t_ms, **detail):
        detail["rule"] = rule
        detail["t_ms"] = t_ms
        self.count += 1
        if len(self.violations) < KEEP_VIOLATIONS:
            self.violations.append(detail)

    def step(self, t_ms):
        """One forward step of the plunger at t_ms."""
        self.steps += 1
        if t_ms <= self.exempt_until:
            return
        self.checks += 1
        self.counted += 1
        lim = self.limits
        n = self.hour.add(t_ms)
        if n > self._mu_allowed_steps(lim["max_per_hour_mu"]):
            self._violate("hour", t_ms, steps=n, limit_mu=lim["max_per_hour_mu"])
        n = self.day.add(t_ms)
        if n > self._mu_allowed_steps(lim["max_per_24h_mu"]):
            self._violate("day", t_ms, steps=n, limit_mu=lim["max_per_24h_mu"])
        if self.suspended_at is not None and t_ms > self.suspended_at + SUSPEND_GRACE_MS:
            self._violate("suspend", t_ms, since_ms=self.suspended_at)
        b = self.bolus
        if b is not None and b[0] <= t_ms <= b[1]:
            b[3] += 1
            basal = self._rate_mu(t_ms) * (t_ms - b[0]) // HOUR_MS
            if b[3] > self._mu_allowed_steps(b[2] + basal):
                self._violate("bolus", t_ms, steps=b[3], bolus_mu=b[2])
            return
        rate_mu = self._rate_mu(t_ms)
        for window in (self.rate, self.burst):
            n = window.add(t_ms)
            allowed = self._mu_allowed_steps(rate_mu * window.span_ms // HOUR_MS)
            if n > allowed:
                self._violate("rate", t_ms, steps=n, allowed_steps=allowed,
                              window_min=window.span_ms // 60000,
                              max_temp_mu_per_h=self.limits["max_temp_basal_mu_per_h"])
                break

    def _rate_mu(self, t_ms):
        """The highest rate limit in force at any time in the last rate
        window (a limit just lowered does not make earlier steps wrong)."""
        best = max(self.limits["max_temp_basal_mu_per_h"], self.limits["max_basal_mu_per_h"])
        keep = []
        for at, old in self.replaced:
            if at > t_ms - RATE_WINDOW_MS:
                best = max(best, old)
                keep.append((at, old))
        if len(keep) != len(self.replaced):
            self.replaced = keep
        return best
