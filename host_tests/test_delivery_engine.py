# plunger-test: both
# Engine behaviour: units, boluses (normal, extended, combo, cancel), temp
# basal timing, suspend/resume, prime/rewind/reservoir, events in journal
# order, restore after a reset, IOB and the bolus calculator.
from delivery import mechanics, settings
from delivery.engine import Engine
from delivery.errors import Rejected
from delivery.iob import Curve
from testkit import raises

MIN = 60000
HOUR = 3600000
WALL = 1700006400  # 2023-11-15 00:00:00 UTC: now_ms 0 is local midnight


def make(profile=None, **sections):
    cfg = {"profiles": {"p": profile or [[0, 0]]}, "active_profile": "p"}
    cfg.update(sections)
    eng = Engine(settings.validate(cfg), 0, full_steps_per_rev=200, microsteps=16)
    eng.set_wall_clock(0, WALL)
    return eng


def run_until(eng, t, end):
    """plan() at every wake up to end; returns (t, forward steps)."""
    n = 0
    while t < end:
        d, k, _hz, wake = eng.plan(t)
        if d > 0:
            n += k
        t = wake if wake < end else end
    d, k, _hz, _w = eng.plan(t)
    return t, n + (k if d > 0 else 0)


def kinds(events):
    return [k for k, _d in events]


def test_steps_per_unit_is_an_exact_reduced_rational():
    cfg = settings.validate({})
    num, den = mechanics.steps_per_mu(cfg["mechanics"], 200, 16)
    assert (num, den) == (2560, 5789)  # 442.2 steps/U, 0.00226 U per microstep
    assert mechanics.gcd(num, den) == 1
    u = mechanics.Units(num, den)
    assert u.mu_to_steps(1000) == 442 and u.steps_to_mu(442) == 999
    assert u.mu_to_steps_up(1000) == 443
    # gear and calibration scale it exactly: 2:1 gear and +2 % steps
    m = dict(cfg["mechanics"])
    m.update({"gear_num": 2, "calibration_ppm": 1020000})
    num2, den2 = mechanics.steps_per_mu(m, 200, 16)
    assert num2 * den * 100 == num * den2 * 2 * 102
    assert mechanics.travel_steps(cfg["mechanics"], 200, 16) == 153600  # 60 mm / 1.25 x 3200


def test_normal_bolus_rounds_down_journals_first_and_ends_exactly():
    eng = make()
    d = eng.bolus(1000, 2070)
    assert d == {"requested_mu": 2070, "now_mu": 2050, "extended_mu": 0, "duration_min": 0,
                 "steps": 906, "deliverable_mu": 2048}
    ev = eng.pop_events()
    assert kinds(ev) == ["bolus_start"] and ev[0][1]["steps"] == 906
    assert eng.steps_commanded == 0  # no step before the start is journaled
    t, n = run_until(eng, 1000, 1000 + 2 * MIN)
    assert n == 906
    end = eng.pop_events()[-1]
    assert end[0] == "bolus_end" and end[1]["delivered_mu"] == 2048 and not end[1]["cancelled"]
    # 2.05 U at 1.5 U/min is 82 s
    assert 1000 + 81900 <= end[1]["at_ms"] <= 1000 + 82000


def test_cancel_returns_exactly_what_was_handed_out():
    eng = make()
    eng.bolus(0, 3000)
    t, n = run_until(eng, 0, 30 * 1000)  # 30 s at 1.5 U/min = 0.75 U due
    r = eng.cancel_bolus(t)
    # steps due after 30 s at 1.5 U/min, by exact integer math: 331
    assert r["steps"] == n == (30000 * 1500 * 2560) // (60000 * 5789) == 331
    assert r["delivered_mu"] == n * 5789 // 2560
    assert r["delivered_mu"] + r["cancelled_mu"] == 3000
    t2, n2 = run_until(eng, t, t + 5 * MIN)
    assert n2 == 0  # nothing after the cancel (profile rate 0)


def test_extended_and_combo_end_exactly_on_time():
    eng = make()
    d = eng.bolus(0, 0, extended_mu=1000, duration_min=60)
    assert eng.pop_events()[0][1]["kind"] == "extended"
    t, n = run_until(eng, 0, 30 * MIN)
    assert n == 442 * 30 // 60  # evenly spread: half the steps at half time
    t, n2 = run_until(eng, t, HOUR - 1)
    assert n + n2 == 441 and eng.active_bolus is not None
    t, n3 = run_until(eng, t, HOUR)
    assert n + n2 + n3 == d["steps"] == 442
    assert eng.pop_events()[-1][1]["at_ms"] == HOUR
    eng.bolus(HOUR, 1000, extended_mu=2000, duration_min=120)
    st = eng.status(HOUR)["bolus"]
    assert st["kind"] == "combo" and st["ends_ms"] == 3 * HOUR
    t, n = run_until(eng, HOUR, HOUR + 41 * 1000)
    assert n >= 442  # the now part went out in the first 40 s


def test_temp_basal_ends_exactly_and_status_reports_it():
    eng = make([[0, 1000]])
    eng.temp_basal(7 * MIN + 123, 15, percent=200)
    s = eng.status(8 * MIN)
    assert s["basal_mu_per_h"] == 2000 and s["scheduled_mu_per_h"] == 1000
    assert s["temp"] == {"percent": 200, "ends_ms": 22 * MIN + 123, "left_min": 14}
    t, n = run_until(eng, 8 * MIN, HOUR)
    ev = eng.pop_events()
    assert kinds(ev) == ["temp_start", "temp_end"]
    assert ev[1][1]["at_ms"] == 22 * MIN + 123 and ev[1][1]["why"] == "done"
    # exact total: 1 U/h for 45 min + 2 U/h for 15 min = 1.25 U, floored once
    assert eng.steps_commanded == 1250 * 2560 // 5789
    assert eng.status(HOUR)["temp"] is None


def test_suspend_stops_everything_and_resume_continues():
    eng = make([[0, 2000]])
    eng.temp_basal(0, 60, percent=50)
    eng.bolus(0, 0, extended_mu=1000, duration_min=60)
    t, n = run_until(eng, 0, 10 * MIN)
    eng.suspend(t)
    assert kinds(eng.pop_events()) == ["temp_start", "bolus_start", "bolus_end", "temp_end",
                                       "suspend"]
    assert eng.status(t)["state"] == "suspended"
    t2, n2 = run_until(eng, t, t + HOUR)
    assert n2 == 0
    eng.resume(t2)
    assert eng.status(t2)["basal_mu_per_h"] == 2000
    t3, n3 = run_until(eng, t2, t2 + HOUR)
    assert 883 <= n3 <= 885  # 2 U/h for an hour = 884.4 steps


def test_no_time_means_no_scheduled_basal():
    cfg = settings.validate({"profiles": {"p": [[0, 2000]]}, "active_profile": "p"})
    eng = Engine(cfg, 0)
    s = eng.status(0)
    assert s["state"] == "no_time" and s["basal_mu_per_h"] == 0
    assert run_until(eng, 0, HOUR)[1] == 0
    eng.temp_basal(HOUR, 60, rate_mu_per_h=1000)  # an absolute temp still runs
    assert 441 <= run_until(eng, HOUR, 2 * HOUR)[1] <= 443


def test_prime_rewind_and_reservoir():
    eng = make([[0, 1000]])
    eng.new_reservoir(0, 10000)
    eng.suspend(0)
    assert eng.prime(0, 500)["steps"] == 221
    t, n = run_until(eng, 0, MIN)
    assert n == 221
    s = eng.status(t)
    assert s["iob_mu"] == 0 and s["delivered_24h_mu"] == 0  # prime is not delivered to the body
    assert s["reservoir_mu"] == (4422 - 221) * 5789 // 2560
    # rewind: back by exactly the steps pushed since power-up is unknown -> full travel
    d = eng.rewind(t)
    assert d["steps"] == 153600
    direction, steps, hz, _w = eng.plan(t)
    assert (direction, steps, hz) == (-1, 153600, 1600)
    raises(Rejected, eng.resume, t)  # not while rewinding
    eng.at_home(t + 10000)  # the home switch stopped it early
    assert eng.position_steps == 0 and eng.status(t)["reservoir_mu"] == 0
    eng.new_reservoir(t, 2000)
    eng.resume(t)
    assert kinds(eng.pop_events()) == ["reservoir", "suspend", "prime", "rewind", "reservoir",
                                       "resume"]


def test_empty_reservoir_stops_delivery_without_overrun():
    eng = make([[0, 10000]], limits={"max_basal_mu_per_h": 10000, "max_per_24h_mu": 250000})
    eng.new_reservoir(0, 100)  # 44 steps
    t, n = run_until(eng, 0, HOUR)
    assert n <= 44
    assert eng.status(t)["state"] == "stopped"
    assert ("stop", "empty") in [(k, d.get("reason")) for k, d in eng.pop_events()]
    # after a refill nothing owed from before the stop catches up in a burst
    eng.new_reservoir(t, 10000)
    eng.resume(t)
    assert eng.plan(t + 1)[1] == 0


def test_confirm_counts_what_the_stepper_issued():
    eng = make([[0, 3000]], limits={"max_basal_mu_per_h": 3000})
    t = 0
    total = 0
    while True:
        d, n, _hz, wake = eng.plan(t)
        eng.confirm(t, n)
        total += n
        if wake > 10 * MIN:
            break
        t = wake
    s = eng.status(t)
    assert total == 3000 * 10 // 60 * 2560 // 5789
    assert s["steps_commanded"] == s["steps_confirmed"] == total


def test_restore_counts_uncertain_bolus_and_resumes_temp_inside_its_window():
    eng = make([[0, 1000]])
    r = eng.restore(0, {
        "deliveries": [(30 * MIN, 2000, "bolus"), (2 * HOUR, 500, "basal"), (HOUR, 999, "prime")],
        "uncertain": {"age_ms": 10 * MIN, "amount_mu": 3000},
        "suspended": False, "temp": {"percent": 0, "left_ms": 20 * MIN + 7},
        "reservoir_mu": 50000, "profile": "p"})
    assert r == {"mode": "delivering", "temp_resumed": True, "uncertain_mu": 3000}
    s = eng.status(0)
    # each record counts rounded up to whole steps; prime is not counted
    assert 5500 <= s["delivered_24h_mu"] <= 5508
    assert 4000 < s["iob_mu"] < 5000
    assert s["bolus"] is None  # never resumed
    assert s["temp"]["ends_ms"] == 20 * MIN + 7
    run_until(eng, 0, HOUR)
    assert eng.pop_events()[0][1]["at_ms"] == 20 * MIN + 7
    eng2 = make([[0, 1000]])
    r = eng2.restore(0, {"suspended": True, "temp": {"percent": 50, "left_ms": MIN}})
    assert r["mode"] == "suspended" and eng2.temp is None
    eng3 = make()
    assert eng3.restore(0, {"temp": {"rate_mu_per_h": 500, "left_ms": 0}})["temp_resumed"] is False


def test_iob_curve_shape():
    c = Curve(360, 75)
    assert c.remaining(0) == 1.0 and c.remaining(360 * MIN) == 0.0
    prev = 1.0
    for m in range(5, 360, 5):
        f = c.remaining(m * MIN)
        assert 0.0 <= f <= prev
        prev = f
    # slow start (little absorbed before the peak), half gone around 2 h
    assert c.remaining(30 * MIN) > 0.9
    assert 0.4 < c.remaining(120 * MIN) < 0.7
    assert c.remaining(300 * MIN) < 0.05


def test_calculator_parts_and_rounding():
    eng = make(calculator={"carb_ratio": [[0, 100], [720, 150]], "isf": [[0, 50]],
                           "target": [[0, 100, 120]]})
    s = eng.calculate_bolus(0, 50, 180)
    assert (s["carbs_mu"], s["correction_mu"], s["iob_mu"], s["suggested_mu"]) == \
        (5000, 1200, 0, 6200)
    s = eng.calculate_bolus(13 * HOUR, 50, 110)  # 15 g/U after noon, BG in range
    assert (s["carbs_mu"], s["correction_mu"], s["suggested_mu"]) == (3333, 0, 3300)
    s = eng.calculate_bolus(0, 10, 75)  # below target: 1 U - 0.5 U
    assert (s["carbs_mu"], s["correction_mu"], s["suggested_mu"]) == (1000, -500, 500)
    s = eng.calculate_bolus(0, 0, 60)
    assert s["suggested_mu"] == 0  # floored at zero
    s = eng.calculate_bolus(0, 200, None)
    assert s["suggested_mu"] == 10000 and s["limited_by"] == "max_bolus"
    eng.bolus(0, 2000)
    run_until(eng, 0, 2 * MIN)
    s = eng.calculate_bolus(2 * MIN, 50, None)
    assert s["iob_mu"] > 1900 and s["suggested_mu"] == (5000 - s["iob_mu"]) // 50 * 50
    starts = [k for k, _d in eng.pop_events() if k == "bolus_start"]
    assert starts == ["bolus_start"]  # only the one we gave: the calculator never delivers


def test_profile_events_and_status_keys():
    eng = make([[0, 1000]])
    eng.set_profile(0, "night", [[0, 400], [360, 800]])
    eng.select_profile(0, "night")
    ev = eng.pop_events()
    assert ev[0] == ("profile", {"at_ms": 0, "name": "night", "segments": [[0, 400], [360, 800]]})
    assert ev[1] == ("profile", {"at_ms": 0, "name": "night"})
    s = eng.status(7 * HOUR)
    for key in ("state", "profile", "scheduled_mu_per_h", "basal_mu_per_h", "temp", "bolus",
                "iob_mu", "reservoir_mu", "hours_left", "delivered_24h_mu", "steps_commanded",
                "steps_confirmed"):
        assert key in s
    assert s["profile"] == "night" and s["scheduled_mu_per_h"] == 800


def test_stop_delivery_moves_nothing_more():
    eng = make([[0, 3000]], limits={"max_basal_mu_per_h": 3000})
    eng.bolus(0, 5000)
    t, n = run_until(eng, 0, 20 * 1000)
    given = eng.active_bolus.steps_out()
    assert eng.steps_commanded == n and given < n  # basal steps too
    eng.temp_basal(t + 5000, 30, percent=50)  # hands out the steps due by then
    eng.stop_delivery(t + 5000, "occlusion")
    assert eng.plan(t + 5000)[1] == 0
    assert run_until(eng, t + 5000, t + HOUR)[1] == 0
    ev = eng.pop_events()
    assert kinds(ev)[-3:] == ["bolus_end", "temp_end", "stop"]
    assert ev[-3][1]["steps"] == given  # what the stepper was given, no more
    assert eng.status(t + HOUR)["state"] == "stopped"
    assert eng.steps_commanded == n
    assert eng.record.sum_total(t + HOUR, 24 * HOUR) == n  # the record took them back too


def test_unissued_steps_are_taken_back_basal_first():
    eng = make([[0, 3000]], limits={"max_basal_mu_per_h": 3000})
    eng.bolus(0, 2000)
    t, n = run_until(eng, 0, 10 * 1000)
    d, k, _hz, _w = eng.plan(t + 2000)  # about 2 s of bolus + maybe a basal step
    assert k >= 2
    given = eng.active_bolus.steps_out()
    eng.unissued(t + 2000, 2)
    assert eng.steps_commanded == n + k - 2
    assert eng.active_bolus.steps_out() >= given - 2
    assert eng.pop_events()[-1] == ("unissued", {"at_ms": t + 2000, "steps": 2})
    eng.stop_delivery(t + 2000, "empty")
    end = [dd for kk, dd in eng.pop_events() if kk == "bolus_end"][0]
    assert end["steps"] + eng.basal_out == n + k - 2
    assert eng.record.sum_total(t + 2000, HOUR) == n + k - 2


def test_apply_config_changes_limits_profiles_and_mechanics():
    eng = make([[0, 1000]])
    cfg = settings.validate({"profiles": {"p": [[0, 2000]], "q": [[0, 500]]},
                             "active_profile": "q", "limits": {"max_bolus_mu": 2000}})
    eng.apply_config(HOUR, cfg)
    assert eng.status(HOUR)["scheduled_mu_per_h"] == 500
    assert raises(Rejected, eng.bolus, HOUR, 2050).code == "max_bolus"
    eng.new_reservoir(HOUR, 10000)
    cfg2 = settings.validate({"mechanics": {"syringe": "bd_10ml"}})
    eng.bolus(HOUR, 1000)
    assert raises(Rejected, eng.apply_config, HOUR, cfg2).code == "busy"
    eng.cancel_bolus(HOUR)
    eng.apply_config(HOUR, cfg2)
    assert (eng.units.num, eng.units.den) == mechanics.steps_per_mu(cfg2["mechanics"], 200, 16)
    assert 9990 <= eng.status(HOUR)["reservoir_mu"] <= 10000
