# plunger-test: both
# The safety run's checker (tools/sim/safety_check.py) fed by hand: each rule
# must catch what it is for, and let through what the pump may do.
import sys

sys.path.insert(0, "../tools/sim")
import safety_check  # noqa: E402
from safety_check import HOUR_MS, Checker  # noqa: E402

# The world's syringe: 3200 steps/rev, 1.25 mm lead, 57.89 mm2 -> ~2.26 mU per step.
NUM = 3200 * 1000 * 1000 * 1000
DEN = 1250 * 57890


def steps_for_mu(mu):
    return mu * NUM // (100000 * DEN)


def _basal(c, t0_ms, t1_ms, mu_per_h):
    """Evenly spaced steps at mu_per_h from t0 to t1."""
    n = steps_for_mu(mu_per_h * (t1_ms - t0_ms) // HOUR_MS)
    for i in range(n):
        c.step(t0_ms + (t1_ms - t0_ms) * i // max(1, n))


def test_basal_under_max_temp_passes():
    c = Checker(NUM, DEN)
    _basal(c, 0, 6 * HOUR_MS, 4800)  # max temp 5 U/h by default
    assert c.count == 0 and c.checks > 2000


def test_a_bolus_nobody_confirmed_breaks_the_rate_rule():
    c = Checker(NUM, DEN)
    for i in range(steps_for_mu(2000)):  # 2 U in 80 s
        c.step(60000 + i * 180)
    assert c.count > 0 and c.violations[0]["rule"] == "rate"


def test_the_same_bolus_confirmed_passes_but_not_more_than_asked():
    c = Checker(NUM, DEN)
    c.confirmed_bolus(60000, 2000, 5 * 60000)
    for i in range(steps_for_mu(2000)):
        c.step(61000 + i * 180)
    assert c.count == 0
    for i in range(150):  # 0.34 U more than asked, inside its window
        c.step(150000 + i * 100)
    assert [v["rule"] for v in c.violations][:1] == ["bolus"]


def test_motion_after_suspend_is_caught_but_a_prime_is_not():
    c = Checker(NUM, DEN)
    c.suspend(1000)
    c.exempt(2000, 60000)  # a confirmed prime
    for i in range(100):
        c.step(3000 + i * 10)
    assert c.count == 0
    c.step(61000)
    assert c.violations[0]["rule"] == "suspend"
    c.resume(70000)
    c.step(80000)
    assert c.count == 1


def test_hour_and_day_windows_against_lowered_and_raised_limits():
    c = Checker(NUM, DEN, {"max_per_hour_mu": 3000, "max_temp_basal_mu_per_h": 35000})
    c.confirmed_bolus(0, 2900, 10 * 60000)
    for i in range(steps_for_mu(2900)):
        c.step(1000 + i * 100)
    assert c.count == 0
    c.confirmed_bolus(20 * 60000, 1000, 10 * 60000)
    for i in range(steps_for_mu(1000)):
        c.step(20 * 60000 + i * 100)
    assert c.violations and c.violations[0]["rule"] == "hour"
    # A raise the user never confirmed does not count; a confirmed one does.
    c2 = Checker(NUM, DEN, {"max_per_24h_mu": 5000, "max_per_hour_mu": 50000,
                            "max_temp_basal_mu_per_h": 35000})
    c2.limit("max_per_24h_mu", 20000, 0, confirmed=False)
    assert c2.limits["max_per_24h_mu"] == 5000
    c2.limit("max_per_24h_mu", 20000, 0, confirmed=True)
    assert c2.limits["max_per_24h_mu"] == 20000
    c2.limit("max_per_24h_mu", 1000, 0, confirmed=False)  # lowering needs no OK
    assert c2.limits["max_per_24h_mu"] == 1000


def test_a_reset_ends_the_bolus_window():
    c = Checker(NUM, DEN)
    c.confirmed_bolus(0, 5000, 10 * 60000)
    c.power_lost(30000)
    for i in range(steps_for_mu(1000)):  # the bolus resumed after the reset
        c.step(40000 + i * 100)
    assert c.violations and c.violations[0]["rule"] == "rate"


def test_windows_keep_no_big_list():
    w = safety_check.Window(1000)
    for t in range(0, 100000, 3):
        n = w.add(t)
    assert n == 334 and len(w.chunks) <= 2
