"""Motion figures (issue 14), in virtual time on CPython: the real pump,
engine, motor task and PioStepper, whose PIO program (as rp2.asm_pio
assembles it) runs on the cycle-level interpreter host_tests/pio_sim.py;
the STEP/EN pins are watched edge by edge (host_tests/motion_rig.py).

- bolus_period_error_pct: median STEP period during a bolus against the
  configured bolus rate (bolus_rate_mu_per_min and the mechanics' steps/U);
- en_toggles_per_bolus: EN changes from the bolus command to its end, the
  most over all runs;
- command_to_first_step_ms_p99: how late the first STEP edge comes after a
  command, counted from when the engine first has a step due (bolus and
  prime: one stream period after the command; rewind: at once). The raw
  command-to-edge times are under details;
- steps_after_suspend / steps_after_alarm: STEP edges after suspend()
  returned / after a delivery-stopping alarm raised by another task, at
  random instants during boluses; the most over all runs.
"""
import os
import random

import common

KEYS = ("motion.bolus_period_error_pct", "motion.en_toggles_per_bolus",
        "motion.command_to_first_step_ms_p99", "motion.steps_after_suspend",
        "motion.steps_after_alarm")


def _rig():
    from motion_rig import MotionRig

    return MotionRig()


def _bolus_end_ms(r):
    ends = [x[2] for x in r.pump.journal.read().records if x[3] == "bolus_end"]
    return ends[-1] if ends else None


def one_bolus(rng, mu):
    """A whole bolus: its periods, EN toggles, first-step lateness."""
    r = _rig()
    at = rng.randrange(1000, 9000)
    marks = {}

    async def script():
        await r.clock.sleep_ms(at)
        r.pump.bolus(r.clock.now_ms(), mu)
        marks["t"] = r.clock.now_ms()
    hz = r.bolus_hz()
    r.run_until(at + int(mu / 1000.0 * 442.3 / hz * 1000) + 20000, script)
    end = _bolus_end_ms(r)
    per = r.periods_us(marks["t"], end)
    first = [t for t in r.obs.step_times_us if t >= marks["t"] * 1000][0] / 1000.0
    due = marks["t"] + 1000.0 / hz
    return {"periods": per, "want_us": 1e6 / hz,
            "toggles": r.en_toggles_between(marks["t"], end + 500),
            "late_ms": first - due, "raw_ms": first - marks["t"], "errors": r.obs.errors}


def first_step(rng, kind):
    r = _rig()
    marks = {}

    async def script():
        await r.clock.sleep_ms(500)
        r.pump.suspend(r.clock.now_ms())
        await r.clock.sleep_ms(rng.randrange(200, 3000))
        now = r.clock.now_ms()
        marks["t"] = now
        if kind == "prime":
            r.pump.prime(now, 200)
        else:
            r.pump.rewind(now)
    r.run_until(20000, script)
    first = [t for t in r.obs.step_times_us if t >= marks["t"] * 1000][0] / 1000.0
    due = _prime_due_ms() if kind == "prime" else 0.0
    return first - marks["t"] - due, first - marks["t"]


def _prime_due_ms():
    r = _rig()
    u = r.eng.units
    return 1000.0 / (r.pump.cfg["delivery"]["prime_rate_mu_per_min"] * u.num / (60.0 * u.den))


def stop_during_bolus(rng, how):
    r = _rig()
    marks = {}
    at = rng.randrange(1000, 5000)
    after = rng.randrange(50, 15000)

    async def script():
        await r.clock.sleep_ms(at)
        r.pump.bolus(r.clock.now_ms(), 1000)
        await r.clock.sleep_ms(after)
        now = r.clock.now_ms()
        if how == "suspend":
            r.pump.suspend(now)
        else:
            r.pump.raise_alarm(rng.choice(("motor_fault", "occlusion", "storage_error")), now,
                               "bench")
        marks["edges"] = len(r.obs.step_times_us)
    r.run_until(at + after + 10000, script)
    ok = (r.eng.steps_confirmed == r.obs.steps and not r.obs.errors)
    return len(r.obs.step_times_us) - marks["edges"], ok


def measure(ctx):
    common.setup_cpython_path()
    here = os.getcwd()
    os.chdir(common.HOST_TESTS)  # the rig reads ../boards/sim.json, as the tests do
    try:
        return _measure(ctx)
    finally:
        os.chdir(here)


def _measure(ctx):
    rng = random.Random(14)
    n_bolus = 1 if ctx["quick"] else 6
    n_stop = 2 if ctx["quick"] else 40
    figs = []
    runs = [one_bolus(rng, rng.choice((300, 500, 1000))) for _ in range(n_bolus)]
    errs = []
    for run in runs:
        per = sorted(run["periods"])
        med = per[len(per) // 2]
        errs.append(abs(med - run["want_us"]) * 100.0 / run["want_us"])
    worst = max(errs)
    details = {"boluses": n_bolus, "want_period_us": round(runs[0]["want_us"], 1),
               "median_period_us": sorted(runs[0]["periods"])[len(runs[0]["periods"]) // 2],
               "observer_errors": sum(len(r["errors"]) for r in runs),
               "backend": "PioStepper on pio_sim (the real PIO program)"}
    figs.append(common.figure(KEYS[0], round(worst, 4), "<= 1", worst <= 1, details, "%"))
    toggles = max(r["toggles"] for r in runs)
    figs.append(common.figure(KEYS[1], toggles, "<= 2", toggles <= 2,
                              {"boluses": n_bolus}, ""))
    late = [r["late_ms"] for r in runs]
    raw = {"bolus": [round(r["raw_ms"], 2) for r in runs]}
    for kind in ("prime", "rewind"):
        raw[kind] = []
        for _ in range(1 if ctx["quick"] else 5):
            lt, rw = first_step(rng, kind)
            late.append(lt)
            raw[kind].append(round(rw, 2))
    p99 = round(common.percentile(late, 99), 2)
    figs.append(common.figure(
        KEYS[2], p99, "<= 50", p99 <= 50,
        {"commands": len(late), "raw_command_to_first_edge_ms": raw,
         "first_step_due_ms": {"bolus": round(1000.0 / _rig().bolus_hz(), 2),
                               "prime": round(_prime_due_ms(), 2), "rewind": 0},
         "note": "counted from when the engine first has a step due (a stream's first "
                 "step falls due one period after the command); the 2 ms before the "
                 "first edge is the driver's EN wake-up"}, "ms"))
    for how, key, target in (("suspend", KEYS[3], 0), ("alarm", KEYS[4], 1)):
        worst, bad = 0, 0
        for _ in range(n_stop):
            n, ok = stop_during_bolus(rng, how)
            worst = max(worst, n)
            bad += 0 if ok else 1
        figs.append(common.figure(key, worst, "= 0" if target == 0 else "<= 1",
                                  worst <= target and bad == 0,
                                  {"runs": n_stop, "record_mismatches": bad}, "steps"))
    return figs
