"""Missed basal after the motor task was held (issue 14), the engine alone.

motion.burst_mu_after_stall: the most basal handed to the motor in the one
plan() after a stall of 1 min to 12 h, at the default 0.8 U/h. The target
is the basal of one record interval (the delivery record's 5-minute bucket)
at that rate; "ok" also requires the same bound at 10 U/h and under a
35 U/h temp basal, and that each dropped amount is said in a basal_missed
event.
"""
import common

KEYS = ("motion.burst_mu_after_stall",)
STALLS_MIN = (1, 4, 5, 6, 15, 30, 60, 180, 360, 720)
HOUR_MS = 3600000


def _case(engine_mod, settings, rate_mu_per_h, temp, stall_min):
    lim = {"max_basal_mu_per_h": 35000, "max_temp_basal_mu_per_h": 35000,
           "max_per_hour_mu": 50000, "max_per_24h_mu": 250000, "max_bolus_mu": 25000,
           "max_iob_mu": 60000}
    cfg = settings.validate({"limits": lim, "profiles": {"p": [[0, rate_mu_per_h]]},
                             "active_profile": "p"})
    eng = engine_mod.Engine(cfg, 0)
    eng.set_wall_clock(0, 1700006400)
    if temp:
        eng.temp_basal(0, 240, rate_mu_per_h=temp)  # 4 h: 140 U, inside 250 U a day
    t = 0
    while t < HOUR_MS:  # an hour of normal running first
        t = eng.plan(t)[3]
    eng.pop_events()
    t += stall_min * 60000
    _d, steps, _hz, _w = eng.plan(t)
    said = [d for k, d in eng.pop_events() if k == "basal_missed"]
    return eng.units.steps_to_mu(steps), said


def measure(ctx):
    common.setup_cpython_path()
    try:
        from delivery import engine as engine_mod
        from delivery import settings
        from delivery.record import BUCKET_MS
    except Exception as e:
        return [common.missing(KEYS[0], "delivery.engine does not import: %r" % (e,))]
    worst = 0
    ok = True
    details = {"stalls_min": list(STALLS_MIN), "record_interval_min": BUCKET_MS // 60000}
    for rate, temp, name in ((800, 0, "0.8U/h"), (10000, 0, "10U/h"),
                             (800, 35000, "temp35U/h")):
        top = (temp or rate) * BUCKET_MS // HOUR_MS  # one interval's basal, mU
        bursts = []
        for stall in STALLS_MIN:
            mu, said = _case(engine_mod, settings, rate, temp, stall)
            bursts.append(mu)
            if mu > top or (stall * 60000 > BUCKET_MS and not said):
                ok = False
        details[name] = {"bound_mu": top, "burst_mu": bursts}
        if name == "0.8U/h":
            worst = max(bursts)
    target = "<= %d (0.8 U/h x %d min)" % (800 * BUCKET_MS // HOUR_MS, BUCKET_MS // 60000)
    return [common.figure(KEYS[0], worst, target, ok, details, unit="mU")]
