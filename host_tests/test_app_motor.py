# plunger-test: both
# The motor task end to end: the real engine, journal and alarms booted from
# fake flash, the soft stepper on fake pins watched by a fake driver chip
# and plunger that fail the test on anything the hardware would not allow.
import asyncio

from app_rig import boot
from drivers import stepper
from drivers.endstops import EndStops
from fakes_hw import FakePin, StepperObserver, UsClock, stepper_cfg
from motor_loop import MotorLoop
from testkit import run_async
from vclock import VirtualClock

HOUR_MS = 3600000


class Rig:
    def __init__(self, empty_at=None, hours=1):
        self.clock = VirtualClock()
        self.pump, _, self.flash, _ = boot(clock=self.clock)
        self.eng = self.pump.engine
        cfg = stepper_cfg()
        us = UsClock(self.clock)
        self.step, self.dir, self.en = FakePin("step"), FakePin("dir"), FakePin("en", 1)
        self.empty, self.home = FakePin("empty", 1), FakePin("home", 1)
        self.stops = EndStops(self.empty, self.home, active_low=True)
        self.st = stepper.SoftStepper(self.step, self.dir, self.en, cfg, self.clock,
                                      endstops=self.stops, delay_us=us.delay_us)
        self.obs = StepperObserver(self.step, self.dir, self.en, cfg, us, empty_pin=self.empty,
                                   home_pin=self.home, empty_at=empty_at)
        self.loop = MotorLoop(self.pump, self.st, self.clock, endstops=self.stops)
        self.pump.motor = self.loop  # as app.build_tasks wires it

    def run_until(self, end_ms, script=None):
        async def main():
            tasks = [asyncio.create_task(self.loop.run())]
            if script is not None:
                tasks.append(asyncio.create_task(script()))
            await self.clock.run_until(end_ms)
            for t in tasks:
                t.cancel()
        run_async(main())

    def alarm_ids(self):
        return [a["id"] for a in self.pump.alarms()]


def test_an_hour_of_basal_is_exactly_the_floor_of_the_integral():
    r = Rig()
    r.run_until(HOUR_MS)
    expected = r.eng.units.mu_to_steps(800)  # 0.8 U/h for one hour, rounded down once
    assert r.obs.errors == []
    assert r.obs.steps == expected
    assert r.eng.steps_confirmed == expected == r.eng.steps_commanded
    assert r.alarm_ids() == []


def test_bolus_delivers_exact_steps_and_is_journaled_before_and_after():
    r = Rig()

    async def script():
        await r.clock.sleep_ms(60000)
        r.pump.bolus(r.clock.now_ms(), 2000)

    r.run_until(HOUR_MS, script)
    assert r.obs.errors == []
    bolus_steps = r.eng.units.mu_to_steps(2000)
    basal_steps = r.eng.units.mu_to_steps(800)
    assert r.obs.steps == bolus_steps + basal_steps
    recs = r.pump.journal.read().records
    kinds = [x[3] for x in recs]
    assert kinds.index("bolus_start") < kinds.index("bolus_end")
    end = recs[kinds.index("bolus_end")][4]
    assert end["steps"] == bolus_steps and end["cancelled"] is False


def test_empty_stop_mid_bolus_raises_empty_and_reports_exact_delivery():
    r = Rig(empty_at=300)

    async def script():
        await r.clock.sleep_ms(1000)
        r.pump.bolus(r.clock.now_ms(), 2000)

    r.run_until(10 * 60000, script)
    assert r.obs.errors == []  # never a step past the switch
    assert r.obs.position == 300
    assert "empty" in r.alarm_ids()
    assert r.pump.status(r.clock.now_ms())["delivery_blocked"] is True
    recs = r.pump.journal.read().records
    end = [x[4] for x in recs if x[3] == "bolus_end"][-1]
    # Every step issued before the switch counts, nothing more: the bolus's
    # steps plus the basal's are exactly what reached the plunger.
    assert end["steps"] + r.eng.basal_out == r.obs.steps
    assert end["delivered_mu"] < 2000
    assert r.en.value() == 1  # motor disabled


class LoadCell:
    """HX711 stand-in on the fake plunger: the stopper's friction while the
    line is open; once blocked, 8 g more for every step pushed into it."""

    def __init__(self, obs):
        self.obs = obs
        self.blocked_from = None  # plunger position where the line closed

    def read(self):
        g = 150
        if self.blocked_from is not None:
            g += 8 * (self.obs.position - self.blocked_from)
        return 8000 + g * 400


def test_occlusion_stops_the_motor_until_acknowledged_and_resumed():
    from drivers.occlusion import Occlusion

    r = Rig()
    cell = LoadCell(r.obs)
    r.loop.occlusion = Occlusion(force=cell, threshold_g=300, counts_per_g=400)
    r.loop.need_tare = True
    r.pump.on_ack = r.loop.cleared

    async def script():
        await r.clock.sleep_ms(10 * 60000)
        cell.blocked_from = r.obs.position

    r.run_until(HOUR_MS, script)
    assert r.obs.errors == []
    assert "occlusion" in r.alarm_ids()
    missed = r.obs.position - cell.blocked_from
    assert 300 // 8 <= missed <= 300 // 8 + 2  # the threshold, confirmed on 2 samples
    assert r.en.value() == 1
    stopped_at = r.obs.steps
    r.run_until(2 * HOUR_MS)
    assert r.obs.steps == stopped_at  # nothing moves while the alarm stands

    cell.blocked_from = None  # the maker clears the line
    r.pump.ack_alarm("occlusion")
    r.pump.resume(r.clock.now_ms())
    r.run_until(3 * HOUR_MS)
    assert r.obs.steps > stopped_at  # basal runs again, the latch released
    assert "occlusion" not in r.alarm_ids()
