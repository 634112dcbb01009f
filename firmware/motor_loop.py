# The motor task: the only code that turns the engine's step plan into motion.
#
# Each turn: ask the engine for the steps due now, hand them to the stepper,
# watch the move (occlusion, end stops), tell the engine exactly how many
# steps were issued, journal what happened, then sleep until the next step
# falls due. Anything that stops delivery ends here with the motor disabled.
#
# Boluses and primes (and so calibration, which weighs a prime) are streams:
# a fixed number of steps at a fixed rate from a start time. Their move is
# handed to the stepper whole, at the stream's own rate with the ramp, so
# the PIO / RMT times every step; the CPU only feeds segments and reads the
# count back. The move starts when a step falls due and runs at a period
# never shorter than the stream's, so at every instant the stepper has
# issued no more than the engine has handed out (never a step ahead of the
# record). Basal steps that fall due meanwhile go right after it.
#
# Enable policy: EN is held from the first step of a bolus, prime or rewind
# to its last (one enable, one release per bolus, its trailing basal steps
# included). Basal steps release EN between steps (most of the pump's life,
# the holding current is wasted heat and battery) unless the board holds
# torque; the driver keeps its microstep index while disabled, and each
# basal move waits _EN_WAKE_MS after enabling so the driver is awake and the
# rotor back on its microstep before the first edge.
#
# Commands are instant: wake() (the facade calls it after every command)
# ends the task's sleep at once; halt() (before suspend and cancel, and for
# every delivery-stopping alarm) stops the pulse source before it returns.

import asyncio

from micropython import const

from drivers import ramp
from drivers import stepper as st

# While a move runs: how often to sample the force sensor (the HX711 gives
# 10 samples/s), hand out due steps and check in with the watchdog.
_MOVE_POLL_MS = const(100)
# Longest sleep between turns, so the watchdog always hears from this task
# well inside its deadline even when no step is due for a minute.
_CHECKIN_MS = const(2000)
# During a long bolus or prime, ask the engine for what fell due at least
# this often: it takes a motor task silent for a record interval (5 min)
# for a held one and drops the basal owed. Otherwise one plan per move, so
# a stop's shortfall is taken back from the part it belongs to.
_PLAN_EVERY_MS = const(60000)
# After EN goes active, before the first STEP edge: covers the DRV8825's
# 1.7 ms wake-up (boards tie nSLEEP to EN) and lets the rotor settle back
# on its microstep from the detent it fell to.
_EN_WAKE_MS = const(2)

# What the current move is (halt() stops only what it was asked to).
_IDLE = const(0)
_BASAL = const(1)
_STREAM = const(2)  # bolus now-part or prime
_REWIND = const(3)


def _stream(eng):
    """The engine's running fast stream (a bolus's now part, a prime), or
    None. Reads the engine's stream objects: start_ms, total, out, rn/rd."""
    b = eng.active_bolus
    if b is not None and b.now.out < b.now.total:
        return b.now
    p = eng.prime_stream
    if p is not None and p.out < p.total:
        return p
    return None


def stream_rate_hz(s):
    """A rate whose whole-us period is the stream's period rounded up, so the
    stepper never runs ahead of the stream (s.rn / s.rd steps per ms)."""
    per_us = (1000 * s.rd + s.rn - 1) // s.rn
    return 1000000 / per_us


def stream_plan(motor, due, lead_hz, t0_ms, next_ms, extra, stream_hz):
    """Segments of a stream move that starts at t0_ms: the `due` steps the
    engine has handed out go first at lead_hz, the last of them lasting
    until next_ms (when the stream's next step falls due), then `extra`
    stream steps at stream_hz. The hardware times the wait too, and no step
    comes before the engine makes it due."""
    segs = []
    lead_us = 0
    if due > 1:
        segs = motor.segments(due - 1, lead_hz)
        for count, rate in segs:
            lead_us += count * ramp.period_us(rate)
    floor_us = ramp.period_us(lead_hz if lead_hz < motor.max_rate_hz else motor.max_rate_hz)
    gap_us = next_ms * 1000 - t0_ms * 1000 - lead_us
    if gap_us < floor_us:
        gap_us = floor_us  # that step is late already: no faster than the lead
    segs.append((1, 1000000 / gap_us))
    if extra:
        segs += motor.segments(extra, stream_hz)
    return segs


def _limit_room(eng, now_ms, extra, per_us):
    # A bolus meeting the 1 h / 24 h limits is cut by the engine as its
    # steps fall due, basal first: give the stepper only what surely fits,
    # keeping room for the most basal that can fall due during the move.
    room_now = getattr(eng, "room_now", None)
    if room_now is None:
        return extra
    room, _code = room_now(now_ms)
    if extra <= room // 2:
        return extra  # far from the limits (the common case): no more math
    cap = eng.cap_basal if eng.cap_basal > eng.cap_temp_cmu // 100 else eng.cap_temp_cmu // 100
    move_ms = extra * per_us // 1000 + _MOVE_POLL_MS
    reserve = eng.units.mu_to_steps_up(cap * move_ms // 3600000 + 1) + 1
    fit = room - reserve
    return extra if extra < fit else (fit if fit > 0 else 0)


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
        self._task = None
        self._sleeping = False
        self._kick = False  # wake() came while awake: skip the next sleep
        self._halted = False  # halt() stopped the running move
        self._kind = _IDLE
        self._owed = 0  # forward steps handed out during a stream, not yet issued
        self._handed = 0  # steps the engine handed out for the running move
        self._direction = 0
        self._settled = False  # halt("alarm") reconciled the running move
        self._moved = False  # the running move reached the stepper
        self._drop = False  # a stop came while idle: drop what its sync handed out
        self._rewind = 0  # reverse steps handed out while collecting after a halt

    # ---- hooks for the facade (pump.motor) ---------------------------------

    def wake(self):
        """Something changed (a command): plan again now, not after the sleep."""
        self._kick = True
        t = self._task
        if self._sleeping and t is not None:
            self._sleeping = False
            t.cancel()  # caught in _sleep: ends the sleep, not the task

    def halt(self, why="stop"):
        """Stop the motion before this returns (no edge after it); the
        count is exact. why: "suspend" / "cancel_bolus" (called before the
        engine hears the command: the move is reconciled after it, in one
        plan, so the steps are taken back from the right part), "alarm"
        (an alarm's stop_delivery drops what is pending, so the move is
        reconciled here, first), "config" (new limits may cut the bolus; one
        that goes on is picked up again at once). "cancel_bolus" stops only
        a stream."""
        kind = self._kind
        if kind == _IDLE:
            if why == "suspend":
                self._drop = True  # steps the stop's own sync hands out never move
            self.wake()
            return
        if why == "cancel_bolus" and kind != _STREAM:
            self.wake()
            return
        self._halted = True
        m = self.stepper
        if m.busy():
            m.stop()
        if why == "alarm" and not self._settled:
            # Set first: the collect journals, and a failing journal raises
            # storage_error, which comes back here.
            self._settled = True
            now = self.clock.now_ms()
            self._collect(now)
            done = m.steps_done() if self._moved else 0
            self._settle(self.pump.engine, self._handed, done, self._direction)
        m.hold(False)
        self.wake()

    # ---- the task --------------------------------------------------------

    def _checkin(self, now_ms):
        if self.gate is not None:
            self.gate.checkin("delivery", now_ms)
            self.gate.checkin("stepper", now_ms)

    def blocked(self):
        pump = self.pump
        return pump.engine is None or pump.alarms_mgr.delivery_blocked()

    async def _sleep(self, ms):
        if self._kick:
            self._kick = False
            return
        self._sleeping = True
        try:
            await self.clock.sleep_ms(ms)
        except asyncio.CancelledError:
            if not self._kick:
                raise  # a real cancel: the app is shutting the task down
            self._kick = False
            uncancel = getattr(self._task, "uncancel", None)  # CPython's bookkeeping
            if uncancel is not None:
                uncancel()
        finally:
            self._sleeping = False

    async def run(self):
        self._task = asyncio.current_task()
        clock = self.clock
        while True:
            now = clock.now_ms()
            self._checkin(now)
            if self.blocked():
                if self.stepper.busy():
                    self.stepper.fault()
                self.stepper.disable()
                self._owed = self._rewind = 0
                await self._sleep(_CHECKIN_MS // 2)
                continue
            if self.endstops is not None and self.endstops.stuck():
                self._stop(now, "motor_fault", "both end stops closed: switch stuck or miswired")
                continue
            if self.need_tare and self.occlusion.tare():
                self.need_tare = False
            eng = self.pump.engine
            if self._rewind:
                direction, steps, rate_hz = -1, self._rewind, eng.cfg["delivery"]["rewind_rate_hz"]
                self._rewind = 0
                wake_ms = now
            else:
                direction, steps, rate_hz, wake_ms = eng.plan(now)
                self.pump.journal_events(now)  # plan() may finish a bolus
                if self._drop:
                    # Handed out by a suspend's or alarm's own sync while no
                    # move ran: they fell due before the stop, never move now.
                    self._drop = False
                    if steps and direction > 0:
                        eng.confirm(now, 0)
                        eng.unissued(now, steps)
                        self.pump.journal_events(now)
                        continue
                if self._owed and direction > 0:
                    steps += self._owed  # basal that fell due during a stream
                    self._owed = 0
            if steps:
                await self._move(eng, direction, steps, rate_hz)
                self.pump.recorder.basal_total(self.clock.now_ms(), eng.basal_total_mu())
                continue  # plan again at once: a stream may have more
            if self.stepper.enabled() and not self.stepper.busy():
                self.stepper.hold(False)  # the delivery is over: release EN
            self._kind = _IDLE
            now = clock.now_ms()
            delay = wake_ms - now
            if delay > _CHECKIN_MS:
                delay = _CHECKIN_MS
            if delay > 0:
                await self._sleep(delay)

    async def _move(self, eng, direction, steps, rate_hz):
        motor = self.stepper
        clock = self.clock
        occ = self.occlusion if direction > 0 else None
        s = _stream(eng) if direction > 0 else None
        if s is not None:
            self._kind = _STREAM
        else:
            self._kind = _REWIND if direction < 0 else _BASAL
        self._halted = self._settled = self._moved = False
        self._handed = steps
        self._direction = direction
        try:
            if not motor.enabled():
                motor.enable()
                await clock.sleep_ms(_EN_WAKE_MS)
            if not (self._halted or self.blocked()):
                if s is not None:
                    # The stream's steps not yet due: the stepper times them.
                    now = clock.now_ms()
                    hz = stream_rate_hz(s)
                    extra = _limit_room(eng, now, s.total - s.out, ramp.period_us(hz))
                    motor.move_segments(direction, stream_plan(
                        motor, steps, rate_hz, now, s.next_ms(), extra, hz))
                else:
                    motor.move(direction, steps, rate_hz)
                # After move(): releasing the hold of a stream before a
                # basal move would drop EN just to raise it again.
                motor.hold(self._kind != _BASAL)
                self._moved = True
                tripped = await self._watch(motor, occ, rate_hz, s is not None)
            else:
                tripped = None  # stopped while the driver woke: nothing moved
            if self._settled:
                self.pump.journal_events(clock.now_ms())
                return
            if s is not None or self._halted:
                # One plan for the whole move: what fell due meanwhile (and
                # what a stop command's own sync handed out), so unissued()
                # takes any shortfall back from the part it belongs to.
                self._collect(clock.now_ms())
            self._finish_move(eng, direction, s, tripped)
        finally:
            self._kind = _IDLE

    async def _watch(self, motor, occ, rate_hz, stream):
        tripped = None
        planned = self.clock.now_ms()
        while motor.busy():
            await self._sleep(_MOVE_POLL_MS)
            now = self.clock.now_ms()
            self._checkin(now)
            if stream and now - planned >= _PLAN_EVERY_MS and not self._halted:
                planned = now
                self._collect(now)
            if occ is not None and tripped is None:
                tripped = occ.sample(rate_hz)
                if tripped:
                    motor.fault()
            if self.blocked() and motor.busy():
                motor.fault()  # an alarm from another task: stop within a poll
        if occ is not None and tripped is None:
            tripped = occ.sample(0)  # the force after the last step
        return tripped

    def _finish_move(self, eng, direction, s, tripped):
        motor = self.stepper
        handed = self._handed
        done = motor.steps_done() if self._moved else 0
        reason = motor.end_reason() if self._moved else st.STOPPED
        now = self.clock.now_ms()
        if done > handed:
            # Cannot happen while the stream period rounds up; if it ever
            # does, the record must not silently miss steps.
            eng.confirm(now, done)
            self._settled = True
            self._stop(now, "motor_fault", "stepper issued %d, engine handed out %d"
                       % (done, handed))
            return
        if reason == st.DONE and s is not None and not self._halted:
            # The whole stream went out; the rest are basal (or extended)
            # steps that fell due meanwhile: issued next, EN still held.
            eng.confirm(now, done)
            self._settled = True
            self._owed = handed - done
        else:
            self._settle(eng, handed, done, direction)
        if reason == st.HOME or (direction < 0 and reason == st.DONE):
            eng.at_home(now)
            self.need_tare = self.occlusion is not None
        if tripped:
            self._stop(now, "occlusion", "blocked line (%s, %s g over zero)"
                       % (tripped, self.occlusion.force_g()))
        elif reason == st.EMPTY:
            self._stop(now, "empty", "syringe empty: plunger on the end stop")
        elif self._halted or (reason == st.FAULT and self.blocked()):
            pass  # stopped on purpose: a stop command or an alarm already raised
        elif reason == st.FAULT or (reason == st.DONE and s is None and done != handed):
            self._stop(now, "motor_fault", "stepper issued %d of %d steps (%s)"
                       % (done, handed, reason))
        if self._halted:
            motor.hold(False)
        self.pump.journal_events(now)

    def _collect(self, now):
        # Hand out what fell due; a stream's part of it is already in the move.
        direction, n, _hz, _wake = self.pump.engine.plan(now)
        self.pump.journal_events(now)
        if direction < 0:
            self._rewind += n  # a rewind planned after a halt: next turn
        else:
            self._handed += n

    def _settle(self, eng, handed, done, direction):
        # Exactly once per move: an alarm this raises (through _stop) calls
        # halt("alarm"), which must not count the move again.
        self._settled = True
        now = self.clock.now_ms()
        eng.confirm(now, done)
        if done < handed and direction > 0:
            # The stepper stopped early: the engine handed these out but they
            # never moved the plunger, so they must not count as delivered.
            eng.unissued(now, handed - done)

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
