# Boluses, extended boluses and primes are step streams: a fixed number of
# steps spread evenly from a start time at a constant rate,
#     due(t) = min(total, (t - start) x rate_num // rate_den)
# so a cancel at any instant knows exactly how many steps went out.

from micropython import const

_MIN_MS = const(60000)


class Stream:
    def __init__(self, start_ms, total_steps, rate_num, rate_den):
        self.start_ms = start_ms
        self.total = total_steps
        self.rn = rate_num  # steps per ms = rn / rd
        self.rd = rate_den
        self.out = 0  # steps handed to the stepper so far

    def due(self, now_ms):
        if now_ms <= self.start_ms:
            return 0
        d = (now_ms - self.start_ms) * self.rn // self.rd
        return d if d < self.total else self.total

    def next_ms(self):
        """When the step after those handed out falls due (None when done)."""
        if self.out >= self.total:
            return None
        return self.start_ms + ((self.out + 1) * self.rd + self.rn - 1) // self.rn

    def end_ms(self):
        return self.start_ms + (self.total * self.rd + self.rn - 1) // self.rn

    def hz(self):
        return (1000 * self.rn + self.rd - 1) // self.rd


def at_rate(start_ms, total_steps, rate_mu_per_min, units):
    # rate in steps/ms = rate_mu_per_min x num / (60000 x den)
    return Stream(start_ms, total_steps, rate_mu_per_min * units.num, _MIN_MS * units.den)


def over_duration(start_ms, total_steps, duration_min):
    # All steps by start + duration exactly, spread evenly.
    return Stream(start_ms, total_steps, total_steps or 1, duration_min * _MIN_MS or 1)


class Bolus:
    """One bolus: a now part at the bolus rate and/or an extended part spread
    over duration_min, both starting at the command."""

    def __init__(self, start_ms, now_mu, extended_mu, duration_min, cfg, units):
        self.start_ms = start_ms
        self.now_mu = now_mu
        self.extended_mu = extended_mu
        self.duration_min = duration_min
        self.cut = None  # the limit that ended it early, if one did
        if extended_mu and now_mu:
            self.kind = "combo"
        elif extended_mu:
            self.kind = "extended"
        else:
            self.kind = "normal"
        rate = cfg["delivery"]["bolus_rate_mu_per_min"]
        self.now = at_rate(start_ms, units.mu_to_steps(now_mu), rate, units)
        self.ext = over_duration(start_ms, units.mu_to_steps(extended_mu), duration_min)

    def steps_total(self):
        return self.now.total + self.ext.total

    def steps_out(self):
        return self.now.out + self.ext.out

    def done(self):
        return self.now.out >= self.now.total and self.ext.out >= self.ext.total

    def ends_ms(self):
        a = self.now.end_ms()
        b = self.start_ms + self.duration_min * _MIN_MS if self.ext.total else a
        return a if a > b else b
