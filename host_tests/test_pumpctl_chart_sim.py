# `pumpctl chart` against the real firmware in the simulator, over its
# console pty as on a board: the chart is drawn from the pump's own journal,
# and the totals behind it equal what the pump itself says it delivered
# (`status` delivered_24h_mu), to the milliunit up to rounding: the pump
# rounds each bolus down to whole mU and its own sum of steps up, so they may
# differ by at most 1 mU per bolus and per basal record.
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools", "sim"))
import link as link_mod  # noqa: E402

PUMPCTL = os.path.join(ROOT, "tools", "pumpctl")
SPEED = 60  # one simulated minute per second
START_S = 1780272000  # 2026-06-01T00:00:00Z

# Every kind of record in 40 simulated minutes; it ends suspended, which
# settles basal into the journal (the recorder writes basal at most hourly).
SCENARIO = """\
00:00:03 console refill 300
00:01:00 console bolus 0.5
00:01:01 press ok 2000
00:03:00 console bolus 0 0.4 over 15m
00:03:01 press ok 2000
00:05:00 console temp 150% 15m
00:05:01 press ok 2000
00:22:00 console bolus 0.2 0.2 over 15m
00:22:01 press ok 2000
00:38:00 console suspend
"""


def _pumpctl(port, *args, timeout=120):
    return subprocess.run([sys.executable, PUMPCTL, "--port", port, "--timeout", "30",
                           "--keep-clock"] + list(args), capture_output=True, text=True,
                          timeout=timeout)


def test_chart_totals_equal_the_pumps_own_over_the_console(tmp_path):
    (tmp_path / "day.txt").write_text(SCENARIO)
    link = link_mod.SimLink(headless=False, flash=str(tmp_path / "flash"), speed=SPEED,
                            wall=START_S, script=str(tmp_path / "day.txt"),
                            pty_link=str(tmp_path / "sim.pty"))
    port = str(tmp_path / "sim.pty")
    try:
        # No pumpctl on the line while the scenario's deliveries wait for
        # their OK press (one real second is a simulated minute here).
        time.sleep(30)
        deadline = time.monotonic() + 240
        status = {}
        while time.monotonic() < deadline:
            time.sleep(3)
            res = _pumpctl(port, "--json", "status")
            if res.returncode == 0:
                status = json.loads(res.stdout)
                if status.get("state") == "suspended":
                    break
        assert status.get("state") == "suspended", status
        out = tmp_path / "day.png"
        res = _pumpctl(port, "--json", "chart", "--hours", "24",
                       "-o", str(out))
        assert res.returncode == 0, res.stdout + res.stderr
        chart = json.loads(res.stdout)
        res = _pumpctl(port, "--json", "status")
        after = json.loads(res.stdout)
        res = _pumpctl(port, "--json", "history", "--since", "2026-06-01T00:00")
        history = json.loads(res.stdout)
    finally:
        console = "\n".join(link.snapshot()["console"])
        link.stop()
    assert after["delivered_24h_mu"] == status["delivered_24h_mu"]  # nothing moved meanwhile
    t = chart["totals"]
    # The pump's record, summed here independently of the chart code.
    kinds = {}
    for r in history:
        if r["kind"] == "bolus_end":
            kinds[r["data"]["kind"]] = kinds.get(r["data"]["kind"], 0) + r["data"]["delivered_mu"]
    basal = sum(r["data"]["mu"] for r in history if r["kind"] == "basal")
    assert t["bolus_by_kind_mu"] == kinds and set(kinds) == {"normal", "extended", "combo"}, \
        console
    assert 495 <= kinds["normal"] <= 500 and 395 <= kinds["extended"] <= 400  # whole steps
    assert t["basal_mu"] == basal and basal > 0
    assert t["temp_min"] == 15 and t["off_s"] > 0  # suspended at the end
    slack = 3 + t["records"]  # 1 mU of rounding per bolus and per basal record at most
    print("chart total %d mU, pump's last 24 h %d mU" % (t["total_mu"], chart["pump_24h_mu"]))
    assert abs(t["total_mu"] - chart["pump_24h_mu"]) <= slack, (t, chart["pump_24h_mu"])
    assert chart["pump_24h_mu"] == status["delivered_24h_mu"]
    from PIL import Image

    assert Image.open(out).size[0] > 600
