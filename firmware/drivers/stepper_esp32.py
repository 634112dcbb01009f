# ESP32 backend: STEP pulses from an esp32.RMT channel, which times each high
# and low level in hardware at 1 us resolution (RMT_RES_HZ).
#
# Rate range, exact: 31 Hz .. max_rate_hz (8 kHz default). Inside one write
# every period is exact to 1 us (at 8 kHz: 125 us, so the rate is exact; at
# 7 kHz 143 us = 6993 Hz, -0.1 %). A move is written in chunks of at most
# 10 ms (RMT_CHUNK_MAX_US) or 64 pulses; between chunks the gap is the event
# loop's latency, so a period there can only get longer, never shorter.
# Below 31 Hz (every basal rate, a normal bolus) one period does not fit in
# an RMT item (max 32767 ticks), so each pulse is written alone: pulse width
# in hardware, period timed by clock.sleep_ms like the soft backend.
#
# steps_done() counts a chunk once the RMT reports it done, so it is exact
# at any time. stop() waits for the chunk in flight (at most 10 ms) and
# counts it. End stops are checked between chunks: within one step below
# 200 Hz (a chunk is one pulse there: every basal rate and bolus), within
# one chunk (<= 10 ms, <= 64 steps) above (fast prime and rewind; the count
# stays exact, so the switch needs that much overtravel).
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

    async def _run(self, direction, segs):
        clock = self._clock
        rmt = self._rmt
        stops = self._endstops
        stop_at = EMPTY if direction > 0 else HOME
        pulse_us = self._pulse_us
        single = (pulse_us, 1)  # one hardware pulse, made once per move
        next_ms = clock.now_ms()
        try:
            for count, rate in segs:
                # Per segment, not per pulse: no float math in the loop below.
                item = pm.rmt_pulse(rate, pulse_us)
                per_us = ramp.period_us(rate)
                per_ms = (per_us + 999) // 1000
                left = count
                chunk = None
                while left:
                    if self._pending is not None or (
                            stops is not None and stops.blocked(direction) == stop_at):
                        self._finish(stop_at)
                        return
                    if item is None:
                        # Slow: one hardware pulse, software period.
                        wait = next_ms - clock.now_ms()
                        if wait > 0:
                            await clock.sleep_ms(wait)
                        n = 1
                        durations = single
                        next_ms = max(next_ms + per_ms, clock.now_ms() + 1)
                    else:
                        n = pm.rmt_chunk_pulses(rate, pulse_us, left)
                        if chunk is None or len(chunk) != 2 * n:
                            chunk = item * n  # built once per segment and size
                        durations = chunk
                    self._in_flight = n
                    rmt.write_pulses(durations, 1)
                    # Sleep about as long as the chunk lasts, then poll.
                    await clock.sleep_ms(max(1, (n * per_us) // 1000) if item else 1)
                    while not rmt.wait_done():
                        await clock.sleep_ms(1)
                    self._done += n
                    self._in_flight = 0
                    left -= n
            self._task = None
            self._finish(DONE)
        except asyncio.CancelledError:
            if self._task is not None:
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
