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

# The unix port's ticks run over 2**62 ms; virtual ticks sit 2**60 ms above
# the real ones, so a task the C scheduler queues with the real time ("ready
# now") always sorts as already due, and virtual deadlines never wrap.
_VTICKS_BASE = 1 << 60


class VirtualSimClock:
    """Headless runs: virtual time that jumps straight to the next deadline.

    Instead of a driver task that settles ready tasks and then wakes sleepers
    (vclock.VirtualClock: a few loop turns and an Event per wake-up), this
    clock becomes the event loop's own time: sleep_ms() is asyncio's native
    sleep, and where the loop would block waiting for the next timer it moves
    the virtual time to that timer instead. A wake-up then costs what it
    costs on the board: one turn of the scheduler, nothing more. Input that
    arrives (the console pipe) is still polled before every jump."""

    def __init__(self, on_first_sleep):
        self._now = 0
        self._on_first_sleep = on_first_sleep
        self.jumps = 0  # times the loop moved time forward (for the bench)
        self._fallback = None  # a vclock.VirtualClock when the loop cannot be hooked
        # before_jump(target_ms) may raise (the watchdog bites on its deadline,
        # on the way to the next timer) so no task has to wake to watch it.
        self.before_jump = None

    def now_ms(self):
        return self._now if self._fallback is None else self._fallback.now_ms()

    def sleep_ms(self, ms):
        if self._on_first_sleep is not None:
            cb = self._on_first_sleep
            self._on_first_sleep = None
            self._hook_loop()
            cb()
        if self._fallback is not None:
            return self._fallback.sleep_ms(ms)
        return asyncio.sleep_ms(ms if ms > 0 else 0)

    async def run_until(self, end_ms, on_advance=None):
        if self._fallback is not None:
            return await self._fallback.run_until(end_ms, on_advance)
        while self._now < end_ms:
            await self.sleep_ms(end_ms - self._now)  # hooks the loop if nobody slept yet
        self._now = end_ms

    def stall(self, ms):
        """The CPU is stuck for ms: time passes and nobody runs."""
        if self._fallback is not None:
            self._fallback._now += int(ms)
        else:
            self._now += int(ms)

    def next_wake_ms(self):
        return None

    # ---- hooking the running loop ----------------------------------------------
    def _advance(self, dt_ms):
        if self.before_jump is not None:
            self.before_jump(self._now + dt_ms)
        self._now += dt_ms
        self.jumps += 1

    def hooked(self):
        """True once time runs on the loop's own timers (no watcher task needed)."""
        return self._on_first_sleep is None and self._fallback is None

    def _hook_loop(self):
        import sys

        if sys.implementation.name == "micropython":
            ok = self._hook_micropython()
        else:
            ok = self._hook_cpython()
        if not ok:  # a port whose ticks wrap too soon: the slow, portable way
            self._fallback = vclock.VirtualClock(self._now)

    def _hook_micropython(self):
        import asyncio.core as core

        if time.ticks_add(0, -1) < (1 << 61):
            return False
        clock = self

        def vticks():
            return _VTICKS_BASE + clock._now

        ioq = core._io_queue
        tq = core._task_queue
        real_wait = ioq.wait_io_event

        def wait_io_event(dt):
            if dt <= 0:
                real_wait(dt if dt == 0 or ioq.map else 0)
                return
            head = tq.peek()
            real_wait(0)  # input that arrived meanwhile wakes its reader first
            if tq.peek() is head:
                clock._advance(dt)

        core.ticks = vticks
        ioq.wait_io_event = wait_io_event
        return True

    def _hook_cpython(self):
        loop = asyncio.get_running_loop()
        sel = getattr(loop, "_selector", None)
        if sel is None:
            return False
        clock = self
        real_select = sel.select
        loop.time = lambda: clock._now / 1000.0
        loop._clock_resolution = 0.0001  # float rounding of ms/1000 never delays a timer

        def select(timeout=None):
            # Only the loop's own wake-up pipe registered: no input can be
            # waiting, and a callback from a signal is in the ready queue anyway.
            events = real_select(0) if len(sel.get_map()) > 1 else []
            if events or (timeout is not None and timeout <= 0):
                return events
            if timeout is None:  # no timer at all: only input can wake us
                return real_select(None)
            dt = int(round((clock._now / 1000.0 + timeout) * 1000)) - clock._now
            clock._advance(dt if dt > 0 else 1)
            return events

        sel.select = select
        return True


class ScaledClock:
    """Real time, optionally speed times faster (--speed N)."""

    before_jump = None  # time flows on its own: the simulator's watchdog task watches it

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
