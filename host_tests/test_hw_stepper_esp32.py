# plunger-test: both
# The ESP32 RMT backend against a fake RMT that plays its pulse trains onto a
# checked STEP pin: exact counts in chunks and in single-pulse (basal) mode,
# exact count after cancel, end stops.

from drivers import stepper
from drivers.endstops import EndStops
from drivers.stepper_esp32 import RmtStepper
from fakes_hw import FakePin, FakeRMT, StepperObserver, VirtualRig, stepper_cfg
from vclock import VirtualClock

STEPS_PER_U = 442


class Rig(VirtualRig):
    def __init__(self, position=0, empty_at=None, home_at=None, overtravel=0, **cfg_over):
        self.cfg = stepper_cfg(**cfg_over)
        self.clock = VirtualClock()
        self.step, self.dir, self.en = FakePin("step"), FakePin("dir"), FakePin("en")
        self.empty, self.home = FakePin("empty", 1), FakePin("home", 1)
        self.rmt = FakeRMT(self.step, self.clock)
        self.stops = EndStops(self.empty, self.home)
        self.st = RmtStepper(self.dir, self.en, self.cfg, self.clock, self.rmt,
                             endstops=self.stops, delay_us=self.rmt.delay_us)
        self.obs = StepperObserver(self.step, self.dir, self.en, self.cfg, self.rmt,
                                   empty_pin=self.empty, home_pin=self.home, position=position,
                                   empty_at=empty_at, home_at=home_at, overtravel=overtravel)


def test_fast_bolus_exact_in_chunks():
    r = Rig()
    steps = 10 * STEPS_PER_U
    r.move_and_wait(1, steps, 8000, 60000)
    assert r.obs.errors == []
    assert r.st.steps_done() == steps == r.obs.steps
    assert r.st.end_reason() == stepper.DONE
    assert r.rmt.writes < steps  # really chunked
    assert r.en.value() == 1


def test_rmt_periods_are_exact_inside_a_chunk():
    r = Rig()
    r.obs.keep_times = True
    r.move_and_wait(1, 64, 400, 5000)  # 400 Hz = start rate: no ramp
    t = r.obs.step_times_us
    gaps = [t[i + 1] - t[i] for i in range(len(t) - 1)]
    # Chunks of 4 written back to back: the joins are exact too.
    assert gaps == [2500] * 63
    # Each queued write blocked at most _LEAD_MS (plus the 5 us DIR setup).
    assert 0 < r.rmt.blocked_us_max <= 2000 + 5


def test_bolus_rate_periods_are_the_rmts():
    # 1.5 U/min at 442 steps/U: 11.05 Hz, a 90.5 ms period, longer than one
    # RMT item can hold: one write per pulse, low split over items, and the
    # writes back to back, so every period is exact.
    r = Rig()
    r.obs.keep_times = True
    rate = 1500 * 442.218 / 60000
    r.move_and_wait(1, 30, rate, 60000)
    t = r.obs.step_times_us
    per = pulse_math_period(rate)
    assert [t[i + 1] - t[i] for i in range(len(t) - 1)] == [per] * 29
    assert r.st.steps_done() == 30 == r.rmt.writes


def test_stop_during_a_long_pulse_returns_at_once_with_the_count():
    r = Rig()

    async def body():
        r.st.move(1, 100, 5)
        await r.clock.sleep_ms(1050)  # pulses at 0, 200, ... 1000 ms
        r.st.stop()
        assert r.st.steps_done() == 6 == r.obs.steps
        r.st.move(1, 3, 5)  # the last pulse's low time is still running
    r.run(body, 5000)
    assert r.st.steps_done() == 3 and r.obs.steps == 9
    assert r.obs.errors == []


def pulse_math_period(rate):
    from drivers import ramp

    return ramp.period_us(rate)


def test_basal_single_pulse_mode_exact():
    r = Rig()
    r.move_and_wait(1, 20, 0.5, 60000)  # 0.5 Hz: software period, RMT pulse
    assert r.st.steps_done() == 20 == r.obs.steps
    assert r.rmt.writes == 20
    assert r.obs.errors == []


def test_cancel_mid_move_exact():
    r = Rig()

    async def body():
        r.st.move(1, 5000, 3000)
        await r.clock.sleep_ms(1234)
        r.st.stop()
    r.run(body, 20000)
    assert 0 < r.st.steps_done() < 5000
    assert r.st.steps_done() == r.obs.steps
    assert r.st.end_reason() == stepper.STOPPED
    assert r.en.value() == 1


def test_empty_stop_within_one_step_at_delivery_rates():
    for rate in (0.2, 11, 103):  # basal, 1.5 U/min bolus, 14 U/min quick bolus
        r = Rig(position=0, empty_at=30)
        r.move_and_wait(1, 100, rate, 400000)
        assert r.obs.errors == []
        assert r.st.steps_done() == 30
        assert r.st.end_reason() == stepper.EMPTY


def test_fast_rewind_stops_within_one_chunk_exact_count():
    r = Rig(position=3000, home_at=0, overtravel=pm_chunk())
    r.move_and_wait(-1, 100000, 8000, 60000)
    assert r.obs.errors == []
    assert r.st.end_reason() == stepper.HOME
    assert r.st.steps_done() == r.obs.steps
    assert 3000 <= r.st.steps_done() <= 3000 + pm_chunk()


def pm_chunk():
    from drivers import pulse_math

    return pulse_math.RMT_CHUNK_MAX_PULSES
