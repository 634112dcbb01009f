"""IEC 60601-2-24 trumpet-curve figures at 1 U/h, and bench/trumpet.png.

The step timeline comes from the simulator's CSV (full firmware, headless,
`--csv`) when that run delivers basal; otherwise from the engine's plan
timeline directly (Engine.plan called at every wake_ms). results.json says
which under trumpet.source. The math is tools/trumpet_lib.py and the plot
tools/trumpet_plot.py (matplotlib), the same the maker's tools/trumpet.py
uses on scale readings.
"""
import copy
import json
import os
import sys

import common

KEYS = ("trumpet",)
RATE_MU_PER_H = 1000  # 1 U/h
HOURS = 2.05  # the analysis needs 0..7200 s; a little margin for the last sample


def ml_per_step_default():
    import trumpet_lib

    # Defaults of delivery.settings and the sim board: BD 3 mL, M8, 200 x 16.
    return trumpet_lib.ml_per_step(57.89, 1.25, 200, 16)


def sim_step_times(ctx):
    """Step instants (s) from a headless simulator run at 1 U/h, or
    (None, reason)."""
    if not common.exists("tools/sim/sim.py"):
        return None, "no simulator"
    from delivery import settings

    flash = os.path.join(ctx["work"], "sim-flash-trumpet")
    os.makedirs(flash, exist_ok=True)
    cfg = copy.deepcopy(settings.DEFAULTS)
    cfg["profiles"] = {"default": [[0, RATE_MU_PER_H]]}
    cfg["active_profile"] = "default"
    with open(os.path.join(flash, "config.json"), "w") as f:
        json.dump(cfg, f)
    csv_path = os.path.join(ctx["work"], "trumpet-sim.csv")
    cmd = [sys.executable, os.path.join(common.TOOLS, "sim", "sim.py"), "--headless",
           "--hours", str(HOURS), "--flash", flash, "--csv", csv_path]
    rc, out, _wall = common.run_timed(cmd, timeout_s=300)
    if rc != 0 or not os.path.exists(csv_path):
        return None, "simulator run failed (exit %s): %s" % (rc, common.tail(out, 2))
    times = []
    with open(csv_path) as f:
        header = f.readline().strip().split(",")
        i_t, i_ev, i_dir = header.index("t_ms"), header.index("event"), header.index("dir")
        for line in f:
            row = line.split(",")
            if row[i_ev] == "step" and row[i_dir] == "1":
                times.append(int(row[i_t]) / 1000)
    expected = HOURS * 3600 / 8.14  # steps at 1 U/h with the default mechanics
    if len(times) < expected * 0.9:
        return None, ("the simulator delivered %d steps in %.2f h at a configured 1 U/h "
                      "(about %d expected): the firmware does not deliver basal there yet"
                      % (len(times), HOURS, expected))
    return times, None


def engine_step_times():
    from m_delivery import engine_or_reason

    engine_mod, why = engine_or_reason()
    if engine_mod is None:
        return None, why
    import engine_runs

    ms = engine_runs.step_times_at_rate(engine_mod, RATE_MU_PER_H, 3)
    return [t / 1000 for t in ms], None


def measure(ctx):
    import trumpet
    import trumpet_lib

    target = "overall within +-5 %; the windows narrow as they lengthen"
    times, why_sim = sim_step_times(ctx)
    source = "simulator CSV (full firmware, headless, tools/sim/sim.py --csv)"
    if times is None:
        times, why_engine = engine_step_times()
        source = "engine plan timeline (Engine.plan at each wake_ms; simulator: %s)" % why_sim
        if times is None:
            return [common.missing(KEYS[0], "no step timeline: simulator: %s; engine: %s"
                                   % (why_sim, why_engine), target)]
    mlps = ml_per_step_default()
    rate_ml_per_h = RATE_MU_PER_H / 1000 * 0.010  # U-100: 10 uL per U
    grid = trumpet_lib.grid_from_steps(times, mlps)
    result = trumpet_lib.analyse(grid, rate_ml_per_h)
    summary = trumpet_lib.summary(result)
    summary["source"] = source
    summary["steps_in_2h"] = sum(1 for t in times if t <= 7200)
    png = os.path.join(ctx["out_dir"], "trumpet.png")
    trumpet.draw_plot(result, png, "Plunger trumpet curve at 1 U/h (%s)" % source.split(" (")[0])
    summary["plot"] = os.path.relpath(png, common.ROOT) if not ctx["quick"] else png
    ok = abs(summary["overall_mean_error_pct"]) <= 5
    return [common.figure(KEYS[0], summary, target, ok, {"source": source})]
