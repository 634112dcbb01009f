# plunger-test: both
# The press state machine driven directly with (now_ms, pressed), then the
# async pump with IRQ pins and virtual time.
import asyncio

from drivers.buttons import DOWN, LONG, REPEAT, SHORT, STUCK, UP, Buttons, ButtonState
from testkit import run_async
from vclock import VirtualClock


def feed(state, samples, step_ms=5, start_ms=0):
    """samples: list of (pressed, duration_ms); returns [(t, event)]."""
    out = []
    t = start_ms
    for pressed, dur in samples:
        end = t + dur
        while t < end:
            ev = state.update(t, pressed)
            if ev is not None:
                out.append((t, ev))
            t += step_ms
    return out


def test_clean_click_is_down_then_short():
    s = ButtonState(debounce_ms=20, long_press_ms=800)
    events = feed(s, [(False, 50), (True, 200), (False, 100)])
    # Reported on the first edge, not debounce_ms later.
    assert events == [(50, DOWN), (250, SHORT)]


def test_press_is_reported_on_its_first_edge_and_bounces_ignored():
    s = ButtonState(debounce_ms=20)
    # Contact bounce on the way in and on the way out: one press, one click,
    # each at its first edge.
    events = feed(s, [(False, 20), (True, 5), (False, 5), (True, 300), (False, 5), (True, 5),
                      (False, 100)], step_ms=1)
    assert events == [(20, DOWN), (330, SHORT)]


def test_release_inside_the_lockout_is_reported_when_it_ends():
    s = ButtonState(debounce_ms=20)
    # A 6 ms tap: DOWN at once, the release is seen when the lock-out ends.
    events = feed(s, [(True, 6), (False, 100)], step_ms=1, start_ms=1000)
    assert events == [(1000, DOWN), (1020, SHORT)]


def test_long_press_then_repeats_then_up_without_short():
    s = ButtonState(debounce_ms=20, long_press_ms=800, repeat_ms=150)
    events = feed(s, [(True, 1300), (False, 100)])
    kinds = [e for _, e in events]
    assert kinds == [DOWN, LONG, REPEAT, REPEAT, REPEAT, UP]
    assert events[1][0] == 800
    assert events[2][0] - events[1][0] == 150


def test_stuck_button_reported_once_and_repeats_stop():
    s = ButtonState(debounce_ms=20, long_press_ms=800, repeat_ms=150, stuck_ms=30000)
    events = feed(s, [(True, 120000), (False, 100)], step_ms=10)
    kinds = [e for _, e in events]
    assert kinds.count(STUCK) == 1
    stuck_at = [t for t, e in events if e == STUCK][0]
    assert stuck_at == 30000
    assert all(t <= stuck_at for t, e in events if e == REPEAT)
    assert kinds[-1] == UP
    # It recovers: the next press is normal again.
    assert [e for _, e in feed(s, [(True, 100), (False, 100)], start_ms=200000)] == [DOWN, SHORT]


def test_late_poll_gives_one_repeat_not_a_burst():
    s = ButtonState(debounce_ms=0, long_press_ms=800, repeat_ms=100)
    assert s.update(0, True) == DOWN
    assert s.update(800, True) == LONG
    assert s.update(2000, True) == REPEAT
    assert s.update(2001, True) is None


class IrqPin:
    """A button input: value() plus irq(), like machine.Pin."""
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, level=1):
        self.level = level
        self.handler = None
        self.reads = 0

    def value(self):
        self.reads += 1
        return self.level

    def irq(self, handler=None, trigger=0):
        assert trigger == self.IRQ_FALLING | self.IRQ_RISING
        self.handler = handler

    def drive(self, level):
        if level != self.level:
            self.level = level
            if self.handler is not None:
                self.handler(self)


def test_pump_with_irq_costs_nothing_when_idle_and_queues_events():
    clock = VirtualClock()
    pins = {"ok": IrqPin(), "up": IrqPin(), "down": IrqPin(), "back": IrqPin()}
    btn = Buttons(pins, clock, active_low=True, debounce_ms=20, poll_ms=10)

    async def script():
        task = asyncio.create_task(btn.run())
        await clock.run_until(3600000)  # an idle hour
        idle_reads = pins["ok"].reads
        pins["ok"].drive(0)  # press
        await clock.run_until(3600000 + 200)
        pins["ok"].drive(1)  # release
        await clock.run_until(3600000 + 400)
        after = pins["ok"].reads
        await clock.run_until(7200000)
        task.cancel()
        return idle_reads, after, pins["ok"].reads

    idle_reads, after_press, later = run_async(script())
    assert idle_reads == 0  # asleep on the IRQ flag all hour
    assert 20 <= after_press <= 60  # polled only while the button was active
    assert later == after_press  # and asleep again afterwards
    events = []
    while True:
        ev = btn.get()
        if ev is None:
            break
        events.append(ev[:2])
    assert events == [("ok", DOWN), ("ok", SHORT)]
    assert btn.wake.is_set()


class PlainPin:
    def __init__(self):
        self.level = 0

    def value(self):
        return self.level


def test_pins_without_irq_are_polled_and_polarity_is_respected():
    pin = PlainPin()  # active high this time
    btn = Buttons({"ok": pin}, VirtualClock(), active_low=False, debounce_ms=0)
    assert btn.poll(0) is False
    pin.level = 1
    btn.poll(10)
    assert btn.pressed("ok")
    pin.level = 0
    btn.poll(20)
    assert btn.get()[:2] == ("ok", DOWN)
    assert btn.get()[:2] == ("ok", SHORT)
    assert btn.get() is None


def test_queue_overflow_drops_and_counts():
    pin = PlainPin()
    btn = Buttons({"ok": pin}, VirtualClock(), active_low=False, debounce_ms=0)
    for i in range(40):
        pin.level = 1 - pin.level
        btn.poll(i * 10)
    assert btn.dropped == 40 - 16
    n = 0
    while btn.get() is not None:
        n += 1
    assert n == 16
