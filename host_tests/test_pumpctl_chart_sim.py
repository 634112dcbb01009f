# `pumpctl chart` against the real firmware in the simulator, over its
# console pty as on a board: the chart is drawn from the pump's own journal;
# its bolus and basal totals equal the journal's records summed here, and its
# total equals what the pump itself says it delivered (`status`
# delivered_24h_mu) up to rounding: the journal holds each bolus rounded down
# to whole mU, and the pump, after the reboot that brings up its console,
# counts each restored dose rounded up to whole steps (about 2.3 mU), so they
# differ by at most a few mU per record (measured: 6900 against 6913 mU).
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools", "sim"))
import link as link_mod  # noqa: E402

PUMPCTL = os.path.join(ROOT, "tools", "pumpctl")
SIM = os.path.join(ROOT, "tools", "sim", "sim.py")
HOURS = 0.7
START_S = 1780272000  # 2026-06-01T00:00:00Z

# Every kind of record in 40 simulated minutes; it ends suspended, which
# settles basal into the journal (the recorder writes basal at most hourly).
# The board's config turns the OK-button wait off (bench automation, see the
# README): the OK button is not what is tested here.
SCENARIO = """\
00:00:03 console refill 300
00:01:00 console bolus 0.5
00:03:00 console bolus 0 0.4 over 15m
00:05:00 console temp 150% 15m
00:22:00 console bolus 0.2 0.2 over 15m
00:38:00 console suspend
"""


def _pumpctl(port, *args, timeout=120):
    return subprocess.run([sys.executable, PUMPCTL, "--port", port, "--timeout", "30",
                           "--keep-clock"] + list(args), capture_output=True, text=True,
                          timeout=timeout)


def test_chart_totals_equal_the_pumps_own_over_the_console(tmp_path):
    import copy

    from delivery import settings

    (tmp_path / "day.txt").write_text(SCENARIO)
    cfg = copy.deepcopy(settings.DEFAULTS)
    cfg["ui"]["require_button_confirm"] = False
    flash = tmp_path / "flash"
    flash.mkdir()
    (flash / "config.json").write_text(json.dumps(cfg))
    # The scenario headless, on virtual time (exact and repeatable), then the
    # same board booted again with its console on a pty.
    res = subprocess.run([sys.executable, SIM, "--headless", "--hours", str(HOURS), "--wall",
                          "2026-06-01T00:00", "--flash", str(flash), "--script",
                          str(tmp_path / "day.txt")], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    link = link_mod.SimLink(headless=False, flash=str(flash), wall=START_S + int(HOURS * 3600) + 5,
                            pty_link=str(tmp_path / "sim.pty"))
    port = str(tmp_path / "sim.pty")
    try:
        res = _pumpctl(port, "--json", "status")
        assert res.returncode == 0, res.stdout + res.stderr
        status = json.loads(res.stdout)
        assert status["state"] == "suspended", status
        out = tmp_path / "day.png"
        res = _pumpctl(port, "--json", "chart", "--hours", "24", "-o", str(out))
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
    assert t["temp_min"] == 15 and t["off_s"] > 0, console  # suspended at the end
    slack = 3 * t["records"]  # whole mU and whole steps, rounded per record
    print("chart total %d mU, pump's last 24 h %d mU" % (t["total_mu"], chart["pump_24h_mu"]))
    assert abs(t["total_mu"] - chart["pump_24h_mu"]) <= slack, (t, chart["pump_24h_mu"])
    assert chart["pump_24h_mu"] == status["delivered_24h_mu"]
    from PIL import Image

    assert Image.open(out).size[0] > 600
