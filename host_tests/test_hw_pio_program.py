# plunger-test: both
# The PIO program of drivers/stepper_rp2.py itself: assembled as MicroPython's
# rp2.asm_pio does (pio_asm), run cycle by cycle (pio_sim), and its pulse
# train measured edge by edge: count, period and high time per segment. A
# mutation check edits single instructions of the driver's source and shows
# each edit makes the train check fail, so the program cannot change
# unnoticed.
import sys

import pio_asm
import pio_sim
from drivers import pulse_math as pm
from testkit import raises


class _Clock:
    def __init__(self):
        self.ms = 0

    def now_ms(self):
        return self.ms


def _program_from(src):
    """Run a version of stepper_rp2.py's source and return its _program."""
    sys.modules["rp2"] = pio_sim.RP2
    g = {"__name__": "stepper_rp2_variant"}
    exec(compile(src, "stepper_rp2_variant.py", "exec"), g)
    return g["_program"]


def _driver_source():
    with open("../firmware/drivers/stepper_rp2.py") as f:
        return f.read()


def pulse_train(program, segs, pulse_us, limit_ms=50):
    """Feed (count, rate_hz) segments the way the driver does and return
    (highs, periods, markers): high time of every pulse and the period
    between rising edges, in ns, and the end-of-segment words read back."""
    clock = _Clock()
    pio_sim.StateMachine.clock = clock
    prog = program(pm.pio_high_delay(pulse_us))
    sm = pio_sim.StateMachine(0, prog, freq=pm.PIO_FREQ_HZ)
    sm.keep_edges = True
    queue = []
    for count, rate in segs:
        queue.append(count)
        queue.append(pm.pio_low_loops(rate, pulse_us))
    markers = []
    sm.active(1)
    while clock.ms < limit_ms:
        while queue and sm.tx_fifo() < pio_sim.FIFO_DEPTH:
            sm.put(queue.pop(0))
        clock.ms += 1
        while sm.rx_fifo():
            markers.append(sm.get())
        if len(sm.edges) > 4000:
            break
        if not queue and len(markers) == len(segs):
            break
    sm.active(0)
    rises = [t for t, v in sm.edges if v]
    falls = [t for t, v in sm.edges if not v]
    highs = [falls[i] - rises[i] for i in range(min(len(rises), len(falls)))]
    periods = [rises[i + 1] - rises[i] for i in range(len(rises) - 1)]
    return highs, periods, markers


def check_train(program, segs, pulse_us):
    """The train the driver's arithmetic promises: exactly sum(count)
    pulses, each high (high_delay + 2) cycles, each segment at its period,
    one zero marker per segment. Returns a list of what is wrong."""
    highs, periods, markers = pulse_train(program, segs, pulse_us)
    wrong = []
    total = 0
    for count, _rate in segs:
        total += count
    if len(highs) != total:
        wrong.append("pulses %d != %d" % (len(highs), total))
    want_high = (pm.pio_high_delay(pulse_us) + 2) * 1000
    if any(h != want_high for h in highs):
        wrong.append("high times %s != %d ns" % (sorted(set(highs))[:4], want_high))
    if any(h < pulse_us * 1000 for h in highs):
        wrong.append("a pulse shorter than pulse_us")
    i = 0
    for count, rate in segs:
        want = pm.pio_period_us(pm.pio_low_loops(rate, pulse_us), pulse_us) * 1000
        for _ in range(count - 1):
            if i < len(periods) and periods[i] != want:
                wrong.append("period %d ns != %d ns at pulse %d" % (periods[i], want, i))
                break
            i += 1
        i += 1  # the gap into the next segment is checked below
    if markers != [0] * len(segs):
        wrong.append("markers %s" % (markers,))
    return wrong


_SEGS = [(3, 4000), (5, 8000), (2, 1000)]


def test_assembler_matches_documented_encodings():
    # pioasm / datasheet encodings of the instructions the driver uses.
    def prog():
        pull(block)  # noqa: F821
        mov(x, osr)  # noqa: F821
        in_(null, 32)  # noqa: F821
        push(block)  # noqa: F821
        nop()  # noqa: F821
        set(x, 31)  # noqa: F821
        pull(noblock)  # noqa: F821
        label("l")  # noqa: F821
        jmp(x_dec, "l")  # noqa: F821

    words = list(pio_asm.asm_pio()(prog)[0])
    assert words == [0x80A0, 0xA027, 0x4060, 0x8020, 0xA042, 0xE03F, 0x8080, 0x0047]


def test_side_set_and_delay_bits():
    def prog():
        nop().side(1)  # noqa: F821
        nop().side(0)[3]  # noqa: F821

    p = pio_asm.asm_pio(sideset_init=2)(prog)
    assert list(p[0]) == [0xB042, 0xA342]  # side bit 12, delay in bits 8..11
    assert pio_asm.sideset_count(p) == (1, False)

    def opt():
        nop().side(1)  # noqa: F821
        nop()[2]  # noqa: F821

    p = pio_asm.asm_pio(sideset_init=2)(opt)
    # Optional side-set: enable bit 12, value bit 11, two delay bits left.
    assert list(p[0]) == [0xB842, 0xA242]
    assert pio_asm.sideset_count(p) == (2, True)
    e = raises(pio_asm.PIOASMError, pio_asm.asm_pio(sideset_init=2), _too_long_delay)
    assert "delay" in str(e)


def _too_long_delay():
    nop().side(0)[16]  # noqa: F821 - 4 delay bits next to 1 side-set bit


def test_wrap_and_globals_restored():
    src = _driver_source()
    prog = _program_from(src)(1)
    bottom, top = pio_asm.wrap_bounds(prog)
    assert (bottom, top) == (0, len(prog[0]) - 1)
    # The assembler put the module's own names back.
    import drivers.stepper_rp2 as mod

    assert mod.PioStepper is not None and "pull" not in dir(mod)


def test_delay_loops_count_cycles():
    # Counted by hand: high 5 + 31 * (15 + 16) = 966 cycles; low 1 + the
    # self-loop's 20 runs of 1 + 2 cycles = 61; at 2 kHz a cycle is 500 us.
    def blink():
        wrap_target()  # noqa: F821
        set(x, 30).side(1)[4]  # noqa: F821
        label("hi")  # noqa: F821
        nop().side(1)[14]  # noqa: F821
        jmp(x_dec, "hi").side(1)[15]  # noqa: F821
        set(y, 19).side(0)  # noqa: F821
        label("lo")  # noqa: F821
        jmp(y_dec, "lo").side(0)[2]  # noqa: F821
        wrap()  # noqa: F821

    p = pio_asm.asm_pio(sideset_init=2)(blink)
    clock = _Clock()
    pio_sim.StateMachine.clock = clock
    sm = pio_sim.StateMachine(0, p, freq=2000)
    sm.keep_edges = True
    sm.active(1)
    clock.ms = 3000
    sm.tx_fifo()
    t = [e[0] for e in sm.edges]
    assert [t[i + 1] - t[i] for i in range(4)] == [483000000, 30500000] * 2


def test_clock_divider_from_freq():
    assert pio_sim.clock_div256(1000000) == 125 * 256
    assert pio_sim.clock_div256(125000000) == 256
    raises(ValueError, pio_sim.clock_div256, 1000)  # below 125 MHz / 65536


def test_driver_program_pulse_train_is_exact():
    prog = _program_from(_driver_source())
    for pulse_us in (1, 2, 3, 10):
        assert check_train(prog, _SEGS, pulse_us) == []


def test_counts_read_back_from_x_after_a_stop():
    clock = _Clock()
    pio_sim.StateMachine.clock = clock
    prog = _program_from(_driver_source())(1)
    sm = pio_sim.StateMachine(0, prog, freq=pm.PIO_FREQ_HZ)
    sm.keep_edges = True
    sm.put(1000)
    sm.put(pm.pio_low_loops(1000, 3))  # 1 ms period
    sm.active(1)
    clock.ms = 10  # edges at 4 us, 1004 us, ... 9004 us
    sm.active(0)
    sm.exec("mov(isr, x)")
    sm.exec("push(noblock)")
    x_left = sm.get()
    rises = [t for t, v in sm.edges if v]
    assert len(rises) == 10 and 1000 - x_left == 10
    assert pm.pio_emitted([1000], 2 - sm.tx_fifo(), x_left) == 10


# One edit per line that shapes the train; each must be caught.
_MUTATIONS = [
    ('jmp(x_dec, "high")      .side(1)', 'jmp("high")             .side(1)'),
    ('jmp(not_x, "done")      .side(0)', 'jmp(not_y, "done")      .side(0)'),
    ('mov(y, osr)             .side(1) [high_delay]', 'mov(y, osr)             .side(1)'),
    ('mov(y, osr)             .side(1) [high_delay]',
     'mov(y, osr)             .side(0) [high_delay]'),
    ('jmp(y_dec, "low")       .side(0)', 'jmp(y_dec, "next")      .side(0)'),
    ('jmp("next")             .side(0)', 'jmp("next")             .side(0) [1]'),
    ('mov(x, osr)             .side(0)', 'mov(y, osr)             .side(0)'),
    ('push(block)             .side(0)', 'nop()                   .side(0)'),
]


def test_changing_one_instruction_breaks_the_train():
    src = _driver_source()
    for old, new in _MUTATIONS:
        assert src.count(old) == 1, "mutation target moved: %r" % old
        prog = _program_from(src.replace(old, new))
        assert check_train(prog, _SEGS, 3) != [], "not caught: %r" % new
