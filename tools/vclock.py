# Virtual time for the simulator and host tests (never flashed).
#
# Same interface as firmware/clock.py's MonotonicClock (now_ms, sleep_ms), but
# time only moves when every task is waiting: the driver task jumps straight
# to the earliest wake-up. 72 hours of pump life then cost only as many loop
# turns as there are real events in them.

import asyncio

# Loop turns the driver gives ready tasks before it advances time. A task
# woken by an Event during one turn runs in the next, so a few turns let
# chains of hand-offs settle at the same virtual instant.
_SETTLE_TURNS = 4


class VirtualClock:
    def __init__(self, start_ms=0):
        self._now = start_ms
        self._waiters = []  # [wake_ms, seq, event], kept sorted
        self._seq = 0

    def now_ms(self):
        return self._now

    async def sleep_ms(self, ms):
        ev = asyncio.Event()
        self._seq += 1
        entry = [self._now + max(0, int(ms)), self._seq, ev]
        # Insert in order: waiter lists are short (one per task).
        i = len(self._waiters)
        while i and self._waiters[i - 1][:2] > entry[:2]:
            i -= 1
        self._waiters.insert(i, entry)
        try:
            await ev.wait()
        finally:
            if entry in self._waiters:
                self._waiters.remove(entry)

    def next_wake_ms(self):
        return self._waiters[0][0] if self._waiters else None

    async def run_until(self, end_ms, on_advance=None):
        """Drive virtual time up to end_ms. on_advance(now_ms) is called after
        each jump, so a simulator can inject scripted events."""
        while True:
            for _ in range(_SETTLE_TURNS):
                await asyncio.sleep_ms(0)
            nxt = self.next_wake_ms()
            if nxt is None or nxt > end_ms:
                self._now = end_ms
                return
            if nxt > self._now:
                self._now = nxt
                if on_advance is not None:
                    on_advance(nxt)
            while self._waiters and self._waiters[0][0] <= self._now:
                self._waiters.pop(0)[2].set()
