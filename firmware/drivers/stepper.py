# Stepper motor through a STEP/DIR/EN driver (A4988, DRV8825, TMC2209 in
# STEP/DIR mode): the interface every backend shares, and the generic asyncio
# ("soft") backend used by the simulator and for slow basal rates.
#
#   st.enable(); st.disable(); st.enabled()
#   st.hold(True)   # keep EN on between moves (a bolus and its trailing steps)
#   st.move(direction, steps, rate_hz)  # returns at once, runs in background
#   st.move_segments(direction, [(count, rate_hz), ...])  # a plan made by the caller
#   st.busy(); st.steps_done(); st.stop(); st.end_reason()
#
# Safety rules this file owns: EN is inactive at construction, when idle
# (unless the board asks to hold torque, or the caller holds it for the
# rest of one delivery with hold()), on stop and on any fault or end
# stop. DIR is set and held dir_setup_us before the first STEP edge; every
# STEP pulse is high at least pulse_us. steps_done() counts a step in the
# same breath as its rising edge, so it is exact at any await point and
# after stop().
#
# Soft backend accuracy: steps are timed by clock.sleep_ms, so each step
# lands on a whole millisecond plus the event loop's latency (measured on an
# RP2040 beside one busy task: +-25 % at 5 ms). It is meant for basal rates
# (well under 50 Hz, where 1-2 ms of jitter is < 10 % of a period and the
# count is always exact). It never steps faster than SOFT_MAX_RATE_HZ (one
# step per ms); faster moves take longer but stay exact.

import asyncio

from micropython import const

from drivers import ramp

SOFT_MAX_RATE_HZ = const(1000)

# end_reason() values
DONE = "done"  # the move issued every step
STOPPED = "stop"  # stop() was called
EMPTY = "empty"  # the empty end stop (plunger at the end of the syringe)
HOME = "home"  # the home end stop (fully retracted)
FAULT = "fault"  # fault(): occlusion, driver error, exception in the task


def _no_delay(_us):
    pass


def _default_delay_us():
    import time

    return getattr(time, "sleep_us", _no_delay)


class StepperBase:
    """Pins, enable and direction logic, move bookkeeping. Backends
    implement _start(direction, segments) and _halt()."""

    def __init__(self, step, dir, en, cfg, endstops=None, delay_us=None):
        self._step = step
        self._dir = dir
        self._en = en
        self._en_on = 0 if cfg["en_active_low"] else 1
        self._invert_dir = cfg["invert_dir"]
        self._max_rate_hz = cfg["max_rate_hz"]
        self.max_rate_hz = self._max_rate_hz
        self._start_rate_hz = cfg["start_rate_hz"]
        self._accel_hz_per_s = cfg["accel_hz_per_s"]
        self._pulse_us = cfg["pulse_us"]
        self._dir_setup_us = cfg["dir_setup_us"]
        self._hold = cfg["hold_torque"]
        self._endstops = endstops
        self._delay_us = delay_us or _default_delay_us()
        self._enabled = False
        self._keep = False  # hold(): EN stays on when a move ends
        self._busy = False
        self._done = 0
        self._reason = None
        self._direction = 0
        self._dir_level = None
        en.value(1 - self._en_on)  # first thing: motor off
        step.value(0)

    # ---- public interface ----
    def enable(self):
        self._en.value(self._en_on)
        self._enabled = True

    def disable(self):
        # Refuses nothing: disabling mid-move stops the move first, so the
        # driver never sees STEP edges while EN is inactive.
        if self._busy:
            self._finish(STOPPED)
        self._keep = False
        self._en.value(1 - self._en_on)
        self._enabled = False

    def enabled(self):
        return self._enabled

    def hold(self, on):
        """Keep EN on when moves end (True) until hold(False), which
        releases it at once when idle (unless the board holds torque)."""
        self._keep = bool(on)
        if not on and not self._busy:
            self._idle_en()

    def busy(self):
        return self._busy

    def steps_done(self):
        return self._done

    def end_reason(self):
        """Why the last move ended (DONE, STOPPED, EMPTY, HOME, FAULT), or
        None while it runs / before the first move."""
        return self._reason

    def segments(self, steps, rate_hz):
        """The (count, rate_hz) plan a move would run, ramp included."""
        return ramp.segments(steps, rate_hz, self._start_rate_hz, self._accel_hz_per_s,
                             self._max_rate_hz)

    def move(self, direction, steps, rate_hz):
        if steps < 0 or rate_hz <= 0:
            raise ValueError("steps must be >= 0 and rate_hz > 0")
        self.move_segments(direction, self.segments(steps, rate_hz) if steps else ())

    def move_segments(self, direction, segs):
        """One move from a ready (count, rate_hz) plan, for callers that
        shape it themselves (the motor task phase-locks a bolus this way).
        Every rate is capped at max_rate_hz; nothing is checked for a ramp."""
        if self._busy:
            raise RuntimeError("stepper busy: stop() the current move first")
        if direction not in (1, -1):
            raise ValueError("direction must be +1 or -1")
        steps = 0
        for count, rate in segs:
            if count < 0 or rate <= 0:
                raise ValueError("segments need count >= 0 and rate_hz > 0")
            if rate > self._max_rate_hz:
                raise ValueError("segment rate %s above max_rate_hz" % (rate,))
            steps += count
        self._done = 0
        self._reason = None
        self._direction = direction
        if steps == 0:
            self._reason = DONE
            return
        hit = self._endstops.blocked(direction) if self._endstops is not None else None
        if hit is not None:
            # Already on the switch: not one step, say why.
            self._reason = hit
            self._idle_en()
            return
        self.enable()
        self._set_dir(direction)
        self._busy = True
        self._start(direction, segs)

    def stop(self):
        if self._busy:
            self._finish(STOPPED)

    def fault(self):
        """An alarm stopped delivery (occlusion, driver error): stop now and
        drop EN even when the board holds torque."""
        if self._busy:
            self._finish(FAULT)
        self.disable()

    def endstop_hit(self, which):
        """Called by EndStops when a switch closes (from a pin IRQ on boards).
        Stops only a move heading into that switch."""
        if self._busy and which == (EMPTY if self._direction > 0 else HOME):
            self._finish(which)

    # ---- shared helpers for backends ----
    def _set_dir(self, direction):
        level = 1 if direction > 0 else 0
        if self._invert_dir:
            level ^= 1
        if level != self._dir_level:
            self._dir.value(level)
            self._dir_level = level
            self._delay_us(self._dir_setup_us)  # hold DIR before the first edge

    def _idle_en(self):
        if not (self._hold or self._keep):
            self._en.value(1 - self._en_on)
            self._enabled = False

    def _finish(self, reason):
        # Order matters: halt the pulse source, count what it emitted, then
        # drop EN, so no edge can arrive while the driver is disabled.
        self._halt()
        self._busy = False
        self._reason = reason
        if reason == FAULT:
            self._keep = False
            self._en.value(1 - self._en_on)
            self._enabled = False
        else:
            self._idle_en()

    def _start(self, direction, segs):
        raise NotImplementedError

    def _halt(self):
        raise NotImplementedError


class SoftStepper(StepperBase):
    """Steps from an asyncio task, timed by clock.sleep_ms. Works under the
    real clock and under tools/vclock.VirtualClock."""

    def __init__(self, step, dir, en, cfg, clock, endstops=None, delay_us=None):
        super().__init__(step, dir, en, cfg, endstops, delay_us)
        self._clock = clock
        self._task = None
        gap_us = ramp.period_us(min(SOFT_MAX_RATE_HZ, self._max_rate_hz))
        self._min_gap_ms = (gap_us + 999) // 1000

    def _start(self, direction, segs):
        self._task = asyncio.create_task(self._run(direction, segs))

    def _halt(self):
        task = self._task
        self._task = None
        if task is not None and task is not _current_task():
            task.cancel()

    async def _run(self, direction, segs):
        clock = self._clock
        step = self._step
        endstops = self._endstops
        stop_at = EMPTY if direction > 0 else HOME
        t_us = clock.now_ms() * 1000  # ideal time of the next step
        last_ms = None
        first = True
        me = _current_task()  # a stop() then a new move() replace self._task
        try:
            for count, rate in segs:
                per_us = ramp.period_us(rate)
                for _ in range(count):
                    if not first:
                        t_us += per_us
                    first = False
                    # Whole ms, rounded up, and never closer than min_gap_ms
                    # to the last step: never early, never above max rate.
                    due = (t_us + 999) // 1000
                    if last_ms is not None and due < last_ms + self._min_gap_ms:
                        due = last_ms + self._min_gap_ms
                    now = clock.now_ms()
                    if due > now:
                        await clock.sleep_ms(due - now)
                    elif due < now:
                        # Late (a busy loop): restart the schedule from now so
                        # catching up never bursts.
                        t_us = now * 1000
                    if self._task is not me:
                        return  # stopped while we slept
                    if endstops is not None and endstops.blocked(direction) == stop_at:
                        self._finish(stop_at)
                        return
                    step.value(1)
                    self._done += 1
                    last_ms = clock.now_ms()
                    self._delay_us(self._pulse_us)
                    step.value(0)
            self._task = None
            self._finish(DONE)
        except asyncio.CancelledError:
            if self._task is me:  # cancelled from outside, not by stop()
                self._task = None
                self._finish(STOPPED)
            raise
        except Exception:
            # Never leave the motor powered after a crash in the step loop.
            self._task = None
            self._finish(FAULT)
            raise


def _current_task():
    try:
        return asyncio.current_task()
    except (AttributeError, RuntimeError):
        return None
