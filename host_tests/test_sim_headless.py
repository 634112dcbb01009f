# The simulator end to end (CPython drives tools/sim/sim.py, the firmware runs
# under the real micropython binary): exit codes, CSV record, power cuts,
# watchdog, console feed, screenshots. Stub firmwares pin the simulator's own
# behaviour down; the last test runs the real firmware for 24 simulated hours.
import csv
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM = os.path.join(ROOT, "tools", "sim", "sim.py")

STUB = '''
import asyncio
import json
import select
import sys
import machine
from machine import Pin, WDT


def main(board_path="board.json", clock=None, run_for_ms=None, out=None):
    with open(board_path) as f:
        st = json.load(f)["stepper"]
    step = Pin(st["step"], Pin.OUT, value=0)
    d = Pin(st["dir"], Pin.OUT, value=1)
    en = Pin(st["en"], Pin.OUT, value=1)
    out.write("boot cause %d\\n" % machine.reset_cause())

    async def feeder(wdt):
        for _ in range(@FEEDS@):
            wdt.feed()
            await clock.sleep_ms(1000)

    async def console():
        p = select.poll()
        p.register(sys.stdin, select.POLLIN)
        while True:
            if p.poll(0):
                out.write("GOT %s\\n" % sys.stdin.readline().strip())
            await clock.sleep_ms(50)

    async def stepper():
        en.value(@ENABLE@)
        for _ in range(@STEPS@):
            step.value(1)
            step.value(0)
            await clock.sleep_ms(100)
        en.value(1)
        if @ALARM@:
            out.write("ALARM occlusion: pressure high\\n")

    async def run():
        asyncio.create_task(feeder(WDT(timeout=2000)))
        asyncio.create_task(console())
        asyncio.create_task(stepper())
        await clock.run_until(run_for_ms)  # virtual time moves only in here
        return 0

    return asyncio.run(run())
'''


def _stub(tmp_path, steps=0, enable=0, alarm=False, feeds=1 << 30):
    fw = tmp_path / "fw"
    fw.mkdir()
    (fw / "main.py").write_text(STUB.replace("@STEPS@", str(steps)).replace("@FEEDS@", str(feeds))
                                .replace("@ENABLE@", str(enable)).replace("@ALARM@", str(alarm)))
    return str(fw)


def _sim(tmp_path, *args, script=None, firmware=None, timeout=120):
    cmd = [sys.executable, SIM, "--headless", "--flash", str(tmp_path / "flash"),
           "--csv", str(tmp_path / "run.csv")]
    if script is not None:
        (tmp_path / "scenario.txt").write_text(script)
        cmd += ["--script", str(tmp_path / "scenario.txt")]
    if firmware is not None:
        cmd += ["--firmware", firmware]
    res = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=timeout)
    if not (tmp_path / "run.csv").exists():
        return res, None
    with open(tmp_path / "run.csv") as f:
        rows = list(csv.DictReader(f))
    return res, rows


def test_steps_are_recorded_one_row_each_and_exit_0(tmp_path):
    res, rows = _sim(tmp_path, "--hours", "0.1", firmware=_stub(tmp_path, steps=25))
    assert res.returncode == 0, res.stdout + res.stderr
    steps = [r for r in rows if r["event"] == "step"]
    assert len(steps) == 25
    assert [int(r["pos_steps"]) for r in steps] == list(range(1, 26))
    assert [int(r["t_ms"]) for r in steps] == [100 * i for i in range(25)]
    assert rows[-1]["event"] == "end" and int(rows[-1]["t_ms"]) == 360000
    assert "25 steps delivered" in res.stdout


def test_an_alarm_line_makes_exit_3_and_a_csv_row(tmp_path):
    res, rows = _sim(tmp_path, "--hours", "0.01", firmware=_stub(tmp_path, alarm=True))
    assert res.returncode == 3, res.stdout + res.stderr
    assert [r["detail"] for r in rows if r["event"] == "alarm"] == ["id=occlusion"]


def test_a_step_while_disabled_is_a_violation_exit_5(tmp_path):
    res, rows = _sim(tmp_path, "--hours", "0.01", firmware=_stub(tmp_path, steps=3, enable=1))
    assert res.returncode == 5, res.stdout + res.stderr
    assert [r["detail"] for r in rows if r["event"] == "violation"][0] == "detail= what=step_while_disabled"


def test_power_cut_boots_again_after_the_off_time(tmp_path):
    res, rows = _sim(tmp_path, "--hours", "0.5", firmware=_stub(tmp_path),
                     script="00:10:00 fault power_cut 5000\n")
    assert res.returncode == 0, res.stdout + res.stderr
    boots = [(int(r["t_ms"]), r["detail"]) for r in rows if r["event"] == "boot"]
    assert boots == [(0, "cause=1"), (605000, "cause=1")]
    assert rows[-1]["event"] == "end" and int(rows[-1]["t_ms"]) == 1800000


def test_a_hang_longer_than_the_watchdog_resets_the_board_exit_4(tmp_path):
    res, rows = _sim(tmp_path, "--hours", "0.1", firmware=_stub(tmp_path),
                     script="00:01:00 fault hang 3000\n")
    assert res.returncode == 4, res.stdout + res.stderr
    assert [r["event"] for r in rows if r["event"] in ("wdt_reset", "boot")] == \
        ["boot", "wdt_reset", "boot"]
    assert "boot cause 3" in res.stdout  # machine.WDT_RESET after the reset
    # It bites at its deadline (last feed + 2000 ms), inside the 3 s hang.
    bite = [int(r["t_ms"]) for r in rows if r["event"] == "wdt_reset"][0]
    assert 61000 < bite <= 62001


def test_a_watchdog_nobody_feeds_bites_1_ms_after_its_deadline(tmp_path):
    # Virtual time jumps straight to the next timer; a deadline on the way
    # must still reset the board there, not at the next timer.
    res, rows = _sim(tmp_path, "--hours", "0.01", firmware=_stub(tmp_path, feeds=5))
    assert res.returncode == 4, res.stdout + res.stderr
    bites = [int(r["t_ms"]) for r in rows if r["event"] == "wdt_reset"]
    assert bites[0] == 4000 + 2000 + 1  # last feed at 4 s, timeout 2 s


def test_a_hang_shorter_than_the_watchdog_is_survived(tmp_path):
    res, rows = _sim(tmp_path, "--hours", "0.1", firmware=_stub(tmp_path),
                     script="00:01:00 fault hang 900\n")
    assert res.returncode == 0, res.stdout + res.stderr


def test_console_lines_reach_the_firmware_stdin(tmp_path):
    res, rows = _sim(tmp_path, "--hours", "0.01", firmware=_stub(tmp_path),
                     script="00:00:05 console status  now\n00:00:06 console help\n")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "GOT status  now" in res.stdout and "GOT help" in res.stdout


def test_bad_scenario_is_one_line_and_exit_64(tmp_path):
    (tmp_path / "flash").mkdir()
    res, _ = _sim(tmp_path, "--hours", "1", script="00:00:01 dance\n")
    assert res.returncode == 64
    assert "scenario.txt:1: unknown action 'dance'" in res.stdout


# A day of pump life; the times in the scenario scale with it.
REAL_FIRMWARE_HOURS = 24


def test_real_firmware_24_hours_under_micropython(tmp_path):
    h = REAL_FIRMWARE_HOURS
    script = ("00:00:02 press ok 200\n"
              "00:05:00 console status\n"
              "%s battery 3400\n"
              "%s fault power_cut 10000\n"
              "%s screenshot\n") % tuple("%02d:%02d:00" % divmod(int(h * 60 * f), 60)
                                         for f in (1 / 12, 1 / 4, 1 / 2))
    res, rows = _sim(tmp_path, "--hours", str(h), "--screenshot", str(tmp_path / "end.png"),
                     script=script, timeout=900)
    out = res.stdout + res.stderr
    alarms = [r for r in rows if r["event"] == "alarm"]
    violations = [r for r in rows if r["event"] == "violation"]
    assert not violations, violations
    assert res.returncode in (0, 3, 4), out  # no crash, no refused boot
    sys.path.insert(0, os.path.join(ROOT, "tools", "sim"))
    from alarmtext import alarm_in

    said = [a for a in map(alarm_in, res.stdout.splitlines()) if a]
    assert (res.returncode == 3) == bool(alarms or said) or res.returncode == 4, out
    assert "booting" in out.lower()
    boots = [r for r in rows if r["event"] == "boot"]
    assert len(boots) >= 2  # the power cut
    assert rows[-1]["event"] == "end" and int(rows[-1]["t_ms"]) == h * 3600000
    times = [int(r["t_ms"]) for r in rows]
    assert times == sorted(times)
    # Every step row moves the plunger by exactly one step.
    pos = 0
    for r in rows:
        if r["event"] == "step":
            assert int(r["pos_steps"]) - pos == int(r["dir"])
        pos = int(r["pos_steps"])
    from PIL import Image

    assert Image.open(tmp_path / "end.png").size == (512, 256)
    assert (tmp_path / "end-1.png").exists()
