# plunger-test: both
# The monotonic clock turns wrapping ticks into unbounded milliseconds.
from clock import MonotonicClock
from testkit import TICKS_MAX, FakeTicks, ticks_diff

MAX = TICKS_MAX
_diff = ticks_diff


def test_counts_from_zero():
    ticks = FakeTicks(12345)
    c = MonotonicClock(ticks, _diff)
    assert c.now_ms() == 0
    ticks.advance(250)
    assert c.now_ms() == 250


def test_crosses_the_wrap_without_a_jump():
    ticks = FakeTicks(MAX - 1000)
    c = MonotonicClock(ticks, _diff)
    total = 0
    for _ in range(50):
        ticks.advance(100)
        total += 100
        assert c.now_ms() == total
    assert ticks() < 5000  # the raw ticks did wrap


def test_runs_for_weeks_across_many_wraps():
    ticks = FakeTicks(0)
    c = MonotonicClock(ticks, _diff)
    step = 6 * 3600 * 1000  # read every 6 h, well inside the half period
    for i in range(4 * 30):  # 30 days, about 2.4 wraps of the raw ticks
        ticks.advance(step)
        assert c.now_ms() == (i + 1) * step


def test_never_goes_backwards():
    ticks = FakeTicks(5000)
    c = MonotonicClock(ticks, _diff)
    ticks.advance(100)
    assert c.now_ms() == 100
    ticks.t = 4000  # a misbehaving port steps back
    assert c.now_ms() == 100
    ticks.t = 5200
    assert c.now_ms() == 200
