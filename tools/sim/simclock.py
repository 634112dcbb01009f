# Clocks the simulator hands to the firmware (simulator only).
#
# Both have the firmware clock's interface (now_ms, sleep_ms). Each boot gets a
# fresh clock starting at 0, as a board's ticks do after a power cycle. The
# first sleep inside the running loop starts the simulator's own tasks
# (scenario, watchdog, timers, terminal UI link) through on_first_sleep: the
# firmware needs no hook for them.

import asyncio
import time

import vclock


class VirtualSimClock(vclock.VirtualClock):
    """Headless runs: time jumps to the next wake-up, as fast as possible."""

    def __init__(self, on_first_sleep):
        vclock.VirtualClock.__init__(self, 0)
        self._on_first_sleep = on_first_sleep

    def sleep_ms(self, ms):
        if self._on_first_sleep is not None:
            cb = self._on_first_sleep
            self._on_first_sleep = None
            cb()
        return vclock.VirtualClock.sleep_ms(self, ms)

    def stall(self, ms):
        """The CPU is stuck for ms: time passes and nobody runs."""
        self._now += int(ms)


class ScaledClock:
    """Real time, optionally speed times faster (--speed N)."""

    def __init__(self, speed, on_first_sleep):
        self.speed = speed
        self._on_first_sleep = on_first_sleep
        self._last = time.ticks_ms()
        self._real_ms = 0
        self._stalled_ms = 0

    def now_ms(self):
        t = time.ticks_ms()
        d = time.ticks_diff(t, self._last)
        if d > 0:
            self._real_ms += d
            self._last = t
        return int(self._real_ms * self.speed) + self._stalled_ms

    def sleep_ms(self, ms):
        if self._on_first_sleep is not None:
            cb = self._on_first_sleep
            self._on_first_sleep = None
            cb()
        return asyncio.sleep_ms(max(0, int(ms / self.speed)))

    def stall(self, ms):
        self._stalled_ms += int(ms)
