# plunger-test: both
# The basal integrator counts in small ints while the rate holds (issue 12):
# it must give exactly the steps of the plain big-int integral, at every
# rate, every interval, across rate changes and resets of the remainder.
from delivery.basal import BasalIntegrator


class Plain:
    """The integral as written in the comment: one big sum, floor per step."""

    def __init__(self, num, den):
        self.num = num
        self.div = 360000000 * den
        self.rem = 0
        self.due = 0

    def advance(self, rate, dt):
        if rate <= 0 or dt <= 0:
            return
        r = self.rem + rate * dt * self.num
        self.due += r // self.div
        self.rem = r % self.div

    def ms_to_next_step(self, rate):
        step = rate * self.num
        return (self.div - self.rem + step - 1) // step


def _lcg(seed):
    state = [seed]

    def rnd(n):
        state[0] = (state[0] * 1103515245 + 12345) & 0x7FFFFFFF
        return state[0] % n

    return rnd


def _compare(num, den, seed, n=3000):
    rnd = _lcg(seed)
    a = BasalIntegrator(num, den)
    b = Plain(num, den)
    rate = 80000
    for i in range(n):
        pick = rnd(100)
        if pick < 5:
            rate = (5000, 80000, 100000, 300000, 3500000, 8750000, 0)[rnd(7)]
        elif pick < 6:
            a.rem = 0  # the guard drops a part-step owed
            b.rem = 0
        if rate > 0 and pick < 50:
            dt = a.ms_to_next_step(rate)
            assert dt == b.ms_to_next_step(rate), (i, rate)
        else:
            dt = (1, 7, 999, 60000, 86400000)[rnd(5)] if pick < 95 else rnd(20000)
        a.advance(rate, dt)
        b.advance(rate, dt)
        assert a.due == b.due, (i, rate, dt)
        assert a.rem == b.rem, (i, rate, dt)


def test_same_steps_as_the_plain_integral_default_mechanics():
    _compare(2560, 5789, 1)  # BD 3 mL, M8, 16 microsteps


def test_same_steps_with_other_mechanics_and_the_big_int_fallback():
    _compare(1, 3, 2)
    _compare(987654321, 7, 3)  # rate x num never a small int: the fallback path
    _compare(40960, 11290, 4)


def test_a_steady_rate_counts_without_big_ints():
    a = BasalIntegrator(2560, 5789)
    a.advance(80000, 1)
    assert a._r == 80000 * 2560  # counting in whole ms at this rate
    for _ in range(1000):
        a.advance(80000, a.ms_to_next_step(80000))
    assert a.due == 1000
