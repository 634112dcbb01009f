# The motor task: the only code that turns the engine's step plan into motion.
#
# Each turn: ask the engine for the steps due now, hand them to the stepper,
# watch the move (occlusion, end stops), tell the engine exactly how many
# steps were issued, journal what happened, then sleep until the next step
# falls due. Anything that stops delivery ends here with the motor disabled.

from drivers import stepper as st

# While a move runs: how often to sample the force sensor (the HX711 gives
# 10 samples/s) and check in with the watchdog.
_MOVE_POLL_MS = 100
# Longest sleep between turns, so the watchdog always hears from this task
# well inside its deadline even when no step is due for a minute.
_CHECKIN_MS = 2000


class MotorLoop:
    def __init__(self, pump, stepper, clock, occlusion=None, endstops=None, gate=None,
                 log=None):
        self.pump = pump
        self.stepper = stepper
        self.clock = clock
        self.occlusion = occlusion
        self.endstops = endstops
        self.gate = gate
        self.log = log or _no_log
        # The force sensor reads the stopper's friction as well as the line's
        # back-pressure, so its zero is taken while the plunger pushes freely:
        # at boot, after a rewind and after an occlusion is cleared.
        self.need_tare = occlusion is not None

    def _checkin(self, now_ms):
        if self.gate is not None:
            self.gate.checkin("delivery", now_ms)
            self.gate.checkin("stepper", now_ms)

    def blocked(self):
        pump = self.pump
        return pump.engine is None or pump.alarms_mgr.delivery_blocked()

    async def run(self):
        clock = self.clock
        while True:
            now = clock.now_ms()
            self._checkin(now)
            if self.blocked():
                if self.stepper.busy():
                    self.stepper.fault()
                self.stepper.disable()
                await clock.sleep_ms(_CHECKIN_MS // 2)
                continue
            if self.endstops is not None and self.endstops.stuck():
                self._stop(now, "motor_fault", "both end stops closed: switch stuck or miswired")
                continue
            if self.need_tare and self.occlusion.tare():
                self.need_tare = False
            eng = self.pump.engine
            direction, steps, rate_hz, wake_ms = eng.plan(now)
            self.pump.journal_events(now)  # plan() may finish a bolus
            if steps:
                await self._move(eng, direction, steps, rate_hz)
                self.pump.recorder.basal_total(self.clock.now_ms(), eng.basal_total_mu())
            now = clock.now_ms()
            delay = wake_ms - now
            if delay > _CHECKIN_MS:
                delay = _CHECKIN_MS
            await clock.sleep_ms(delay if delay > 0 else 0)

    async def _move(self, eng, direction, steps, rate_hz):
        motor = self.stepper
        occ = self.occlusion if direction > 0 else None
        motor.move(direction, steps, rate_hz)
        tripped = None
        while motor.busy():
            await self.clock.sleep_ms(_MOVE_POLL_MS)
            self._checkin(self.clock.now_ms())
            if occ is not None and tripped is None:
                tripped = occ.sample(rate_hz)
                if tripped:
                    motor.fault()
        if occ is not None and tripped is None:
            tripped = occ.sample(0)  # the force after the last step
        done = motor.steps_done()
        reason = motor.end_reason()
        now = self.clock.now_ms()
        eng.confirm(now, done)
        if done < steps and direction > 0:
            # The stepper stopped early: the engine handed these out but they
            # never moved the plunger, so they must not count as delivered.
            eng.unissued(now, steps - done)
        if reason == st.HOME or (direction < 0 and reason == st.DONE):
            eng.at_home(now)
            self.need_tare = self.occlusion is not None
        if tripped:
            self._stop(now, "occlusion", "blocked line (%s, %s g over zero)"
                       % (tripped, self.occlusion.force_g()))
        elif reason == st.EMPTY:
            self._stop(now, "empty", "syringe empty: plunger on the end stop")
        elif reason == st.FAULT or (reason == st.DONE and done != steps):
            self._stop(now, "motor_fault", "stepper issued %d of %d steps (%s)"
                       % (done, steps, reason))
        self.pump.journal_events(now)

    def cleared(self, alarm_id):
        """The user acknowledged alarm_id: an occlusion latch is released and
        the sensor zeroed again before the next step."""
        if alarm_id == "occlusion" and self.occlusion is not None:
            self.occlusion.reset()
            self.need_tare = True

    def _stop(self, now_ms, alarm, detail):
        self.stepper.fault()
        eng = self.pump.engine
        if eng is not None:
            eng.stop_delivery(now_ms, alarm)
        self.pump.journal_events(now_ms)
        self.pump.raise_alarm(alarm, now_ms, detail)
        self.log("%s: %s" % (alarm, detail))


def _no_log(_msg):
    pass
