# Random mixes of basal profiles, temp basals (percent and absolute), boluses
# of every kind, cancels, suspends, profile switches and edits and config
# changes under random consistent limits (CPython only: hypothesis). The
# steps handed to the motor are logged with their times; no rolling hour or
# 24 h may hold more than its limit, whatever ran (issue 15 items 1, 2).
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from delivery import settings as config
from delivery.engine import Engine
from delivery.errors import Rejected
from test_delivery_caps import Log

HOUR = 3600000
DAY = 24 * HOUR
HOURS = 26
STATS = {"runs": 0, "accepted": 0, "refused": 0, "worst_hour_pct": 0, "near_limit": 0}


@st.composite
def limit_sets(draw):
    # Tight enough that a temp basal and boluses meet the limits often; each
    # limit a large fraction of what it must fit in.
    day = draw(st.integers(20, 120)) * 1000
    hour = draw(st.integers(3, 15)) * 1000
    temp = hour * draw(st.integers(40, 100)) // 100
    basal = min(5000, hour * draw(st.integers(10, 40)) // 100)
    iob = draw(st.integers(hour // 2, 60000))
    bolus = min(25000, hour, iob) * draw(st.integers(50, 100)) // 100
    return {"max_per_24h_mu": day, "max_per_hour_mu": hour, "max_temp_basal_mu_per_h": temp,
            "max_basal_mu_per_h": basal, "max_iob_mu": iob, "max_bolus_mu": bolus}


@st.composite
def profile(draw, top):
    starts = sorted(draw(st.sets(st.integers(1, 47), max_size=6)))
    segs = [[0, draw(st.integers(0, top))]]
    for s in starts:
        segs.append([s * 30, draw(st.integers(0, top))])
    return segs


def commands():
    # Amounts are per cent of the limit they meet (above 100: refused).
    # Times cluster on a few hours of the day, so that commands pile up
    # within the same window.
    t = st.builds(lambda h, m: h * HOUR + m * 300000, st.sampled_from((0, 1, 2, 6, 12, 23, 24)),
                  st.integers(0, 11))
    dur = st.integers(1, 96).map(lambda n: n * 15)
    pct = st.integers(30, 110)
    return st.one_of(
        st.tuples(t, st.just("bolus"), st.tuples(pct, st.just(0), st.just(0))),
        st.tuples(t, st.just("bolus"), st.tuples(st.integers(0, 60), st.integers(20, 60),
                                                 st.integers(1, 48).map(lambda n: n * 15))),
        st.tuples(t, st.just("temp_abs"), st.tuples(st.sampled_from((600, 960, 1440)), pct)),
        st.tuples(t, st.just("temp_abs"), st.tuples(dur, pct)),
        st.tuples(t, st.just("temp_pct"), st.tuples(dur, st.integers(100, 250))),
        st.tuples(t, st.just("cancel_bolus"), st.just(())),
        st.tuples(t, st.just("cancel_temp_basal"), st.just(())),
        st.tuples(t, st.just("suspend"), st.just(())),
        st.tuples(t, st.just("resume"), st.just(())),
        st.tuples(t, st.just("select_profile"), st.tuples(st.sampled_from(("a", "b")))),
        st.tuples(t, st.just("set_profile"), st.tuples(st.sampled_from(("a", "b")), pct)),
        st.tuples(t, st.just("lower_temp_cap"), st.tuples(pct)),
    )


def _do(eng, t, name, args):
    lim = eng.cfg["limits"]
    if name == "bolus":
        top = lim["max_bolus_mu"]
        eng.bolus(t, top * args[0] // 100, top * args[1] // 100, args[2])
    elif name == "temp_pct":
        eng.temp_basal(t, args[0], percent=args[1])
    elif name == "temp_abs":
        eng.temp_basal(t, args[0], rate_mu_per_h=lim["max_temp_basal_mu_per_h"] * args[1] // 100)
    elif name == "set_profile":
        rate = lim["max_basal_mu_per_h"] * args[1] // 100
        eng.set_profile(t, args[0], [[0, rate], [720, rate // 2]])
    elif name == "lower_temp_cap":
        cfg = dict(eng.cfg)
        cfg["limits"] = dict(lim)
        cfg["limits"]["max_temp_basal_mu_per_h"] = lim["max_temp_basal_mu_per_h"] * args[0] // 110
        eng.apply_config(t, config.validate(cfg))
    else:
        getattr(eng, name)(t, *args)


@settings(max_examples=25, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(limit_sets(), st.data(), st.lists(commands(), min_size=15, max_size=40))
def test_no_rolling_window_above_its_limit(lim, data, script):
    top = lim["max_basal_mu_per_h"]
    day_cap = lim["max_per_24h_mu"]
    pa = data.draw(profile(top))
    pb = data.draw(profile(top))
    for p in (pa, pb):  # a profile whose day does not fit is refused anyway
        if config.daily_mu(p) > day_cap:
            p[:] = [[0, 0]]
    cfg = config.validate({"limits": lim, "profiles": {"a": pa, "b": pb},
                           "active_profile": "a"})
    eng = Engine(cfg, 0)
    eng.set_wall_clock(0, 1700006400)
    script = sorted(script, key=lambda c: c[0])
    log = Log(1000)
    t = si = 0
    end = HOURS * HOUR
    while t < end:
        while si < len(script) and script[si][0] <= t:
            try:
                _do(eng, t, script[si][1], script[si][2])
                STATS["accepted"] += 1
            except Rejected:
                STATS["refused"] += 1
            si += 1
        d, n, _hz, wake = eng.plan(t)
        if d > 0 and n:
            log.add(t, n)
        nxt = wake
        if si < len(script) and script[si][0] < nxt:
            nxt = script[si][0]
        t = nxt if nxt > t else t + 1
    hour_steps = eng.units.mu_to_steps(lim["max_per_hour_mu"])
    day_steps = eng.units.mu_to_steps(lim["max_per_24h_mu"])
    STATS["runs"] += 1
    w = log.worst(HOUR) * 100 // hour_steps
    STATS["worst_hour_pct"] = max(STATS["worst_hour_pct"], w)
    # within 10 % of a limit: the run tested it (the record's 5-minute
    # buckets and the extra one make the engine hold a little early)
    STATS["near_limit"] += (log.worst(HOUR) * 10 >= hour_steps * 9
                            or log.worst(DAY) * 10 >= day_steps * 9)
    assert log.worst(HOUR) <= hour_steps, (log.worst(HOUR), hour_steps)
    assert log.worst(DAY) <= day_steps, (log.worst(DAY), day_steps)


def test_zz_the_random_runs_reached_the_limits():
    # Runs after the property test (pytest keeps file order); shown with -s.
    print("\nlimits random figures: %r" % (STATS,))
    # the mixes did press on the limits: some hour came within 10 % of its own
    assert STATS["runs"] == 0 or STATS["worst_hour_pct"] >= 90, STATS
