# plunger-test: both
# Every limit at, just below and just above; every rejection says which limit
# and by how much, and leaves the whole engine state unchanged.
from delivery import settings
from delivery.engine import Engine
from delivery.errors import Rejected
from testkit import raises

MIN = 60000
HOUR = 3600000
TOP = {"max_bolus_mu": 25000, "max_basal_mu_per_h": 35000, "max_temp_basal_mu_per_h": 35000,
       "max_per_hour_mu": 50000, "max_per_24h_mu": 250000, "max_iob_mu": 60000}


def snapshot(obj):
    """The engine's whole state as plain data, to compare before/after."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [snapshot(x) for x in obj]
    if isinstance(obj, dict):
        return dict((k, snapshot(v)) for k, v in obj.items())
    d = dict((k, snapshot(v)) for k, v in obj.__dict__.items())
    d["__class__"] = type(obj).__name__
    return d


def make(limits=None, profile=None, **sections):
    lim = dict(TOP)
    lim.update(limits or {})
    cfg = {"limits": lim, "profiles": {"p": profile or [[0, 0]]}, "active_profile": "p"}
    cfg.update(sections)
    eng = Engine(settings.validate(cfg), 0)
    eng.set_wall_clock(0, 1700000000)
    return eng


def refused(eng, code, name, *args, **kwargs):
    before = snapshot(eng)
    e = raises(Rejected, getattr(eng, name), *args, **kwargs)
    assert e.code == code, (e.code, str(e))
    assert snapshot(eng) == before, name
    return str(e)


def deliver(eng, t, mu):
    """Start a bolus at t and run plan() until it is done; returns end time."""
    eng.bolus(t, mu)
    while eng.active_bolus is not None:
        t = eng.plan(t)[3]
    return t


def test_max_bolus_at_below_above():
    eng = make({"max_bolus_mu": 10000})
    assert eng.preview_bolus(0, 10000)["now_mu"] == 10000
    assert eng.preview_bolus(0, 9950)["now_mu"] == 9950
    assert eng.preview_bolus(0, 10049)["now_mu"] == 10000  # rounds down to the increment
    msg = refused(eng, "max_bolus", "bolus", 0, 10050)
    assert msg == "bolus 10.050 U is above max bolus 10.000 U by 0.050 U"
    # the extended part counts too
    refused(eng, "max_bolus", "bolus", 0, 5000, extended_mu=5050, duration_min=60)
    assert eng.bolus(0, 5000, extended_mu=5000, duration_min=60)["extended_mu"] == 5000


def test_ceiling_wins_over_a_config_that_slipped_past_validation():
    eng = make()
    eng.cfg["limits"]["max_bolus_mu"] = 40000  # as if a bad file were poked in
    eng.preview_bolus(0, 25000)
    refused(eng, "max_bolus", "bolus", 0, 25050)


def test_max_per_hour_at_below_above():
    eng = make()
    t = deliver(eng, 0, 8000)
    already = eng.delivered_mu(t, HOUR)
    assert already == 7999  # 3537 steps x 2.2613 mU, rounded up
    eng.cfg["limits"]["max_per_hour_mu"] = already + 7000
    eng.preview_bolus(t, 7000)
    eng.preview_bolus(t, 6950)
    msg = refused(eng, "max_per_hour", "bolus", t, 7050)
    assert "above max per hour 14.999 U by 0.050 U" in msg
    # the window counts one 5-minute bucket more than the hour (steps leave
    # the stepper a little after they are recorded): 65 min after the bolus
    # started it still counts whole; more than 65 min after its last bucket
    # it no longer counts
    refused(eng, "max_per_hour", "bolus", HOUR + 5 * MIN, 7050)
    eng.preview_bolus(t + HOUR + 10 * MIN, 7050)


def test_max_per_24h_at_below_above():
    eng = make()
    t = deliver(eng, 0, 8000)
    eng.cfg["limits"]["max_per_24h_mu"] = 7999 + 5000
    t += 2 * HOUR
    eng.preview_bolus(t, 5000)
    eng.preview_bolus(t, 4950)
    assert "by 0.050 U" in refused(eng, "max_per_24h", "bolus", t, 5050)
    eng.preview_bolus(t + 24 * HOUR, 5050)


def test_basal_counts_in_the_24h_total():
    eng = make(profile=[[0, 2000]])
    t = 0
    while t < 10 * HOUR:
        t = eng.plan(t)[3]
    assert 19990 <= eng.delivered_mu(t, 24 * HOUR) <= 20010
    eng.cfg["limits"]["max_per_24h_mu"] = eng.delivered_mu(t, 24 * HOUR) + 1000
    eng.preview_bolus(t, 1000)
    refused(eng, "max_per_24h", "bolus", t, 1050)


def test_max_iob_at_below_above():
    eng = make()
    t = deliver(eng, 0, 8000)
    iob = eng.iob_mu(t)
    assert 7900 <= iob <= 8000
    eng.cfg["limits"]["max_iob_mu"] = iob + 2000
    eng.preview_bolus(t, 2000)
    eng.preview_bolus(t, 1950)
    assert "max IOB" in refused(eng, "max_iob", "bolus", t, 2050)


def test_max_basal_in_profiles():
    eng = make({"max_basal_mu_per_h": 3000})
    eng.set_profile(0, "q", [[0, 3000], [30, 2990]])
    msg = refused(eng, "max_basal", "set_profile", 0, "q", [[0, 3001]])
    assert msg == "rate 3.001 U/h is above max basal 3.000 U/h by 0.001 U/h"
    refused(eng, "bad_profile", "set_profile", 0, "q", [[0, 100], [45, 100]])
    refused(eng, "bad_profile", "set_profile", 0, "", [[0, 100]])
    refused(eng, "no_profile", "select_profile", 0, "zz")


def test_max_temp_basal_absolute_and_percent():
    eng = make({"max_temp_basal_mu_per_h": 5000}, profile=[[0, 1000], [600, 2000]])
    eng.temp_basal(0, 30, rate_mu_per_h=5000)
    eng.temp_basal(0, 30, rate_mu_per_h=4999)
    assert "by 0.001 U/h" in refused(eng, "max_temp_basal", "temp_basal", 0, 30,
                                     rate_mu_per_h=5001)
    # percent checks against the profile's highest rate (2 U/h): 250 % = 5 U/h
    eng.temp_basal(0, 30, percent=250)
    eng.temp_basal(0, 30, percent=249)
    eng.cfg["limits"]["max_temp_basal_mu_per_h"] = 4999
    refused(eng, "max_temp_basal", "temp_basal", 0, 30, percent=250)
    refused(eng, "max_temp_percent", "temp_basal", 0, 30, percent=251)
    refused(eng, "max_temp_percent", "temp_basal", 0, 30, percent=-1)
    refused(eng, "bad_request", "temp_basal", 0, 30)
    refused(eng, "bad_request", "temp_basal", 0, 30, percent=100, rate_mu_per_h=100)


def test_durations_at_below_above():
    eng = make()
    for ok in (15, 30, 1440):
        eng.temp_basal(0, ok, percent=50)
    for no in (0, 14, 16, 1455):
        refused(eng, "bad_duration", "temp_basal", 0, no, percent=50)
    eng.preview_bolus(0, 0, extended_mu=1000, duration_min=15)
    eng.preview_bolus(0, 0, extended_mu=1000, duration_min=720)
    for no in (0, 14, 721, 735):
        refused(eng, "bad_duration", "bolus", 0, 0, extended_mu=1000, duration_min=no)
    refused(eng, "bad_request", "bolus", 0, 1000, duration_min=30)


def test_one_bolus_at_a_time_and_small_requests():
    eng = make()
    eng.bolus(0, 1000)
    msg = refused(eng, "bolus_running", "bolus", 1000, 1000)
    assert "cancel it first" in msg
    eng.cancel_bolus(1000)
    assert "rounds down to 0 U" in refused(eng, "below_increment", "bolus", 1000, 49)
    refused(eng, "bad_amount", "bolus", 1000, -50)
    refused(eng, "no_bolus", "cancel_bolus", 1000)
    refused(eng, "no_temp", "cancel_temp_basal", 1000)


def test_reservoir_at_below_above():
    eng = make()
    eng.new_reservoir(0, 1000)
    eng.pop_events()
    eng.preview_bolus(0, 1000)  # 442 steps, exactly what the reservoir holds
    msg = refused(eng, "reservoir", "bolus", 0, 1050)
    assert "reservoir holds 0.999 U" in msg
    refused(eng, "bad_amount", "new_reservoir", 0, 300001)


def test_suspended_and_stopped_refuse_delivery():
    eng = make()
    eng.suspend(0)
    refused(eng, "suspended", "bolus", 0, 1000)
    refused(eng, "suspended", "temp_basal", 0, 30, percent=50)
    refused(eng, "already_suspended", "suspend", 0)
    refused(eng, "max_prime", "prime", 0, 30001)
    refused(eng, "max_prime", "prime", 0, 0)
    eng.resume(0)
    refused(eng, "not_suspended", "resume", 0)
    refused(eng, "not_suspended", "prime", 0, 1000)
    refused(eng, "not_suspended", "rewind", 0)
    eng.stop_delivery(0, "occlusion")
    refused(eng, "stopped", "bolus", 0, 1000)
    eng.resume(0)
    eng.bolus(0, 1000)


def test_calculator_input_checks_change_nothing():
    eng = make()
    refused(eng, "bad_carbs", "calculate_bolus", 0, -1, None)
    refused(eng, "bad_bg", "calculate_bolus", 0, 10, 19)
    refused(eng, "bad_bg", "calculate_bolus", 0, 10, 601)
