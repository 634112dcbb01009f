# `make bench` code on tiny sizes, so it cannot rot (CPython only: it runs
# the bench as a subprocess and uses fractions).
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "bench"))

import engine_runs  # noqa: E402

KEYS = (
    "delivery.max_step_error", "delivery.basal_max_gap_s_1uph", "trumpet",
    "sim.hours_per_s_cpython", "sim.hours_per_s_micropython",
    "memory.boot_used_kib_32", "memory.peak_kib_32", "memory.growth_kib_per_day_32",
    "memory.alloc_bytes_per_basal_turn", "boot.phantom_mu_per_reboot",
    "latency.button_to_event_ms_p99",
    "latency.step_plan_jitter_ms_p99", "flash.journal_bytes_per_day", "faults.power_cuts",
    "faults.violations", "fuzz.console_lines", "fuzz.crashes",
)


def test_quick_bench_writes_every_key_and_leaves_committed_results_alone(tmp_path):
    committed = os.path.join(ROOT, "bench", "results.json")
    before = os.path.getmtime(committed) if os.path.exists(committed) else None
    p = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "run.py"), "--quick",
                        "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    res = json.loads((tmp_path / "results.json").read_text())
    for key in KEYS:
        assert key in res, key
        # A figure is either measured or says why not: never silently null.
        assert res[key] is not None or key in res["missing"], key
        assert key in p.stdout.replace(".overall_mean_error_pct", ""), key
    assert res["run"]["quick"] is True
    if res["trumpet"] is not None:
        assert (tmp_path / "trumpet.png").exists()
        assert res["trumpet"]["source"]
    after = os.path.getmtime(committed) if os.path.exists(committed) else None
    assert before == after


class AheadEngine:
    """The real engine, but one extra step handed out at its 100th plan."""

    def __init__(self, real):
        self.real = real

    def Engine(self, *a, **kw):  # noqa: N802 (stands in for the class)
        eng = self.real.Engine(*a, **kw)
        orig = eng.plan
        calls = [0]

        def plan(now_ms):
            d, n, hz, wake = orig(now_ms)
            calls[0] += 1
            return d, n + (1 if calls[0] == 100 else 0), hz, wake

        eng.plan = plan
        return eng


def test_the_oracle_catches_an_engine_that_runs_ahead():
    import delivery.engine as real

    good = engine_runs.run_scenario(1, 6, real)
    assert good["ahead"] == 0 and good["behind"] <= 1
    bad = engine_runs.run_scenario(1, 6, AheadEngine(real))
    assert bad["ahead"] == 1


def test_exact_steps_per_unit_for_the_default_mechanics():
    spu = engine_runs.steps_per_mu(engine_runs.default_cfg()) * 1000
    # 200 x 16 steps per 57.89 mm^2 x 1.25 mm = 72.3625 uL; 1 U = 10 uL.
    assert spu == engine_runs.Fraction(3200 * 10 * 10000, 578900 * 125 // 100)
    assert abs(float(spu) - 442.218) < 0.001


def test_step_times_at_one_unit_per_hour_are_evenly_spaced():
    import delivery.engine as real

    times = engine_runs.step_times_at_rate(real, 1000, 1)
    gaps = {b - a for a, b in zip(times, times[1:], strict=False)}
    assert len(times) == 442  # floor(442.218)
    assert gaps <= {8140, 8141}
