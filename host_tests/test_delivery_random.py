# Random profiles, temp basals, boluses, cancels, suspends and profile
# switches against the independent oracle (CPython only: hypothesis). Time is
# driven by jumping to each plan() wake_ms plus random observation points;
# at every observed instant the commanded steps must equal the oracle's floor.
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from delivery import settings as config
from delivery.engine import Engine
from oracle import BD3_M8, DAY_MS, HOUR_MS, Checker, Fraction, Oracle, run_script

MIN = 60000
# PLUNGER_ORACLE_SCALE=20 runs 20x the examples (a long sweep, by hand).
SCALE = int(os.environ.get("PLUNGER_ORACLE_SCALE", "1"))
FIGURES = {"cases": 0, "worst": 0, "observations": 0}


@st.composite
def profiles(draw, top_mu_per_h):
    starts = sorted(draw(st.sets(st.integers(1, 47), max_size=47)))
    segs = [[0, draw(st.integers(0, top_mu_per_h))]]
    for s in starts:
        segs.append([s * 30, draw(st.integers(0, top_mu_per_h))])
    return segs


def commands(hours):
    t = st.integers(0, hours * HOUR_MS)
    dur = st.integers(1, 96).map(lambda n: n * 15)
    return st.one_of(
        st.tuples(t, st.just("bolus"), st.fixed_dictionaries({"now_mu": st.integers(0, 5000)})),
        st.tuples(t, st.just("bolus"), st.fixed_dictionaries({
            "now_mu": st.integers(0, 3000), "extended_mu": st.integers(0, 4000),
            "duration_min": st.integers(1, 48).map(lambda n: n * 15)})),
        st.tuples(t, st.just("cancel_bolus"), st.just({})),
        st.tuples(t, st.just("temp_basal"), st.fixed_dictionaries({
            "duration_min": dur, "percent": st.integers(0, 250)})),
        st.tuples(t, st.just("temp_basal"), st.fixed_dictionaries({
            "duration_min": dur, "rate_mu_per_h": st.integers(0, 4000)})),
        st.tuples(t, st.just("cancel_temp_basal"), st.just({})),
        st.tuples(t, st.just("suspend"), st.just({})),
        st.tuples(t, st.just("resume"), st.just({})),
        st.tuples(t, st.just("select_profile"), st.fixed_dictionaries({
            "name": st.sampled_from(("a", "b"))})),
    )


def _run(profs, wall_s, script, observe, hours):
    cfg = config.validate({
        "limits": {"max_bolus_mu": 25000, "max_basal_mu_per_h": 35000,
                   "max_temp_basal_mu_per_h": 35000, "max_per_hour_mu": 50000,
                   "max_per_24h_mu": 250000, "max_iob_mu": 60000},
        "profiles": profs, "active_profile": "a"})

    def make():
        eng = Engine(cfg, 0, full_steps_per_rev=200, microsteps=16)
        eng.set_wall_clock(0, wall_s)
        return eng

    script = sorted(script, key=lambda c: c[0])
    end = hours * HOUR_MS
    accepted = run_script(make(), script, end, sorted(observe))
    orc = Oracle(BD3_M8, profs, "a", wall_s * 1000 % DAY_MS, 1500, accepted)
    chk = Checker(orc, Fraction(35))
    assert run_script(make(), script, end, sorted(observe), chk.observe) == accepted
    FIGURES["cases"] += 1
    FIGURES["observations"] += chk.count
    FIGURES["worst"] = max(FIGURES["worst"], chk.worst)
    assert chk.worst == 0
    return chk


@settings(max_examples=8 * SCALE, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(profiles(2500), profiles(2500), st.integers(0, 2 ** 32),
       st.lists(commands(72), max_size=24), st.lists(st.integers(0, 72 * HOUR_MS), max_size=60))
def test_random_72_hours_match_the_oracle(pa, pb, wall_s, script, observe):
    _run({"a": pa, "b": pb}, wall_s, script, observe, 72)


@settings(max_examples=40 * SCALE, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(profiles(3000), profiles(3000), st.integers(0, 2 ** 32),
       st.lists(commands(6), max_size=20), st.lists(st.integers(0, 6 * HOUR_MS), max_size=60))
def test_random_6_hours_dense_commands_match_the_oracle(pa, pb, wall_s, script, observe):
    _run({"a": pa, "b": pb}, wall_s, script, observe, 6)


def test_zz_report_figures():
    # Runs after the property tests (pytest keeps file order); shown with -s.
    print("\ndelivery oracle figures: %r" % (FIGURES,))
    assert FIGURES["worst"] == 0
