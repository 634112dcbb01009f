# The whole pump in the simulator, under the real micropython binary: a
# blocked line is caught by the force sensor and stops delivery, with the
# missed amount measured from the simulated plunger.
import csv
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEPS_PER_U = 442  # BD 3 mL, M8, 200 x 16 (sim.json): 442.2 steps per unit


def _run(tmp_path, script, hours):
    (tmp_path / "s.txt").write_text(script)
    res = subprocess.run([sys.executable, os.path.join(ROOT, "tools/sim/sim.py"), "--headless",
                          "--hours", str(hours), "--script", str(tmp_path / "s.txt"),
                          "--csv", str(tmp_path / "run.csv"), "--flash", str(tmp_path / "flash")],
                         capture_output=True, text=True, timeout=300)
    with open(tmp_path / "run.csv") as f:
        rows = list(csv.DictReader(f))
    return res, rows


def test_occlusion_at_basal_stops_delivery_after_under_half_a_unit(tmp_path):
    res, rows = _run(tmp_path, "00:05:00 fault occlusion\n", 2)
    assert res.returncode == 3, res.stdout + res.stderr  # 3: an alarm was raised
    assert "ALARM occlusion" in res.stdout
    fault = [r for r in rows if r["event"] == "fault"][0]
    alarm = [r for r in rows if r["event"] == "alarm" and "occlusion" in r["detail"]][0]
    missed_steps = int(alarm["pos_steps"]) - int(fault["pos_steps"])
    assert 0 < missed_steps < STEPS_PER_U // 2  # under 0.5 U pushed into the blocked line
    later = [r for r in rows if r["event"] == "step" and int(r["t_ms"]) > int(alarm["t_ms"])]
    assert later == []  # nothing moves until the alarm is acknowledged


def test_bolus_from_the_console_with_ok_held_delivers_exact_steps(tmp_path):
    script = ("00:00:10 console bolus 1.0\n"
              "00:00:12 press ok 2000\n")
    res, rows = _run(tmp_path, script, 0.25)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "started: bolus 1.000 U" in res.stdout
    steps = [r for r in rows if r["event"] == "step"]
    # 15 minutes of 0.8 U/h basal plus the 1 U bolus, each floored once.
    basal = 200 * 2560 // 5789  # 0.8 U/h for 15 min = 200 mU; 2560/5789 steps per mU
    assert len(steps) == basal + 1000 * 2560 // 5789
