# plunger-test: both
# Missed basal after a gap is never a burst (issue 14): after the motor task
# was held (a stalled loop, a long flash write) a 6 h gap gave 12 U at 100 Hz.
# Now at most one record interval (5 min) of basal at the basal rate goes
# out; the rest is dropped from the record, said in a basal_missed event.
from delivery import settings
from delivery.engine import Engine
from delivery.record import BUCKET_MS

MIN = 60000
HOUR = 3600000
WALL = 1700006400


def make(rate_mu_per_h=2000):
    lim = {"max_basal_mu_per_h": 35000, "max_per_hour_mu": 50000, "max_per_24h_mu": 250000,
           "max_bolus_mu": 15000}
    cfg = {"limits": lim, "profiles": {"p": [[0, rate_mu_per_h]]}, "active_profile": "p"}
    eng = Engine(settings.validate(cfg), 0)
    eng.set_wall_clock(0, WALL)
    return eng


def run(eng, t, end):
    """The motor task's loop: plan() at each wake; -> (t, forward steps)."""
    n = 0
    while t < end:
        d, k, _hz, wake = eng.plan(t)
        n += k if d > 0 else 0
        t = wake if wake < end else end
    return t, n


def interval_steps(eng, rate_mu_per_h):
    # one record interval's worth at the basal rate, in whole steps
    return rate_mu_per_h * BUCKET_MS * eng.units.num // (HOUR * eng.units.den)


def test_a_stall_gives_at_most_one_interval_of_basal_and_says_the_rest():
    for stall in (MIN, 5 * MIN, 6 * MIN, 30 * MIN, HOUR, 6 * HOUR, 12 * HOUR):
        eng = make()
        t, _n = run(eng, 0, HOUR)
        eng.pop_events()
        before = eng.delivered_mu(t, 24 * HOUR)
        t += stall
        d, burst, _hz, _wake = eng.plan(t)  # the motor task runs again
        assert burst <= interval_steps(eng, 2000), (stall, burst)
        ev = eng.pop_events()
        if stall > BUCKET_MS:
            assert burst >= interval_steps(eng, 2000) - 2, (stall, burst)
            missed = [x for k, x in ev if k == "basal_missed"]
            assert len(missed) == 1, ev
            due = eng.units.mu_to_steps(2000 * stall // HOUR)
            assert abs(missed[0]["steps"] + burst - due) <= 2, (stall, missed, burst, due)
            # the record counts only what was given
            given = eng.delivered_mu(t, 24 * HOUR) - before
            assert given <= eng.units.steps_to_mu_up(burst) + 3, (given, burst)
        else:
            assert [k for k, _x in ev] == []  # a short wait is no gap: all of it goes out
        # after the stall basal runs at its rate again, step by step
        _t, n = run(eng, t, t + HOUR)
        assert abs(n - eng.units.mu_to_steps(2000)) <= 2


def test_status_and_commands_during_a_stall_do_not_queue_a_burst():
    eng = make()
    t, _n = run(eng, 0, 10 * MIN)
    for k in range(1, 6 * 60):  # the screen asks every minute, a command at 3 h
        eng.status(t + k * MIN)
        if k == 180:
            eng.temp_basal(t + k * MIN, 60, percent=150)
    t += 6 * HOUR
    d, burst, _hz, _wake = eng.plan(t)
    assert burst <= interval_steps(eng, 3000)  # not 6 h worth queued by status()


def test_the_burst_bound_holds_at_the_top_basal_rate():
    eng = make(10000)  # 10 U/h, a day of it fits the 250 U limit
    t, _n = run(eng, 0, HOUR)
    d, burst, _hz, _wake = eng.plan(t + 12 * HOUR)
    assert interval_steps(eng, 10000) - 2 <= burst <= interval_steps(eng, 10000)


def test_a_bolus_stream_timed_by_the_stepper_is_not_a_stall():
    # The motor task hands a bolus to the stepper as one move and plans
    # again when it ends: the basal owed meanwhile is not missed.
    eng = make()
    t, _n = run(eng, 0, 10 * MIN)
    eng.bolus(t, 15000)  # 10 min at 1.5 U/min
    eng.plan(t)
    end = eng.active_bolus.now.end_ms()
    eng.status(t + 4 * MIN)  # the screen asks meanwhile
    d, n, _hz, _w = eng.plan(end)
    assert "basal_missed" not in [k for k, _x in eng.pop_events()]
    basal_due = eng.units.mu_to_steps(2000 * (end - t) // HOUR)
    assert eng.basal_out >= eng.units.mu_to_steps(2000 * end // HOUR) - 2
    assert basal_due > interval_steps(eng, 2000)  # more than one interval went out: owed, not a gap
    # a stall after the stream counts from its end
    d, n, _hz, _w = eng.plan(end + 30 * MIN)
    assert "basal_missed" in [k for k, _x in eng.pop_events()]
    assert eng.last_basal <= interval_steps(eng, 2000)


def test_a_cancelled_stream_stops_excusing_the_wait():
    eng = make()
    t, _n = run(eng, 0, 10 * MIN)
    eng.bolus(t, 15000)
    eng.plan(t)
    eng.cancel_bolus(t + MIN)
    eng.pop_events()
    d, n, _hz, _w = eng.plan(t + 20 * MIN)  # 19 min after the cancel
    assert "basal_missed" in [k for k, _x in eng.pop_events()]
    assert eng.last_basal <= interval_steps(eng, 2000)  # of n: the rest is the bolus's minute
