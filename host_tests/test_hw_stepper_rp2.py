# plunger-test: both
# The RP2040 PIO backend: its real PIO program (assembled by pio_asm as
# MicroPython's rp2.asm_pio does) runs on pio_sim's cycle-level interpreter,
# and the CPU side (feeding segments without blocking, reading back X after
# a stop, end-stop IRQ) drives it through the rp2.StateMachine API.
import sys

from drivers import stepper
from drivers.endstops import EndStops
from fakes_hw import FakePin, StepperObserver, VirtualRig, stepper_cfg
from pio_sim import RP2, StateMachine
from vclock import VirtualClock

STEPS_PER_U = 442


def _import_backend():
    sys.modules["rp2"] = RP2
    import drivers.stepper_rp2 as mod

    return mod


class Rig(VirtualRig):
    def __init__(self, position=0, empty_at=None, home_at=None, **cfg_over):
        mod = _import_backend()
        self.cfg = stepper_cfg(**cfg_over)
        self.clock = VirtualClock()
        StateMachine.clock = self.clock
        self.step, self.dir, self.en = FakePin("step"), FakePin("dir"), FakePin("en")
        self.empty, self.home = FakePin("empty", 1), FakePin("home", 1)
        self.stops = EndStops(self.empty, self.home)
        # The SM is made inside the backend; route DIR setup delays through
        # its cursor so DIR and STEP share one microsecond timeline.
        self.delays = _Delay()
        self.st = mod.PioStepper(self.step, self.dir, self.en, self.cfg, self.clock,
                                 endstops=self.stops, delay_us=self.delays)
        self.sm = StateMachine.last
        self.delays.target = self.sm
        self.stops.attach(self.st, FakePin.IRQ_FALLING, hard=True)
        self.obs = StepperObserver(self.step, self.dir, self.en, self.cfg, self.sm,
                                   empty_pin=self.empty, home_pin=self.home, position=position,
                                   empty_at=empty_at, home_at=home_at)


class _Delay:
    target = None

    def __call__(self, us):
        if self.target is not None:
            self.target.delay_us(us)


def test_bolus_with_ramp_exact():
    r = Rig()
    steps = 10 * STEPS_PER_U
    r.move_and_wait(1, steps, 8000, 60000)
    assert r.obs.errors == []
    assert r.st.steps_done() == steps == r.obs.steps
    assert r.st.end_reason() == stepper.DONE
    assert len(r.st.segments(steps, 8000)) > 4  # more segments than the FIFO holds
    assert r.en.value() == 1


def test_basal_rate_pulses_are_hardware_timed():
    r = Rig()
    r.obs.keep_times = True
    r.move_and_wait(1, 5, 0.5, 20000)
    t = r.obs.step_times_us
    assert [t[i + 1] - t[i] for i in range(4)] == [2000000] * 4
    assert r.st.steps_done() == 5


def test_cancel_mid_segment_reads_back_x():
    r = Rig()

    async def body():
        r.st.move(1, 1000, 400)
        await r.clock.sleep_ms(1001)
        r.st.stop()
    r.run(body, 10000)
    n = r.st.steps_done()
    assert n == r.obs.steps
    assert n == 401  # edges at 0 .. 1000 ms every 2.5 ms, +4 us start
    assert r.st.end_reason() == stepper.STOPPED
    assert r.step.value() == 0 and r.en.value() == 1
    assert r.obs.errors == []


def test_cancel_mid_ramp_exact():
    r = Rig()

    async def body():
        r.st.move(-1, 20000, 8000)
        await r.clock.sleep_ms(1733)
        r.st.stop()
    r.run(body, 10000)
    assert 0 < r.st.steps_done() < 20000
    assert r.st.steps_done() == r.obs.steps
    assert r.obs.errors == []


def test_empty_stop_irq_halts_within_one_step_at_full_speed():
    r = Rig(position=0, empty_at=2500)
    r.move_and_wait(1, 10000, 8000, 60000)
    assert r.obs.errors == []  # not one step past the switch
    assert r.st.steps_done() == 2500
    assert r.st.end_reason() == stepper.EMPTY
    assert r.en.value() == 1


def test_rewind_stops_on_home_and_next_move_starts_clean():
    r = Rig(position=900, home_at=0)
    r.move_and_wait(-1, 100000, 8000, 60000)
    assert r.st.steps_done() == 900 and r.st.end_reason() == stepper.HOME
    r.move_and_wait(1, 50, 1000, 120000)
    assert r.st.steps_done() == 50 and r.obs.position == 50
    assert r.obs.errors == []


class _QuietSM:
    """A state machine stub that allocates nothing itself: words go into a
    preallocated list, the FIFO always has room and no marker comes back."""

    def __init__(self, n):
        self.words = [0] * n
        self.n = 0

    def tx_fifo(self):
        return 0

    def rx_fifo(self):
        return 0

    def put(self, word):
        self.words[self.n] = word
        self.n += 1


def test_feeding_segments_in_the_steady_state_allocates_nothing():
    # Only the MicroPython heap can be locked; CPython has no such probe, so
    # the lock runs in the MicroPython half of `make test`.
    import micropython

    from testkit import run_async

    lock = getattr(micropython, "heap_lock", None)
    r = Rig()
    segs = r.st.segments(20000, 8000)
    assert len(segs) > 8
    out = {}

    async def body():
        r.st.move(1, 20000, 8000)  # per move: the word lists are made here
        first = r.st._next
        quiet = _QuietSM(2 * len(segs))
        r.st._sm = quiet
        if lock is not None:
            lock()
        try:
            for _ in range(len(segs)):
                r.st._feed()
                r.st._read_markers()
        finally:
            if lock is not None:
                micropython.heap_unlock()
        out["first"], out["quiet"] = first, quiet
        r.st._task.cancel()
    run_async(body())
    quiet = out["quiet"]
    assert quiet.n == 2 * (len(segs) - out["first"])
    assert quiet.words[0] == segs[out["first"]][0]
