# Debounced push buttons that speak in logical events (Hinch-style).
#
# The caller builds the Pins (pull-ups etc. from the board file) and says
# whether pressed reads 0 (active_low). Everything past this file speaks in
# events: (button name, kind), kind one of the names below.
#
# ButtonState is the whole press state machine and is pure: update(now_ms,
# pressed) -> event or None. Tests drive it directly on both runtimes.
# Buttons is the async pump around it: a pin IRQ sets a ThreadSafeFlag, and
# the pump polls only while some button is active, so an idle pump costs no
# CPU (the simulator runs 72 h of virtual time in seconds).

import asyncio

from micropython import const

DOWN = "down"  # debounced press (hold-to-confirm starts here)
SHORT = "short"  # released before long_press_ms: a click
LONG = "long"  # still held at long_press_ms (sent once)
REPEAT = "repeat"  # still held: every repeat_ms after LONG, for fast value entry
UP = "up"  # released after LONG (no SHORT then)
STUCK = "stuck"  # held beyond stuck_ms: sent once; repeats stop until release

_QUEUE_LEN = const(16)


class ButtonState:
    """Debounce + short/long/repeat/stuck for one button. Pure logic."""

    def __init__(self, debounce_ms=20, long_press_ms=800, repeat_ms=150, stuck_ms=30000):
        self.debounce_ms = debounce_ms
        self.long_press_ms = long_press_ms
        self.repeat_ms = repeat_ms
        self.stuck_ms = stuck_ms
        self.pressed = False  # debounced state
        self._raw = False
        self._changed_ms = -debounce_ms  # when the debounced state last changed
        self._down_ms = 0
        self._next_ms = 0  # when LONG / the next REPEAT is due
        self._long = False
        self._stuck = False

    def active(self):
        """True while the pump must keep polling this button."""
        return self.pressed or self._raw

    def held_ms(self, now_ms):
        return now_ms - self._down_ms if self.pressed else 0

    def update(self, now_ms, pressed):
        # Lock-out debounce: the first edge after a stable spell is reported
        # at once, and the bounces in the debounce_ms that follow are
        # ignored. A stability window would delay every press by debounce_ms
        # instead. After the lock-out the pin's level is taken as it is, so
        # a release inside the window is reported when the window ends.
        self._raw = pressed
        if pressed != self.pressed and now_ms - self._changed_ms >= self.debounce_ms:
            self.pressed = pressed
            self._changed_ms = now_ms
            if pressed:
                self._down_ms = now_ms
                self._next_ms = now_ms + self.long_press_ms
                self._long = False
                self._stuck = False
                return DOWN
            return UP if self._long else SHORT
        if not self.pressed or self._stuck:
            return None
        if now_ms - self._down_ms >= self.stuck_ms:
            # Reported once, then silence: a jammed key must not scroll a
            # value or repeat a command forever.
            self._stuck = True
            self._long = True  # its release is an UP, never a click
            return STUCK
        if now_ms >= self._next_ms:
            # From now, not from the last due time: a late poll gives one
            # event, never a burst of catch-up repeats.
            self._next_ms = now_ms + self.repeat_ms
            if not self._long:
                self._long = True
                return LONG
            return REPEAT
        return None


class _EventFlag:
    # CPython's asyncio has no ThreadSafeFlag; on the host an Event does the
    # same job because the simulated Pin calls the handler from the loop.
    def __init__(self):
        self._ev = asyncio.Event()

    def set(self):
        self._ev.set()

    async def wait(self):
        await self._ev.wait()
        self._ev.clear()


def _make_flag():
    tsf = getattr(asyncio, "ThreadSafeFlag", None)
    return tsf() if tsf is not None else _EventFlag()


class Buttons:
    """Debounced buttons feeding one consumer.

    pins: dict name -> Pin (already configured as inputs). clock: the firmware
    clock (now_ms, sleep_ms). Events are queued as (name, kind, now_ms); get()
    pops the oldest or returns None, and `wake` (an asyncio.Event) is set when
    one arrives, so the UI task can share it as its own wake-up.
    """

    def __init__(self, pins, clock, active_low=True, debounce_ms=20, long_press_ms=800,
                 repeat_ms=150, stuck_ms=30000, poll_ms=10, irq_in_loop=False):
        # irq_in_loop: the pins call their IRQ handler from the asyncio loop
        # itself (the simulator), so a plain Event is safe. It matters: on the
        # unix port a waiting ThreadSafeFlag makes every loop turn poll for
        # 1 ms of real time, which would make simulated days crawl.
        self.clock = clock
        self.poll_ms = poll_ms
        self._pins = []
        self._states = []
        self._names = []
        self._level = 0 if active_low else 1
        for name in sorted(pins):
            self._names.append(name)
            self._pins.append(pins[name])
            self._states.append(ButtonState(debounce_ms, long_press_ms, repeat_ms, stuck_ms))
        self._queue = [None] * _QUEUE_LEN  # ring buffer, allocated once
        self._head = 0
        self._count = 0
        self.dropped = 0  # events lost because the consumer was too slow
        self.wake = asyncio.Event()
        self._flag = _EventFlag() if irq_in_loop else _make_flag()
        self._irq = True
        for pin in self._pins:
            try:
                pin.irq(handler=self._on_edge, trigger=pin.IRQ_FALLING | pin.IRQ_RISING)
            except (AttributeError, TypeError):
                self._irq = False  # a pin without IRQs: poll all the time

    def _on_edge(self, _pin):
        # IRQ context: no allocation, just wake the pump.
        self._flag.set()

    def state(self, name):
        return self._states[self._names.index(name)]

    def pressed(self, name):
        return self.state(name).pressed

    def _put(self, name, kind, now_ms):
        if self._count == _QUEUE_LEN:
            self.dropped += 1
            return
        self._queue[(self._head + self._count) % _QUEUE_LEN] = (name, kind, now_ms)
        self._count += 1
        self.wake.set()

    def get(self):
        if not self._count:
            return None
        ev = self._queue[self._head]
        self._queue[self._head] = None
        self._head = (self._head + 1) % _QUEUE_LEN
        self._count -= 1
        return ev

    def poll(self, now_ms):
        """Sample every pin once; returns True while any button is active."""
        busy = False
        for i in range(len(self._pins)):
            st = self._states[i]
            kind = st.update(now_ms, self._pins[i].value() == self._level)
            if kind is not None:
                self._put(self._names[i], kind, now_ms)
            if st.active():
                busy = True
        return busy

    async def run(self):
        """The pump task: sleeps on the IRQ flag while idle."""
        while True:
            if self._irq:
                await self._flag.wait()
            while self.poll(self.clock.now_ms()) or not self._irq:
                await self.clock.sleep_ms(self.poll_ms)
