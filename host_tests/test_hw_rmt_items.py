# plunger-test: both
# The ESP32 backend's RMT item lists, decoded by the documented
# write_pulses encoding (rmt_check): every pulse high for pulse_us ticks,
# high + low = the period of its segment, nothing outside 1..32767 ticks,
# the pin back at its idle level between writes. A mutation check edits
# single lines of stepper_esp32.py and shows each edit fails the check.

import rmt_check
from drivers import pulse_math as pm
from drivers import ramp
from fakes_hw import FakePin, FakeRMT, VirtualRig, stepper_cfg
from testkit import raises
from vclock import VirtualClock


def test_documented_modes():
    assert rmt_check.decode([3, 5, 2], True) == [(1, 3), (0, 5), (1, 2)]
    assert rmt_check.decode([3, 5], 0) == [(0, 3), (1, 5)]
    assert rmt_check.decode(7, (1, 0, 1)) == [(1, 7), (0, 7), (1, 7)]
    assert rmt_check.decode([4, 6], [0, 0]) == [(0, 4), (0, 6)]
    raises(rmt_check.RmtEncodingError, rmt_check.decode, [1, 32768])
    raises(rmt_check.RmtEncodingError, rmt_check.decode, [0, 5])
    raises(rmt_check.RmtEncodingError, rmt_check.decode, [1, 2], [1])
    assert rmt_check.pulses([(1, 3), (0, 97), (1, 3), (0, 97)]) == [(3, 97), (3, 97)]


def test_both_constructor_forms_give_1_us_ticks():
    # main.py asks for resolution_hz=1000000 and falls back to clock_div=80.
    assert rmt_check.tick_ns(resolution_hz=1000000) == 1000
    assert rmt_check.tick_ns(clock_div=80) == 1000
    assert rmt_check.tick_ns() == 100  # the old default clock_div=8 would be 10x fast
    assert pm.RMT_RES_HZ == 1000000


def _load_backend(src=None):
    if src is None:
        import drivers.stepper_esp32 as mod

        return mod
    g = {"__name__": "stepper_esp32_variant"}
    exec(compile(src, "stepper_esp32_variant.py", "exec"), g)
    return _Mod(g)


class _Mod:
    def __init__(self, g):
        self.RmtStepper = g["RmtStepper"]


class Rig(VirtualRig):
    def __init__(self, mod, **over):
        self.cfg = stepper_cfg(**over)
        self.clock = VirtualClock()
        self.step, self.dir, self.en = FakePin("step"), FakePin("dir"), FakePin("en")
        self.rmt = FakeRMT(self.step, self.clock)
        self.rmt.keep_items = True
        self.st = mod.RmtStepper(self.dir, self.en, self.cfg, self.clock, self.rmt,
                                 delay_us=self.rmt.delay_us)


def check_items(mod, steps, rate_hz, pulse_us=3):
    """What is wrong with the item lists of one move (empty: nothing)."""
    r = Rig(mod, pulse_us=pulse_us)
    try:
        r.move_and_wait(1, steps, rate_hz, 120000)
    except AssertionError as e:
        return ["hardware check: %s" % e]
    wrong = []
    segs = r.st.segments(steps, rate_hz)
    want = []
    for count, rate in segs:
        per = ramp.period_us(rate)
        want += [(pulse_us, per - pulse_us)] * count
    got = []
    for items in r.rmt.log:
        if items[0][0] != 1:
            wrong.append("a write starts low")
        got += rmt_check.pulses(items)
    if len(got) != len(want):
        wrong.append("pulses %d != %d" % (len(got), len(want)))
    for i in range(min(len(got), len(want))):
        hi, lo = got[i]
        whi, wlo = want[i]
        if hi != whi or (lo != wlo and i < len(got) - 1):  # the last low runs into idle
            wrong.append("pulse %d is %s, want %s" % (i, got[i], want[i]))
            break
    if r.step.value() != 0:
        wrong.append("STEP not back at idle low")
    return wrong


def test_fast_chunks_match_the_ramp_segments():
    mod = _load_backend()
    assert check_items(mod, 600, 8000) == []
    assert check_items(mod, 600, 8000, pulse_us=10) == []


def test_bolus_rates_and_single_pulse_basal():
    mod = _load_backend()
    for rate in (11, 103, 400):
        assert check_items(mod, 40, rate) == []
    assert check_items(mod, 3, 0.5) == []  # one pulse per write, its low in 62 items
    assert check_items(mod, 5, 1000000 / 70000) == []  # low just over two items


_MUTATIONS = [
    ("rmt.write_pulses(chunk, 1)", "rmt.write_pulses(chunk, 0)"),
    ("rmt.write_pulses(durations, levels)", "rmt.write_pulses(durations, 1)"),
    ("chunk = item * n", "chunk = item * (n + 1)"),
    ("start_us = end_us if end_us > now_us else now_us", "start_us = now_us"),
]


def test_changing_one_line_breaks_the_items():
    with open("../firmware/drivers/stepper_esp32.py") as f:
        src = f.read()
    for old, new in _MUTATIONS:
        assert src.count(old) == 1, "mutation target moved: %r" % old
        mod = _load_backend(src.replace(old, new))
        assert check_items(mod, 200, 8000) != [] or check_items(mod, 3, 0.5) != [], \
            "not caught: %r" % new
