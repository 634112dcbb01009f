# The delivery record behind the limits and insulin on board: steps per
# 5-minute bucket in a fixed ring covering 25 hours, allocated once.
#
# Rolling windows ("last hour", "last 24 h") count every bucket that overlaps
# the window, so they may look back up to 5 minutes further than asked:
# the limits err on the strict side (and ask for one bucket more, guard.py). Amounts stay in microsteps, exact, and
# turn into milliunits only when summed.

from micropython import const

BUCKET_MS = const(300000)
_SLOTS = const(300)


class DeliveryRecord:
    def __init__(self):
        self.ids = [None] * _SLOTS  # bucket number held by each slot
        self.total = [0] * _SLOTS  # steps delivered to the body (basal + bolus)
        self.bolus = [0] * _SLOTS  # of which bolus steps (for insulin on board)
        self._last = -1  # the newest bucket written

    def add(self, at_ms, steps, is_bolus):
        if steps == 0:
            return
        b = at_ms // BUCKET_MS
        if b > self._last:
            self._last = b
        i = b % _SLOTS
        if self.ids[i] != b:
            self.ids[i] = b
            self.total[i] = 0
            self.bolus[i] = 0
        self.total[i] += steps
        if is_bolus:
            self.bolus[i] += steps

    def take_back(self, at_ms, total_steps, bolus_steps):
        """Remove steps recorded but never issued (dropped by an alarm)."""
        self.add(at_ms, -total_steps, False)
        b = at_ms // BUCKET_MS % _SLOTS
        self.bolus[b] -= bolus_steps

    def take_back_basal(self, from_ms, steps):
        """Remove basal steps recorded at or after from_ms, never issued,
        earliest bucket first: taken from too early a bucket, a window can
        only count more than the truth, never less."""
        b = from_ms // BUCKET_MS
        while steps > 0 and b <= self._last:
            i = b % _SLOTS
            if self.ids[i] == b:
                x = self.total[i] - self.bolus[i]
                x = x if x < steps else steps
                self.total[i] -= x
                steps -= x
            b += 1

    def rescale(self, old_units, num, den):
        """The microstep changed size (mechanics, calibration): restate every
        bucket in new steps of num/den per mU, rounded up so no past dose
        counts less than it was."""
        a = old_units.den * num  # new steps = old steps x a / b
        b = old_units.num * den
        for i in range(_SLOTS):
            if self.ids[i] is not None:
                self.total[i] = -(-self.total[i] * a // b)
                self.bolus[i] = -(-self.bolus[i] * a // b)

    def sum_total(self, now_ms, window_ms):
        """Steps delivered in the buckets overlapping (now - window, now]."""
        last = now_ms // BUCKET_MS
        first = (now_ms - window_ms) // BUCKET_MS
        s = 0
        ids = self.ids
        for i in range(_SLOTS):
            b = ids[i]
            if b is not None and first <= b <= last:
                s += self.total[i]
        return s

    def bolus_iob_steps(self, now_ms, curve):
        """Bolus steps still on board. Each bucket counts as delivered at its
        end (or now), the latest it could have been: more IOB, never less."""
        last = now_ms // BUCKET_MS
        first = (now_ms - curve.dia_ms) // BUCKET_MS
        s = 0.0
        ids = self.ids
        for i in range(_SLOTS):
            b = ids[i]
            if b is not None and first <= b <= last and self.bolus[i]:
                end = (b + 1) * BUCKET_MS
                age = now_ms - end if end < now_ms else 0
                s += self.bolus[i] * curve.remaining(age)
        return s
