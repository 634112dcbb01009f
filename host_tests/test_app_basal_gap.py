# plunger-test: both
# Missed basal through the real motor task (issue 14): held for an hour, it
# gives at most one 5-minute interval of basal when it runs again and the
# journal says what was dropped; a bolus move the stepper times is no gap.
from test_app_calibration import _rig, _run

MIN = 60000
HOUR = 3600000


def _kinds(pump):
    return [r[3] for r in pump.journal.read().records]


def test_a_held_motor_task_gives_no_burst_and_journals_the_missed_basal():
    clock, pump, loop = _rig()
    eng = pump.engine
    _run(clock, loop, HOUR)
    before = eng.steps_commanded
    clock._now = 2 * HOUR  # the motor task was held for an hour
    _run(clock, loop, 2 * HOUR + 1000)
    burst = eng.steps_commanded - before
    assert burst <= eng.units.mu_to_steps(800 * 5 // 60) + 1  # 5 min at 0.8 U/h
    missed = [r[4] for r in pump.journal.read().records if r[3] == "basal_missed"]
    assert len(missed) == 1 and 600 <= missed[0]["mu"] <= 740, missed  # 55 min of 0.8 U/h


def test_a_bolus_move_is_not_a_gap():
    clock, pump, loop = _rig()
    eng = pump.engine
    _run(clock, loop, 10 * MIN)
    pump.bolus(clock.now_ms(), 10000)  # one 6.7-minute move at 1.5 U/min
    _run(clock, loop, 40 * MIN)
    assert "basal_missed" not in _kinds(pump)
    assert abs(eng.basal_out - eng.units.mu_to_steps(800 * 40 // 60)) <= 1
