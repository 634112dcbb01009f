# plunger-test: both
# The soft (asyncio) stepper backend driven through fakes that check what a
# real STEP/DIR/EN driver and plunger would: exact counts for a bolus and a
# day of basal, exact count after cancel, end stops within one step.
import asyncio

from drivers import stepper
from drivers.endstops import EndStops
from fakes_hw import FakePin, HardwareViolation, StepperObserver, UsClock, VirtualRig, stepper_cfg
from testkit import raises
from vclock import VirtualClock

STEPS_PER_U = 442  # BD 3 mL + M8 + 200 x 16 (about 442.2 steps per unit)


class Rig(VirtualRig):
    def __init__(self, position=0, empty_at=None, home_at=None, stuck_empty=None, **cfg_over):
        self.cfg = stepper_cfg(**cfg_over)
        self.clock = VirtualClock()
        self.us = UsClock(self.clock)
        self.step, self.dir, self.en = FakePin("step"), FakePin("dir"), FakePin("en")
        self.empty, self.home = FakePin("empty", 1), FakePin("home", 1)
        if stuck_empty is not None:
            self.empty.stick(stuck_empty)
        self.stops = EndStops(self.empty, self.home, active_low=True)
        self.st = stepper.SoftStepper(self.step, self.dir, self.en, self.cfg, self.clock,
                                      endstops=self.stops, delay_us=self.us.delay_us)
        self.obs = StepperObserver(self.step, self.dir, self.en, self.cfg, self.us,
                                   empty_pin=self.empty, home_pin=self.home, position=position,
                                   empty_at=empty_at, home_at=home_at)

    def en_active(self):
        return self.en.value() == (0 if self.cfg["en_active_low"] else 1)


def test_en_inactive_at_construction():
    r = Rig()
    assert r.en.value() == 1  # active low: 1 = off
    r2 = Rig(en_active_low=False)
    assert r2.en.value() == 0


def test_bolus_exact_steps_with_ramp():
    r = Rig()
    steps = 10 * STEPS_PER_U
    r.move_and_wait(1, steps, 1000, 60000)
    assert r.obs.errors == []
    assert r.st.steps_done() == steps
    assert r.obs.steps == steps and r.obs.net == steps
    assert r.st.end_reason() == stepper.DONE
    assert not r.st.busy()
    assert not r.en_active()  # idle: EN inactive


def test_day_of_basal_exact_steps():
    # 1 U/h, the engine's way: every 3 min issue the steps due by then
    # (floor of the integral), never the rounded per-interval amount.
    r = Rig()
    rate_mu_per_h = 1000
    day_ms = 24 * 3600000
    issued = [0]

    async def body():
        t = 0
        while t <= day_ms:
            due = t * rate_mu_per_h * STEPS_PER_U // (3600000 * 1000) - issued[0]
            if due > 0:
                r.st.move(1, due, 1)
                while r.st.busy():
                    await r.clock.sleep_ms(1000)
                assert r.st.end_reason() == stepper.DONE
                issued[0] += r.st.steps_done()
            t += 180000
            wait = t - r.clock.now_ms()
            if wait > 0:
                await r.clock.sleep_ms(wait)
    r.run(body, day_ms + 200000)
    assert issued[0] == 24 * STEPS_PER_U
    assert r.obs.steps == issued[0]
    assert r.obs.errors == []
    assert not r.en_active()


def test_cancel_mid_move_reports_exact_count():
    r = Rig()

    async def body():
        r.st.move(1, 1000, 100)
        await r.clock.sleep_ms(2505)
        r.st.stop()
    r.run(body, 20000)
    n = r.st.steps_done()
    assert 0 < n < 1000
    assert n == r.obs.steps == 251  # steps at 0, 10, ... 2500 ms
    assert r.st.end_reason() == stepper.STOPPED
    assert not r.st.busy()
    assert not r.en_active()


def test_cancel_mid_ramp_exact():
    r = Rig()

    async def body():
        r.st.move(-1, 5000, 8000)
        await r.clock.sleep_ms(777)
        r.st.stop()
    r.run(body, 20000)
    assert r.st.steps_done() == r.obs.steps
    assert r.obs.net == -r.obs.steps
    assert r.obs.errors == []


def test_empty_stop_halts_within_one_step():
    r = Rig(position=0, empty_at=50)
    r.move_and_wait(1, 200, 20, 60000)
    assert r.obs.errors == []  # no step past the switch
    assert r.st.steps_done() == 50 == r.obs.position
    assert r.st.end_reason() == stepper.EMPTY
    assert not r.en_active()


def test_empty_stop_during_fast_bolus():
    r = Rig(position=0, empty_at=1234)
    r.move_and_wait(1, 5000, 8000, 60000)
    assert r.obs.errors == []
    assert r.st.steps_done() == 1234
    assert r.st.end_reason() == stepper.EMPTY


def test_rewind_stops_on_home_switch():
    r = Rig(position=700, home_at=0)
    r.move_and_wait(-1, 100000, 2000, 60000)
    assert r.obs.errors == []
    assert r.st.steps_done() == 700
    assert r.obs.position == 0
    assert r.st.end_reason() == stepper.HOME


def test_move_into_closed_switch_issues_nothing():
    r = Rig(position=10, empty_at=10)
    r.move_and_wait(1, 5, 10, 5000)
    assert r.st.steps_done() == 0 and r.obs.steps == 0
    assert r.st.end_reason() == stepper.EMPTY
    # the other way is free
    r.move_and_wait(-1, 5, 10, 10000)
    assert r.st.steps_done() == 5


def test_stuck_open_switch_is_caught_by_the_fake():
    # A switch stuck open: the driver cannot know, the plunger hits the end.
    # The fake fails it, and the stepper turns that into FAULT with EN off.
    r = Rig(position=0, empty_at=3, stuck_empty=1)
    loop_errors = []

    async def body():
        asyncio.get_event_loop().set_exception_handler(lambda loop, ctx: loop_errors.append(ctx))
        r.st.move(1, 10, 10)
    r.run(body, 5000)
    assert r.obs.errors and "past the empty end stop" in r.obs.errors[0]
    assert r.st.end_reason() == stepper.FAULT
    assert not r.en_active()


def test_stuck_closed_switch_detected():
    r = Rig(stuck_empty=0)
    r.home.drive(0)
    assert r.stops.stuck()


def test_hold_torque_keeps_en_active():
    r = Rig(hold_torque=True)
    r.move_and_wait(1, 20, 50, 5000)
    assert r.st.steps_done() == 20
    assert r.en_active()
    r.st.fault()  # a fault drops EN even when holding torque
    assert not r.en_active()


def test_invert_dir_and_direction_change():
    r = Rig(invert_dir=True)
    r.move_and_wait(1, 10, 50, 5000)
    assert r.dir.value() == 0 and r.obs.net == 10
    r.move_and_wait(-1, 4, 50, 10000)
    assert r.dir.value() == 1 and r.obs.net == 6
    assert r.obs.errors == []


def test_busy_move_refused_and_bad_args():
    r = Rig()

    async def body():
        r.st.move(1, 100, 10)
        raises(RuntimeError, r.st.move, 1, 1, 1)
    r.run(body, 100)
    r.st.stop()
    raises(ValueError, r.st.move, 0, 1, 1)
    raises(ValueError, r.st.move, 1, 1, 0)


def test_disable_during_move_stops_first():
    r = Rig()

    async def body():
        r.st.move(1, 100, 100)
        await r.clock.sleep_ms(105)
        r.st.disable()
    r.run(body, 5000)
    assert r.obs.errors == []
    assert r.st.steps_done() == r.obs.steps == 11
    assert not r.en_active()


# ---- the fakes themselves must catch a bad driver ----

def _naive(cfg=None):
    cfg = cfg or stepper_cfg()
    clock = VirtualClock()
    us = UsClock(clock)
    step, dirp, en = FakePin(), FakePin(), FakePin(value=1)
    obs = StepperObserver(step, dirp, en, cfg, us)
    return clock, us, step, dirp, en, obs


def _pulse(step, us, width=3):
    step.value(1)
    us.delay_us(width)
    step.value(0)


def test_fake_fails_step_while_disabled():
    clock, us, step, dirp, en, obs = _naive()
    raises(HardwareViolation, _pulse, step, us)


def test_fake_fails_step_too_fast():
    clock, us, step, dirp, en, obs = _naive()
    en.value(0)
    _pulse(step, us)
    us.delay_us(50)  # 53 us later: 18.9 kHz > 8 kHz
    raises(HardwareViolation, _pulse, step, us)


def test_fake_fails_short_pulse_and_dir_setup():
    clock, us, step, dirp, en, obs = _naive()
    en.value(0)
    raises(HardwareViolation, _pulse, step, us, 1)
    clock2, us2, step2, dir2, en2, obs2 = _naive()
    en2.value(0)
    dir2.value(1)
    us2.delay_us(2)
    raises(HardwareViolation, _pulse, step2, us2)


def test_stop_then_a_new_move_at_once_runs_the_new_move():
    # The stopped move's task is cancelled but has not run yet when the new
    # move starts: its cancellation must not end the new one (EN dropped
    # under a running move, steps while disabled).
    r = Rig()

    async def body():
        r.st.move(1, 100, 50)
        await r.clock.sleep_ms(205)
        r.st.stop()
        first = r.st.steps_done()
        r.st.move(1, 10, 50)
        await r.clock.sleep_ms(1000)
        assert r.st.steps_done() == 10 and r.obs.steps == first + 10
        assert r.st.end_reason() == stepper.DONE
    r.run(body, 5000)
    assert r.obs.errors == []
