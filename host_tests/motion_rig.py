# A whole motor path for motion tests and the motion bench, on both
# runtimes: the pump booted from fake flash (app_rig), the real MotorLoop
# wired to it as app.py wires it (pump.motor), and the real PioStepper whose
# PIO program runs on pio_sim's interpreter, watched by a StepperObserver
# (the driver chip and plunger) on the state machine's microsecond clock.
import asyncio
import sys

import pio_sim
from app_rig import boot
from drivers.endstops import EndStops
from fakes_hw import FakePin, StepperObserver, stepper_cfg
from motor_loop import MotorLoop
from testkit import run_async
from vclock import VirtualClock


class _Delay:
    target = None

    def __call__(self, us):
        if self.target is not None:
            self.target.delay_us(us)


class MotionRig:
    def __init__(self, config=None, empty_at=None, keep=True, **cfg_over):
        # keep=False: no per-step times or EN history (hours-long runs stay
        # small on the MicroPython heap).
        sys.modules["rp2"] = pio_sim.RP2
        import drivers.stepper_rp2 as mod

        self.clock = VirtualClock()
        pio_sim.StateMachine.clock = self.clock
        self.pump, _, self.flash, _ = boot(clock=self.clock, config=config)
        self.eng = self.pump.engine
        self.cfg = stepper_cfg(**cfg_over)
        self.step, self.dir, self.en = FakePin("step"), FakePin("dir"), FakePin("en", 1)
        delays = _Delay()
        self.empty, self.home = FakePin("empty", 1), FakePin("home", 1)
        self.stops = EndStops(self.empty, self.home, active_low=True)
        self.st = mod.PioStepper(self.step, self.dir, self.en, self.cfg, self.clock,
                                 endstops=self.stops, delay_us=delays)
        self.sm = pio_sim.StateMachine.last
        delays.target = self.sm
        self.stops.attach(self.st, FakePin.IRQ_FALLING, hard=True)
        self.obs = StepperObserver(self.step, self.dir, self.en, self.cfg, self.sm,
                                   empty_pin=self.empty, home_pin=self.home, empty_at=empty_at)
        self.obs.keep_times = keep
        self.loop = MotorLoop(self.pump, self.st, self.clock, endstops=self.stops)
        self.pump.motor = self.loop  # as app.build_tasks wires it
        self.en_changes = []  # (ms, level) of every EN change
        if keep:
            self.en.watch(lambda v: self.en_changes.append((self.clock.now_ms(), v)))

    def run_until(self, end_ms, script=None):
        errors = []

        async def guarded():
            try:
                await script()
            except Exception as e:  # noqa: BLE001 - re-raised below: fails the test
                errors.append(e)

        async def main():
            tasks = [asyncio.create_task(self.loop.run())]
            if script is not None:
                tasks.append(asyncio.create_task(guarded()))
            await self.clock.run_until(end_ms)
            for t in tasks:
                t.cancel()
            await asyncio.sleep_ms(0)
        run_async(main())
        if errors:
            raise errors[0]

    def steps_after(self, t_ms):
        """Rising STEP edges at or after t_ms."""
        t_us = t_ms * 1000
        return len([t for t in self.obs.step_times_us if t >= t_us])

    def en_toggles_between(self, t0_ms, t1_ms):
        return len([1 for t, _v in self.en_changes if t0_ms <= t <= t1_ms])

    def periods_us(self, t0_ms, t1_ms):
        ts = [t for t in self.obs.step_times_us if t0_ms * 1000 <= t <= t1_ms * 1000]
        return [ts[i + 1] - ts[i] for i in range(len(ts) - 1)]

    def bolus_hz(self):
        """The configured bolus rate in steps/s (float, for figures)."""
        u = self.eng.units
        return self.pump.cfg["delivery"]["bolus_rate_mu_per_min"] * u.num / (60.0 * u.den)
