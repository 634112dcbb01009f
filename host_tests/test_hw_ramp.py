# plunger-test: both
# Pure math behind every backend: the acceleration ramp and the PIO / RMT
# pulse arithmetic (the backends themselves only compile on the host).
from drivers import pulse_math as pm
from drivers import ramp
from testkit import raises


def _check(segs, steps, start, accel, max_rate):
    assert sum(c for c, _ in segs) == steps
    rates = [r for _, r in segs]
    assert all(c > 0 for c, _ in segs)
    assert max(rates) <= max_rate
    # up, then (cruise), then down: never a jump above one stair
    peak = rates.index(max(rates))
    for i in range(peak):
        assert rates[i] < rates[i + 1]
    for i in range(peak, len(rates) - 1):
        assert rates[i] > rates[i + 1]


def test_slow_move_is_one_segment_and_keeps_fractional_rate():
    assert ramp.segments(3, 0.125, 400, 4000, 8000) == [(3, 0.125)]
    assert ramp.segments(100, 400, 400, 4000, 8000) == [(100, 400)]
    assert ramp.segments(0, 1000, 400, 4000, 8000) == []


def test_ramp_sums_exactly_for_many_moves():
    for steps in (1, 2, 3, 7, 16, 17, 100, 441, 442, 4422, 13267, 100001):
        for rate in (401, 1000, 2500, 8000, 20000):
            segs = ramp.segments(steps, rate, 400, 4000, 8000)
            _check(segs, steps, 400, 4000, 8000)
            assert segs[0][1] == 400 or len(segs) == 1


def test_full_ramp_reaches_target_and_accel_is_bounded():
    segs = ramp.segments(20000, 8000, 400, 4000, 8000)
    assert max(r for _, r in segs) == 8000
    # each stair lasts about span / (accel * levels) = 0.2375 s
    up = segs[:8]
    for count, rate in up[1:]:
        t_ms = count * 1000 // rate
        assert 200 <= t_ms <= 240
    # ramp time from the nominal durations: 2 x 1.9 s + cruise
    assert ramp.duration_ms(segs) > 3800


def test_short_move_turns_round_early():
    segs = ramp.segments(50, 8000, 400, 4000, 8000)
    assert sum(c for c, _ in segs) == 50
    assert max(r for _, r in segs) < 8000


def test_period_us():
    assert ramp.period_us(8000) == 125
    assert ramp.period_us(3) == 333333
    assert ramp.period_us(0.5) == 2000000
    raises(ValueError, ramp.period_us, 0)


def test_pio_words_and_real_period():
    for rate in (1, 7, 400, 1000, 3333, 7000, 8000):
        low = pm.pio_low_loops(rate, 3)
        real = pm.pio_period_us(low, 3)
        assert real == ramp.period_us(rate)  # exact to the cycle (1 us)
    assert pm.pio_high_delay(3) == 1
    assert pm.pio_high_delay(1) == 0
    raises(ValueError, pm.pio_high_delay, 40)
    # the fastest the program can go with a 3 us pulse: 6 cycles
    assert pm.pio_low_loops(1000000, 3) == 0


def test_pio_emitted_after_stop():
    segs = [10, 20, 30]
    # nothing pulled yet
    assert pm.pio_emitted(segs, 0, 0) == 0
    # count pulled, low word not yet: segment 0 emitted nothing
    assert pm.pio_emitted(segs, 1, 10) == 0
    # segment 0 running, 4 pulses owed
    assert pm.pio_emitted(segs, 2, 4) == 6
    # segment 0 finished, waiting for segment 1's words (X is 0)
    assert pm.pio_emitted(segs, 2, 0) == 10
    # segment 1's count pulled: X now holds its count, nothing emitted yet
    assert pm.pio_emitted(segs, 3, 20) == 10
    # segment 2 in flight with 1 owed
    assert pm.pio_emitted(segs, 6, 1) == 59


def test_rmt_range_and_chunks():
    assert pm.rmt_min_rate_hz(3) == 31
    assert pm.rmt_pulse(8000, 3) == (3, 122)
    assert pm.rmt_pulse(31, 3) == (3, 32255)
    assert pm.rmt_pulse(30, 3) is None  # too slow for one RMT item: software timed
    assert pm.rmt_chunk_pulses(8000, 3, 1000) == 64
    assert pm.rmt_chunk_pulses(1000, 3, 1000) == 10
    assert pm.rmt_chunk_pulses(50, 3, 1000) == 1
    assert pm.rmt_chunk_pulses(8000, 3, 5) == 5
