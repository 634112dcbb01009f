# One monotonic clock for the whole firmware.
#
# time.ticks_ms() wraps (every 2**30 ms, about 12.4 days, on rp2 and esp32)
# and ticks_diff() is only valid for half of that. MonotonicClock turns the
# wrapping ticks into an unbounded integer now_ms; nothing else in the firmware
# touches ticks. It must be read at least once per half wrap period (6.2 days),
# which the scheduler does many times a second.

import asyncio


class MonotonicClock:
    def __init__(self, ticks_ms, ticks_diff):
        # Both are passed in (time.ticks_ms / time.ticks_diff on a board, fakes
        # in tests), so the wrap can be tested without waiting 12 days.
        self._ticks_ms = ticks_ms
        self._ticks_diff = ticks_diff
        self._last = ticks_ms()
        self._now = 0

    def now_ms(self):
        t = self._ticks_ms()
        d = self._ticks_diff(t, self._last)
        if d > 0:  # never step backwards, even if a port misbehaves
            self._now += d
            self._last = t
        return self._now

    def sleep_ms(self, ms):
        # Every task sleeps through the clock, so the simulator can swap in a
        # virtual clock and run days of pump life in seconds.
        return asyncio.sleep_ms(ms)


def real_clock():
    import time

    return MonotonicClock(time.ticks_ms, time.ticks_diff)

