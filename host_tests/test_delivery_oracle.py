# plunger-test: both
# The engine against the independent oracle (host_tests/oracle.py) over 72
# simulated hours: at every observed instant the commanded steps equal the
# oracle's floor, each basal step goes out the very ms it falls due, and the
# gap between basal steps is one step of ideal delivery. Fixed cases here run
# on both runtimes; test_delivery_random.py adds hypothesis cases on CPython.
from delivery import settings
from delivery.engine import Engine
from oracle import BD3_M8, DAY_MS, HOUR_MS, Checker, Fraction, Oracle, run_script

MIN = 60000

PROFILES = {
    "week": [[0, 850], [90, 1230], [360, 0], [420, 2015], [720, 35000], [750, 415],
             [1410, 5]],
    "alt": [[0, 1000], [30, 333], [1380, 777]],
    "flat": [[0, 1500]],
}


def make(active="week", wall_s=86400 * 20000 + 23 * 3600 + 47 * 60 + 13):
    cfg = settings.validate({
        "limits": {"max_bolus_mu": 25000, "max_basal_mu_per_h": 35000,
                   "max_temp_basal_mu_per_h": 35000, "max_per_hour_mu": 50000,
                   "max_per_24h_mu": 250000, "max_iob_mu": 60000},
        "profiles": PROFILES, "active_profile": active,
        "delivery": {"bolus_rate_mu_per_min": 1500, "bolus_increment_mu": 50},
    })
    eng = Engine(cfg, 0, full_steps_per_rev=200, microsteps=16)
    eng.set_wall_clock(0, wall_s)
    return eng, wall_s * 1000 % DAY_MS


def run(script, active="week", end_ms=72 * HOUR_MS, every_ms=7 * MIN + 13):
    # Twice: once to learn which commands the engine accepts (the oracle
    # models only those), then again checking each observation as it comes.
    eng, off = make(active)
    observe = range(0, end_ms, every_ms)
    accepted = run_script(eng, script, end_ms, observe)
    orc = Oracle(BD3_M8, PROFILES, active, off, 1500, accepted)
    chk = Checker(orc, Fraction(35))
    eng, off = make(active)
    assert run_script(eng, script, end_ms, observe, chk.observe) == accepted
    return eng, accepted, chk.worst, chk.gap_worst, chk.nsteps


SCRIPT = [
    (1 * HOUR_MS + 1, "bolus", {"now_mu": 3050}),
    (2 * HOUR_MS + 13 * MIN + 7, "temp_basal", {"duration_min": 90, "percent": 100}),
    (5 * HOUR_MS, "select_profile", {"name": "alt"}),
    (6 * HOUR_MS + 333, "temp_basal", {"duration_min": 45, "rate_mu_per_h": 1234}),
    (6 * HOUR_MS + 20 * MIN + 1, "cancel_temp_basal", {}),
    (7 * HOUR_MS + 5, "bolus", {"now_mu": 1000, "extended_mu": 2000, "duration_min": 120}),
    (7 * HOUR_MS + 50 * MIN + 17, "cancel_bolus", {}),
    (9 * HOUR_MS + 1234, "suspend", {}),
    (9 * HOUR_MS + 47 * MIN + 3, "resume", {}),
    (11 * HOUR_MS, "bolus", {"now_mu": 0, "extended_mu": 4550, "duration_min": 195}),
    (11 * HOUR_MS + 30 * MIN, "temp_basal", {"duration_min": 1440, "percent": 0}),
    (12 * HOUR_MS, "suspend", {}),  # cuts the extended bolus and the temp basal
    (12 * HOUR_MS + 1, "resume", {}),
    (23 * HOUR_MS + 59 * MIN + 59999, "select_profile", {"name": "week"}),
    (30 * HOUR_MS + 17, "temp_basal", {"duration_min": 15, "percent": 101}),  # 35.35 U/h: refused
    (30 * HOUR_MS + 5 * MIN, "temp_basal", {"duration_min": 30, "percent": 35}),  # replaces
    (40 * HOUR_MS + 1, "bolus", {"now_mu": 12345}),  # rounds down to 12.300 U
    (40 * HOUR_MS + 2, "bolus", {"now_mu": 1000}),  # rejected: one at a time
    (50 * HOUR_MS, "temp_basal", {"duration_min": 120, "rate_mu_per_h": 35000}),
    (71 * HOUR_MS, "bolus", {"now_mu": 5000, "extended_mu": 5000, "duration_min": 720}),
]


def test_fixed_script_matches_oracle_for_72_hours():
    eng, accepted, worst, gap, nsteps = run(SCRIPT)
    assert worst == 0
    refused = [c for c in SCRIPT if c not in accepted]
    assert [c[0] for c in refused] == [30 * HOUR_MS + 17, 40 * HOUR_MS + 2]
    assert nsteps > 10000
    assert eng.pop_events()


def test_flat_rate_gaps_are_the_rate_implied():
    # 1.5 U/h with BD 3 mL: 663.3 steps/h, a step every 5427.3 ms. Every gap is
    # 5427 or 5428 ms: the rate's interval, never a rounded-off drift.
    eng, off = make("flat")
    gaps = set()
    last = None
    t = 0
    while t < 72 * HOUR_MS:
        _d, n, _hz, wake = eng.plan(t)
        if n:
            assert n == 1
            if last is not None:
                gaps.add(t - last)
            last = t
        t = wake
    assert gaps == {5427, 5428}
    # and the count after 72 h is the exact floor
    assert eng.steps_commanded == (Fraction(3, 2) * 72 * BD3_M8) // 1


def test_midnight_profile_switch_and_temp_end_inside_a_step_interval():
    # Each change lands between two steps; the part-step carries over.
    script = [
        (HOUR_MS // 4 + 777, "temp_basal", {"duration_min": 15, "percent": 200}),
        (HOUR_MS + 3001, "select_profile", {"name": "flat"}),
        (HOUR_MS + 2 * 3001, "select_profile", {"name": "week"}),
    ]
    eng, accepted, worst, gap, nsteps = run(script, "alt", end_ms=3 * HOUR_MS, every_ms=997)
    assert worst == 0 and len(accepted) == 3
