# plunger-test: both
# Calibration and the record agree (issue 15 item 7): after a mechanics change
# (calibrate mass) the basal journaled keeps counting from where it was, it
# neither restarts at 0 (9 h of basal were journaled as 0 mU) nor doubles,
# and the delivery record behind the limits keeps its amounts in units.
import asyncio

from app_rig import boot
from drivers import stepper
from fakes_hw import FakePin, stepper_cfg
from motor_loop import MotorLoop
from testkit import run_async
from vclock import VirtualClock

HOUR_MS = 3600000


def _rig():
    clock = VirtualClock()
    pump, _, _, _ = boot(clock=clock)
    st = stepper.SoftStepper(FakePin("step"), FakePin("dir"), FakePin("en", 1), stepper_cfg(),
                             clock)
    return clock, pump, MotorLoop(pump, st, clock)


def _run(clock, loop, end_ms):
    async def main():
        task = asyncio.create_task(loop.run())
        await clock.run_until(end_ms)
        task.cancel()
    run_async(main())


def _journaled_basal_mu(pump):
    # (a boot may journal an estimate for a gap before it; not counted here)
    return sum(r[4]["mu"] for r in pump.journal.read().records
               if r[3] == "basal" and not r[4].get("estimate"))


def test_calibration_neither_loses_nor_doubles_journaled_basal():
    clock, pump, loop = _rig()
    eng = pump.engine
    at_boot = eng.delivered_mu(0, 24 * HOUR_MS)
    _run(clock, loop, 9 * HOUR_MS)
    before = eng.delivered_mu(clock.now_ms(), 24 * HOUR_MS) - at_boot
    assert 7190 <= before <= 7210  # 9 h at 0.8 U/h
    pump.config_set("mechanics.calibration_ppm", 1020000)  # calibrate mass: +2 % steps
    after = eng.delivered_mu(clock.now_ms(), 24 * HOUR_MS) - at_boot
    # restated in new steps, each 5-minute bucket rounded up by under one step
    assert before <= after <= before + 110 * 3, (before, after)
    _run(clock, loop, 12 * HOUR_MS)
    pump.recorder.flush_basal(clock.now_ms())
    got = _journaled_basal_mu(pump)
    assert 9590 <= got <= 9610, got  # 12 h at 0.8 U/h, across the change
    total = eng.delivered_mu(clock.now_ms(), 24 * HOUR_MS) - at_boot
    assert 9590 <= total <= 9610 + 110 * 3, total
