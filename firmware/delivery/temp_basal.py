# A temporary basal: a percent of the scheduled rate or an absolute rate, for
# 15 min..24 h in 15-minute steps. It ends exactly at start + duration.

from micropython import const

_MIN_MS = const(60000)


class TempBasal:
    def __init__(self, start_ms, end_ms, percent, rate_mu_per_h):
        self.start_ms = start_ms
        self.end_ms = end_ms
        self.percent = percent  # None for an absolute temp basal
        self.rate_mu_per_h = rate_mu_per_h  # None for a percent temp basal

    def rate_cmu_per_h(self, scheduled_mu_per_h):
        # In 0.01 mU/h, so that scheduled x percent / 100 stays exact.
        if self.percent is not None:
            return scheduled_mu_per_h * self.percent
        return self.rate_mu_per_h * 100

    def describe(self, now_ms):
        d = {"ends_ms": self.end_ms, "left_min": (self.end_ms - now_ms) // _MIN_MS}
        if self.percent is not None:
            d["percent"] = self.percent
        else:
            d["rate_mu_per_h"] = self.rate_mu_per_h
        return d
