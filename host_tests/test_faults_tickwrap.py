# plunger-test: both
# The raw tick counter wraps every 2**30 ms (12.4 days). Driving the real
# Engine with now_ms from a MonotonicClock over ticks that wrap in the middle
# of a bolus and of a temp basal must give exactly the steps of the same run
# far from the wrap.
from clock import MonotonicClock
from delivery import settings
from delivery.engine import Engine
from testkit import TICKS_MAX, FakeTicks, ticks_diff

MAX = TICKS_MAX
W0 = 1700000000
_diff = ticks_diff


def _drive(start_ticks, commands, run_ms):
    """Run the engine for run_ms, issuing commands {at_ms: fn(engine, now)}
    and handing out steps whenever plan() says; returns the list of
    (now_ms, steps) and whether the raw ticks wrapped."""
    ticks = FakeTicks(start_ticks)
    clock = MonotonicClock(ticks, _diff)
    eng = Engine(settings.validate({}), clock.now_ms())
    eng.set_wall_clock(clock.now_ms(), W0)
    out = []
    wrapped = False
    pending = sorted(commands)
    now = clock.now_ms()
    while now < run_ms:
        while pending and pending[0] <= now:
            commands[pending.pop(0)](eng, now)
            eng.pop_events()
        _dir, steps, _hz, wake = eng.plan(now)
        if steps:
            eng.confirm(now, steps)
            out.append((now, steps))
        nxt = min(wake, pending[0]) if pending else wake
        nxt = max(nxt, now + 1)
        before = ticks()
        ticks.advance(nxt - now)
        if ticks() < before:
            wrapped = True
        now = clock.now_ms()
    return out, wrapped, eng


def test_bolus_across_the_wrap_gives_the_same_steps():
    cmds = {60000: lambda e, t: e.bolus(t, 5000)}  # 5 U at 1.5 U/min: over 3 min
    start = MAX - 60000 - 90000  # the wrap falls 90 s into the bolus
    ref, ref_wrapped, ref_eng = _drive(1000, cmds, 600000)
    got, wrapped, eng = _drive(start, cmds, 600000)
    assert wrapped and not ref_wrapped
    assert got == ref
    assert eng.status(600000)["steps_commanded"] == ref_eng.status(600000)["steps_commanded"]
    assert eng.status(600000)["bolus"] is None


def test_temp_basal_across_the_wrap_ends_on_time():
    cmds = {600000: lambda e, t: e.temp_basal(t, 60, percent=200)}
    start = MAX - 600000 - 1800000  # the wrap falls 30 min into the temp basal
    ref, _, ref_eng = _drive(0, cmds, 3 * 3600000)
    got, wrapped, eng = _drive(start, cmds, 3 * 3600000)
    assert wrapped
    assert got == ref
    assert eng.status(3 * 3600000)["temp"] is None
    total = 0
    for _t, n in got:
        total += n
    # 3 h at 800 mU/h plus 1 h more at 200 %: 3200 mU, within a step.
    assert abs(eng.units.steps_to_mu(total) - 3200) <= 1
