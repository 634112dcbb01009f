# The basal integral. Steps due by time t are
#     floor( integral(rate dt) x steps_per_mu )
# kept exactly with integers: the remainder below one step is carried
# forever, so nothing drifts across segments, midnight, temp basals or days.
#
# Rates arrive in 0.01 mU/h ("cmu_per_h") so that a percent temp basal
# (scheduled x percent / 100) stays exact. One step is due when the sum of
# rate_cmu_per_h x ms x num reaches 100 x 3600000 x den ("div").
#
# Small ints on the hot path: that sum passes 2**30 (the largest small int
# on a 32-bit port) within seconds, and a big int is a heap allocation per
# operation. So while the rate stays the same the remainder is kept as
# whole ms plus a part of one ms at that rate (rem = ms x R + part, with
# R = rate x num), and a step falls due every div // R ms plus a carried
# part: only small additions and comparisons. When R itself is not a small
# int (very high rates with fine mechanics) the plain big-int sum is used.
# Both give exactly the same steps.

from micropython import const

_SMALL = const(0x3FFFFFFF)  # the largest small int on a 32-bit port
_BURST = const(16)  # steps due in one advance beyond which dividing is cheaper


class BasalIntegrator:
    def __init__(self, num, den):
        self.num = num
        self.div = 360000000 * den  # 0.01 mU/h x ms per step, times num
        self.due = 0  # whole steps due since the integrator started
        # rem = _ms * _r + _part when _r, else _rem; 0 <= rem < div always.
        self._r = 0  # rate x num the pair is counted at (0: rem kept whole)
        self._ms = 0
        self._part = 0  # 0 <= _part < _r
        self._step_ms = 0  # div // _r: whole ms per step at that rate
        self._step_part = 0  # div % _r
        self._rem = 0

    # The part of a step not yet due, in rate x ms x num: 0 <= rem < div.
    @property
    def rem(self):
        return self._ms * self._r + self._part if self._r else self._rem

    @rem.setter
    def rem(self, value):
        self._r = 0
        self._rem = value

    def _at(self, rate_cmu_per_h):
        # Count at this rate in whole ms when it keeps every number small;
        # True if so. Converting happens once per rate change.
        r = rate_cmu_per_h * self.num
        if r == self._r:
            return True
        rem = self.rem
        if r > _SMALL or self.div // r > _SMALL:
            self._r = 0
            self._rem = rem
            return False
        self._r = r
        # // and %, not divmod(): on MicroPython divmod() of a big int gives
        # big-int objects even for small values, and every later sum would
        # allocate.
        self._ms = rem // r
        self._part = rem % r
        self._step_ms = self.div // r
        self._step_part = self.div % r
        return True

    def advance(self, rate_cmu_per_h, dt_ms):
        if rate_cmu_per_h <= 0 or dt_ms <= 0:
            return
        if not self._at(rate_cmu_per_h):
            r = self._rem + rate_cmu_per_h * dt_ms * self.num
            if r >= self.div:
                k = r // self.div
                self.due += k
                r -= k * self.div
            self._rem = r
            return
        ms = self._ms + dt_ms
        part = self._part
        w = self._step_ms
        n = self._step_part
        k = 0
        while ms > w or (ms == w and part >= n):
            # rem >= div: one step due; rem -= div, borrowing one ms of
            # parts when the part goes negative.
            ms -= w
            part -= n
            if part < 0:
                part += self._r
                ms -= 1
            k += 1
            if k == _BURST:
                # Many at once (a long gap): divide, big ints and all.
                rem = ms * self._r + part
                q = rem // self.div
                k += q
                rem -= q * self.div
                ms = rem // self._r
                part = rem % self._r
                break
        self.due += k
        self._ms = ms
        self._part = part

    def ms_to_next_step(self, rate_cmu_per_h):
        """Whole ms from now until the next step is due at this rate: the
        inverse of the integral, so the stepper sleeps exactly that long."""
        if not self._at(rate_cmu_per_h):
            step = rate_cmu_per_h * self.num
            return (self.div - self._rem + step - 1) // step
        # ceil((div - rem) / R) with div = w R + n and rem = ms R + part.
        return self._step_ms - self._ms + (1 if self._step_part > self._part else 0)
