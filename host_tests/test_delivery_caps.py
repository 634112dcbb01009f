# plunger-test: both
# Limits bound the steps actually handed to the motor, not only the commands:
# a percent temp re-capped when the profile under it changes, a lowered max
# temp basal taking effect at once, and no rolling hour or 24 h above its
# limit whatever mix of temp basal and boluses runs (issue 15 items 1, 2).
# The windows are checked here exactly, step batch by step batch, by code that
# shares nothing with the engine's 5-minute record.
from array import array

from delivery import settings
from delivery.engine import Engine
from delivery.errors import ConfigError, Rejected
from testkit import raises

MIN = 60000
HOUR = 3600000
DAY = 24 * HOUR
WALL = 1700006400  # now_ms 0 is local midnight
TOP = {"max_bolus_mu": 25000, "max_basal_mu_per_h": 35000, "max_temp_basal_mu_per_h": 35000,
       "max_per_hour_mu": 50000, "max_per_24h_mu": 250000, "max_iob_mu": 60000}
# 35 U/h for the first hour of the day, 1 U/h after: 58 U a day.
HIGH = [[0, 35000], [60, 1000]]


def make(limits=None, profiles=None, active="low"):
    lim = dict(TOP)
    lim.update(limits or {})
    cfg = {"limits": lim, "profiles": profiles or {"low": [[0, 1000]], "high": HIGH},
           "active_profile": active}
    eng = Engine(settings.validate(cfg), 0)
    eng.set_wall_clock(0, WALL)
    return eng


class Log:
    """Forward steps handed out, in bins of bin_ms (a step counts at the
    start of its bin, so a window holds at least the steps it truly holds
    and never fewer than the engine's own 5-minute record)."""

    def __init__(self, bin_ms=1000):
        self.bin_ms = bin_ms
        self.t = array("l")
        self.n = array("l")

    def add(self, t, n):
        b = t // self.bin_ms * self.bin_ms
        if self.t and self.t[-1] == b:
            self.n[-1] += n
        else:
            self.t.append(b)
            self.n.append(n)

    def total(self):
        return sum(self.n)

    def worst(self, window_ms):
        """Most steps in any rolling window (t - window, t]."""
        worst = s = j = 0
        t, n = self.t, self.n
        for i in range(len(t)):
            s += n[i]
            while t[j] + self.bin_ms <= t[i] - window_ms:
                s -= n[j]
                j += 1
            worst = s if s > worst else worst
        return worst


def run(eng, t, end, log, issued=None):
    """plan() at every wake up to end, logging the forward steps as handed
    out and (issued) at the times a stepper at rate_hz would issue them."""
    while t < end:
        d, n, hz, wake = eng.plan(t)
        if d > 0 and n:
            log.add(t, n)
            if issued is not None:
                for k in range(n):
                    issued.add(t + (k + 1) * 1000 // hz, 1)
        t = wake if wake < end else end
    return t


def steps(eng, mu):
    return eng.units.mu_to_steps(mu)


def kinds(eng):
    return [k for k, _d in eng.pop_events()]


def test_percent_temp_is_recapped_when_the_profile_under_it_is_selected():
    eng = make()
    eng.temp_basal(0, 60, percent=250)  # 2.5 U/h on the 1 U/h profile
    eng.select_profile(0, "high")  # 35 U/h now: 250 % would be 87.5 U/h
    assert "temp_capped" in kinds(eng)
    log = Log()
    run(eng, 0, HOUR, log)
    n = log.total()
    assert steps(eng, 35000) - 2 <= n <= steps(eng, 35000)  # held at max temp basal


def test_percent_temp_is_recapped_when_the_active_profile_is_edited():
    eng = make()
    eng.temp_basal(0, 60, percent=250)
    eng.set_profile(0, "low", HIGH)
    assert "temp_capped" in kinds(eng)
    log = Log()
    run(eng, 0, HOUR, log)
    assert log.total() <= steps(eng, 35000)


def test_lowering_max_temp_basal_caps_a_running_temp_at_once():
    eng = make({"max_temp_basal_mu_per_h": 5000})
    eng.temp_basal(0, 120, rate_mu_per_h=5000)
    log = Log()
    t = run(eng, 0, HOUR, log)
    cfg = dict(eng.cfg)
    cfg["limits"] = dict(cfg["limits"])
    cfg["limits"]["max_temp_basal_mu_per_h"] = 2000
    eng.apply_config(t, settings.validate(cfg))
    assert "temp_capped" in kinds(eng)
    second = Log()
    run(eng, t, 2 * HOUR, second)
    assert steps(eng, 2000) - 2 <= second.total() <= steps(eng, 2000) + 1


def test_basal_above_max_basal_never_runs_even_if_a_profile_slipped_past_checks():
    eng = make({"max_basal_mu_per_h": 3000}, profiles={"low": [[0, 1000]]})
    eng.profiles["low"] = [[0, 40000]]  # as if poked in around the checks
    eng._invalidate()
    log = Log()
    run(eng, 0, HOUR, log)
    assert log.total() <= steps(eng, 3000)


def test_temp_plus_bolus_never_above_the_hourly_limit():
    # All limits at their ceilings: 35 U/h temp plus a 25 U bolus gave
    # 59.99 U in one hour against the 50 U ceiling.
    eng = make()
    eng.temp_basal(0, 60, rate_mu_per_h=35000)
    eng.bolus(0, 25000)
    log = Log()
    issued = Log()
    t = run(eng, 0, 50 * MIN, log, issued)
    assert eng.status(t)["capped"] == "max_per_hour"
    run(eng, t, 3 * HOUR, log, issued)
    assert log.worst(HOUR) <= steps(eng, 50000)
    assert issued.worst(HOUR) <= steps(eng, 50000)  # by the steps' real times too
    assert log.worst(HOUR) >= steps(eng, 50000) - 2  # held at the limit, not far below
    ev = eng.pop_events()
    got = [k for k, _d in ev]
    assert "limit" in got and "limit_end" in got
    held = [d for k, d in ev if k == "limit_end"][0]
    assert held["limit"] == "max_per_hour" and held["held_mu"] > 8000
    # the bolus itself was given whole: basal gave way
    end = [d for k, d in ev if k == "bolus_end"][0]
    assert end["delivered_mu"] >= 24990 and not end["cancelled"]


def test_a_temp_that_alone_breaks_a_window_is_refused():
    eng = make({"max_per_24h_mu": 80000, "max_temp_basal_mu_per_h": 5000,
                "max_per_hour_mu": 15000, "max_bolus_mu": 10000, "max_basal_mu_per_h": 3000},
               profiles={"low": [[0, 1000]]})
    before = eng.t_ms
    e = raises(Rejected, eng.temp_basal, 0, 1440, rate_mu_per_h=5000)  # 120 U a day
    assert e.code == "max_per_24h" and "above max per 24 h 80.000 U by 40.000 U" in str(e)
    assert eng.temp is None and eng.t_ms == before and not eng.events
    eng.temp_basal(0, 960, rate_mu_per_h=5000)  # 16 h: exactly 80 U
    raises(Rejected, eng.temp_basal, 0, 975, rate_mu_per_h=5000)
    p = eng.preview_temp_basal(0, 60, percent=250)
    assert p == {"duration_min": 60, "peak_mu_per_h": 2500}


def test_limits_that_contradict_each_other_are_rejected():
    # max 2 U per hour with the default 5 U/h max temp: a 5 U/h temp was accepted
    e = raises(ConfigError, settings.validate, {"limits": {"max_per_hour_mu": 2000}})
    assert e.field == "limits.max_bolus_mu"
    e = raises(ConfigError, settings.validate, {"limits": {
        "max_per_hour_mu": 2000, "max_bolus_mu": 2000, "max_basal_mu_per_h": 2000}})
    assert e.field == "limits.max_temp_basal_mu_per_h" and "max_per_hour_mu 2000" in e.reason
    e = raises(ConfigError, settings.validate, {"limits": {"max_per_24h_mu": 10000}})
    assert e.field == "limits.max_per_hour_mu"
    e = raises(ConfigError, settings.validate, {"limits": {"max_iob_mu": 5000}})
    assert e.field == "limits.max_bolus_mu"
    # the compiled ceilings: a whole day at the 35 U/h basal ceiling does not
    # fit the 250 U per 24 h ceiling, so such a profile is refused
    e = raises(ConfigError, settings.validate, {"limits": TOP, "profiles": {"p": [[0, 35000]]},
                                               "active_profile": "p"})
    assert e.field == "profiles.p" and "840000 mU a day" in e.reason
    for low, high in settings.LIMIT_ORDER:
        assert settings.CEILINGS[low] <= settings.CEILINGS[high], (low, high)


def test_temp_and_boluses_never_above_the_24h_limit():
    lim = {"max_per_24h_mu": 80000, "max_temp_basal_mu_per_h": 5000, "max_per_hour_mu": 15000,
           "max_bolus_mu": 10000, "max_basal_mu_per_h": 3000, "max_iob_mu": 20000}
    eng = make(lim, profiles={"low": [[0, 1000]]})
    log = Log(60000)
    t = 0
    eng.temp_basal(t, 900, rate_mu_per_h=5000)  # 75 U by itself, within the limit
    for k in range(6):
        t = run(eng, t, (k + 1) * 3 * HOUR, log)
        try:
            eng.bolus(t, 10000)
        except Rejected as e:
            assert e.code in ("max_per_24h", "max_iob", "max_per_hour"), e.code
    run(eng, t, 3 * DAY, log)
    assert log.worst(DAY) <= steps(eng, 80000)
    assert log.worst(HOUR) <= steps(eng, 15000)
    got = kinds(eng)
    assert "limit" in got


def test_lowering_max_bolus_or_iob_ends_a_running_bolus_that_no_longer_fits():
    eng = make(profiles={"low": [[0, 0]]})
    eng.bolus(0, 0, extended_mu=10000, duration_min=120)
    run(eng, 0, 30 * MIN, Log())
    cfg = dict(eng.cfg)
    cfg["limits"] = dict(cfg["limits"])
    cfg["limits"]["max_bolus_mu"] = 5000
    eng.apply_config(30 * MIN, settings.validate(cfg))
    assert eng.active_bolus is None
    end = [d for k, d in eng.pop_events() if k == "bolus_end"][0]
    assert end["why"] == "max_bolus" and end["cancelled"]
    assert 2400 <= end["delivered_mu"] <= 2500
    log = Log()
    run(eng, 30 * MIN, 3 * HOUR, log)
    assert log.total() == 0
