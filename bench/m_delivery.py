"""Delivery exactness through the real engine (firmware/delivery/engine.py).

delivery.max_step_error: many random 72 h scenarios (basal profiles, temp
basals, boluses, cancels) driven through Engine.plan/confirm; at every plan
call the steps commanded so far are compared with an exact Fraction ideal.
The figure is the largest |ideal - commanded| in steps; the target is that
commanded is never ahead of the ideal and never more than one step behind.

delivery.basal_max_gap_s_1uph: the longest interval between steps at 1 U/h
with the default mechanics.
"""
import common

KEYS = ("delivery.max_step_error", "delivery.basal_max_gap_s_1uph")


def engine_or_reason():
    if not common.exists("firmware/delivery/engine.py"):
        return None, "firmware/delivery/engine.py has not landed yet (issue 3)"
    try:
        import delivery.engine as engine_mod
    except Exception as e:
        return None, "delivery.engine does not import: %r" % (e,)
    return engine_mod, None


def measure(ctx):
    engine_mod, why = engine_or_reason()
    if engine_mod is None:
        return [common.missing(KEYS[0], why, "0 (never ahead, never > 1 behind)"),
                common.missing(KEYS[1], why, "a few minutes at most", unit="s")]
    import engine_runs

    n, hours = (3, 4) if ctx["quick"] else (10, 72)
    worst = {"ahead": 0, "behind": 0}
    totals = {"plans": 0, "commands": 0, "rejected": 0, "steps": 0}
    for seed in range(n):
        r = engine_runs.run_scenario(seed, hours, engine_mod)
        for k in ("ahead", "behind"):  # the dict gains *_seed keys below
            if r[k] > worst[k]:
                worst[k] = r[k]
                worst[k + "_seed"] = seed
        for k in totals:
            totals[k] += r[k]
    err = max(worst["ahead"], worst["behind"])
    details = {"scenarios": n, "hours_each": hours, "max_steps_ahead": worst["ahead"],
               "max_steps_behind": worst["behind"],
               "worst_seeds": {k: v for k, v in worst.items() if k.endswith("_seed")}, "seeds": "0..%d" % (n - 1)}
    details.update(totals)
    figs = [common.figure(KEYS[0], err, "never ahead, at most 1 behind",
                          worst["ahead"] == 0 and worst["behind"] <= 1, details, "steps")]

    # 1 U/h with the default mechanics (settings defaults: BD 3 mL, M8, U-100;
    # 200 x 16 steps are the Engine's defaults, as on the sim board).
    hours_gap = 2 if ctx["quick"] else 24
    times = engine_runs.step_times_at_rate(engine_mod, 1000, hours_gap)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    gap_s = max(gaps) / 1000 if gaps else None
    figs.append(common.figure(KEYS[1], gap_s, "a few minutes at most (<= 180 s)",
                              gap_s is not None and gap_s <= 180, {
                                  "hours": hours_gap, "steps": len(times),
                                  "min_gap_s": min(gaps) / 1000 if gaps else None,
                                  "steps_per_u": float(engine_runs.steps_per_mu(
                                      engine_runs.default_cfg()) * 1000)}, "s"))
    return figs
