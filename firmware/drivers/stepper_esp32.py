# ESP32 backend: STEP pulses from an esp32.RMT channel, which times each high
# and low level in hardware at 1 us resolution (RMT_RES_HZ).
#
# Every period is the RMT's, at any rate: from 31 Hz to max_rate_hz (8 kHz
# default) a move is written in chunks of at most 10 ms (RMT_CHUNK_MAX_US)
# or 64 pulses, [high, low] items each; below 31 Hz (every bolus and basal
# rate) one [high, low] item cannot hold a period (32767 ticks at most), so
# each pulse is one write whose low time is split over several items.
# Writes go back to back: the task sleeps until _LEAD_MS before the write
# in flight ends, then queues the next one; write_pulses blocks (at most
# about _LEAD_MS) until the RMT is free and starts it at once, so a join
# costs no loop latency. A late loop only makes one period longer, never
# shorter. Periods are exact to 1 us (at 7 kHz 143 us = 6993 Hz, -0.1 %).
#
# steps_done() counts a chunk once the next write (or the end) shows it
# finished; a long single pulse is counted when written (its high level
# comes first, the rest is low), so stop() returns at once then and waits
# at most one chunk (10 ms) otherwise. End stops are checked before every
# write: within one step for a single-pulse write (every bolus and basal),
# within one chunk (<= 10 ms, <= 64 steps) above (fast prime and rewind;
# the count stays exact, so the switch needs that much overtravel).
#
# main.py makes the RMT (the only place that builds hardware); this file
# imports no esp32 module, so it runs on the host against a fake RMT:
#   rmt = esp32.RMT(0, pin=Pin(step_gpio), resolution_hz=1000000, idle_level=False)
# (MicroPython before the ESP-IDF 5 RMT driver only knows clock_div=80 for
# the same 1 us resolution; both are accepted by current releases.)

import asyncio

from micropython import const

from drivers import pulse_math as pm
from drivers import ramp
from drivers.stepper import DONE, EMPTY, FAULT, HOME, StepperBase

_WAIT_DONE_MS = const(20)  # > RMT_CHUNK_MAX_US: stop() never blocks longer
_LEAD_MS = const(2)  # queue the next write this long before the one in flight ends


class RmtStepper(StepperBase):
    def __init__(self, dir, en, cfg, clock, rmt, endstops=None, delay_us=None):
        # No step Pin: the RMT owns the STEP GPIO, and re-making it as a
        # Pin would detach it from the RMT.
        super().__init__(_NoPin(), dir, en, cfg, endstops, delay_us)
        self._clock = clock
        self._rmt = rmt
        self._task = None
        self._in_flight = 0  # pulses written and not yet counted
        self._pending = None

    def _start(self, direction, segs):
        self._in_flight = 0
        self._pending = None
        self._task = asyncio.create_task(self._run(direction, segs))

    def _halt(self):
        task = self._task
        self._task = None
        if self._in_flight:
            # The RMT cannot be paused mid-write and tell how far it got:
            # let the chunk (<= 10 ms) finish and count it.
            self._rmt.wait_done(timeout=_WAIT_DONE_MS)
            self._done += self._in_flight
            self._in_flight = 0
        if task is not None and task is not _current_task():
            task.cancel()

    def endstop_hit(self, which):
        # From a pin IRQ: note it; the task stops before the next chunk.
        if self._busy and which == (EMPTY if self._direction > 0 else HOME):
            self._pending = which

    def _blocked(self, direction, stop_at):
        stops = self._endstops
        return self._pending is not None or (
            stops is not None and stops.blocked(direction) == stop_at)

    async def _run(self, direction, segs):
        clock = self._clock
        rmt = self._rmt
        stop_at = EMPTY if direction > 0 else HOME
        pulse_us = self._pulse_us
        me = _current_task()  # a stop() then a new move() replace self._task
        try:
            # A long pulse of the last move may still be in its low time.
            while not rmt.wait_done():
                await clock.sleep_ms(1)
            end_us = -1  # when the write in flight ends (us, on the ms clock)
            for count, rate in segs:
                # Per segment, not per pulse: no float math in the loop below.
                item = pm.rmt_pulse(rate, pulse_us)
                per_us = ramp.period_us(rate)
                if item is None:
                    durations, levels = pm.rmt_long_items(rate, pulse_us)
                chunk = None
                left = count
                while left:
                    # Rounded up: the write then blocks 1.._LEAD_MS ms.
                    wait = (end_us - _LEAD_MS * 1000 + 999) // 1000 - clock.now_ms()
                    if wait > 0:
                        await clock.sleep_ms(wait)
                        if self._task is not me:
                            return  # stopped while we slept
                    if self._blocked(direction, stop_at):
                        self._finish(stop_at)
                        return
                    now_us = clock.now_ms() * 1000
                    start_us = end_us if end_us > now_us else now_us
                    if item is None:
                        n = 1
                        rmt.write_pulses(durations, levels)  # blocks <= _LEAD_MS
                        self._done += self._in_flight + 1  # its high level is out
                        self._in_flight = 0
                    else:
                        n = pm.rmt_chunk_pulses(rate, pulse_us, left)
                        if chunk is None or len(chunk) != 2 * n:
                            chunk = item * n  # built once per segment and size
                        rmt.write_pulses(chunk, 1)  # blocks <= _LEAD_MS
                        self._done += self._in_flight  # the one before is done
                        self._in_flight = n
                    end_us = start_us + n * per_us
                    left -= n
            while not rmt.wait_done():
                await clock.sleep_ms(1)
                if self._task is not me:
                    return
            self._done += self._in_flight
            self._in_flight = 0
            self._task = None
            self._finish(DONE)
        except asyncio.CancelledError:
            if self._task is me:  # cancelled from outside, not by stop()
                self._task = None
                self._finish("stop")
            raise
        except Exception:
            self._task = None
            self._finish(FAULT)
            raise


class _NoPin:
    def value(self, v=None):
        return 0


def _current_task():
    try:
        return asyncio.current_task()
    except (AttributeError, RuntimeError):
        return None
