# The randomized whole-pump safety run, short: the real firmware on the
# simulated board for two simulated days of random console sessions, button
# taps, faults and resets (tools/sim/safety.py), the checker reading every
# step. `make bench` runs the long one (bench/m_safety.py: 300 days).
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAFETY = os.path.join(ROOT, "tools", "sim", "safety.py")
MICROPYTHON = os.path.join(os.path.dirname(sys.executable), "micropython")


def _run(tmp_path, seed, days):
    if os.path.exists(MICROPYTHON):
        cmd = [MICROPYTHON, "-X", "heapsize=8M", SAFETY]
    else:
        cmd = [sys.executable, SAFETY]
    res = subprocess.run(cmd + ["--seed", str(seed), "--days", str(days),
                                "--flash", str(tmp_path / "flash"),
                                "--trace", str(tmp_path / "trace.txt")],
                         capture_output=True, text=True, timeout=600)
    lines = [s for s in res.stdout.splitlines() if s.startswith("{")]
    assert lines, res.stdout + res.stderr
    return res.returncode, json.loads(lines[-1])


def test_two_random_days_break_no_safety_rule(tmp_path):
    code, r = _run(tmp_path, 1, 2)
    assert r["days"] >= 2 and r["steps"] > 1000, r
    assert sum(r["actions"].values()) > 20, r  # the sessions really ran
    assert r["violations"] == 0 and r["firmware_errors"] == 0, json.dumps(r["first"], indent=1)
    assert code == 0
