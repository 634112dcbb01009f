# The simulator's console and run behave like a board's (issue 17 items 4-6
# and the terminal side of 9): output is never dropped while a terminal reads
# late, Ctrl-C leaves a REPL instead of ending the simulator, a raw-REPL
# request gets a clear answer, SIGTERM ends both processes, headless runs
# start from a fresh flash, screenshots show their moment with the screen
# awake, and the terminal view fits 120 columns.
import os
import signal
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM = os.path.join(ROOT, "tools", "sim", "sim.py")
sys.path.insert(0, os.path.join(ROOT, "tools", "sim"))
import link as link_mod  # noqa: E402
import repl  # noqa: E402
import view  # noqa: E402

serial = pytest.importorskip("serial")

# Answers "dump N" with N numbered lines, far more than the pipe and the pty
# buffer hold together, so a terminal that reads late tests the back-pressure.
DUMP_FIRMWARE = '''
import asyncio
import select
import sys


def main(board_path="board.json", clock=None, run_for_ms=None, out=None):
    async def console():
        p = select.poll()
        p.register(sys.stdin, select.POLLIN)
        buf = ""
        while True:
            if p.poll(0):
                buf += sys.stdin.read(1)
                if buf.endswith("\\n"):
                    words = buf.split()
                    buf = ""
                    if words and words[0] == "dump":
                        for i in range(int(words[1])):
                            sys.stdout.write("line %05d %s\\r\\n" % (i, "x" * 60))
                        sys.stdout.write("END\\r\\n")
                continue
            await clock.sleep_ms(10)

    async def run():
        asyncio.create_task(console())
        while True:
            await clock.sleep_ms(1000)

    asyncio.run(run())
'''


def _firmware(tmp_path, text):
    fw = tmp_path / "fw"
    fw.mkdir()
    (fw / "main.py").write_text(text)
    return str(fw)


def _start(tmp_path, firmware=None):
    return link_mod.SimLink(headless=False, flash=str(tmp_path / "flash"), firmware=firmware,
                            pty_link=str(tmp_path / "sim.pty"),
                            wall=1780272000)


def _read_until(port, marker, timeout_s, got=b""):
    deadline = time.monotonic() + timeout_s
    while marker not in got and time.monotonic() < deadline:
        got += port.read(4096)
    return got


def test_output_is_not_dropped_when_the_terminal_reads_late(tmp_path):
    link = _start(tmp_path, _firmware(tmp_path, DUMP_FIRMWARE))
    try:
        port = serial.Serial(link.pty_path, 115200, timeout=0.2)
        port.write(b"dump 4000\r\n")  # 4000 x 72 bytes: 288 KB
        time.sleep(4)  # a client busy elsewhere, as pumpctl between two commands
        got = _read_until(port, b"END\r\n", 60)
        port.close()
    finally:
        link.stop()
    lines = [s for s in got.decode().split("\r\n") if s.startswith("line ")]
    assert len(lines) == 4000, (len(lines), getattr(link, "dropped_bytes", "?"))
    assert lines == ["line %05d %s" % (i, "x" * 60) for i in range(4000)]


def _boot_real(tmp_path):
    link = _start(tmp_path)
    port = serial.Serial(link.pty_path, 115200, timeout=0.2)
    port.write(b"\r\n")
    got = _read_until(port, b"plunger> ", 60)
    assert b"plunger> " in got, got
    return link, port


def test_twenty_config_show_in_a_row_arrive_whole_on_the_real_firmware(tmp_path):
    link, port = _boot_real(tmp_path)
    try:
        port.write(b"config show\r\n")
        one = _read_until(port, b"plunger> ", 30)
        assert b"limits" in one, one
        port.write(b"config show\r\n" * 20)
        time.sleep(5)  # reading late
        got = b""
        deadline = time.monotonic() + 120
        while got.count(b"plunger> ") < 20 and time.monotonic() < deadline:
            got += port.read(8192)
    finally:
        port.close()
        link.stop()
    body = one.split(b"\r\n", 1)[1] if b"\r\n" in one else one
    assert got.count(b"plunger> ") >= 20, (got.count(b"plunger> "), getattr(link, "dropped_bytes", "?"))
    assert got.count(body.strip()[:200]) >= 19  # each reply whole, not cut short


def test_ctrl_c_leaves_a_repl_and_the_simulator_runs_on(tmp_path):
    link, port = _boot_real(tmp_path)
    try:
        port.write(b"bolus 0.5\r\n")  # waits for OK on the pump for 30 s
        time.sleep(2)
        t0 = time.monotonic()
        port.write(b"\x03")
        got = _read_until(port, b">>> ", 20)
        waited = time.monotonic() - t0
        assert b"interrupted, motor off" in got, got
        assert b">>> " in got and b"MicroPython" in got, got
        assert waited < 20  # not after the 30 s OK wait
        assert link.proc.poll() is None  # the simulator is still there
        assert link.snapshot()["state"].get("en") == 0  # motor off
        port.write(b"1 + 41\r")
        got = _read_until(port, b"42", 10)
        assert b"42" in got, got
        port.write(b"\r\x01")  # what mpremote sends for the raw REPL
        got = _read_until(port, repl.RAW_BANNER.encode() + b">", 10)
        assert got.endswith(repl.RAW_BANNER.encode() + b">"), got
        port.write(b"print(6 * 7)\x04")
        got = _read_until(port, b"\x04>", 10)
        assert got == b"OK42\n\x04\x04>", got  # output, then no error
        port.write(b"\r\x02")  # back to the friendly REPL
        got = _read_until(port, b">>> ", 10)
        assert link.proc.poll() is None
        port.write(b"\x04")  # soft reboot: the pump boots again
        got = _read_until(port, b"plunger> ", 60)
        assert b"soft reboot" in got and b"plunger> " in got, got
    finally:
        port.close()
        code = link.stop()
    assert code in (0, 3), code  # stopped by us, not crashed


def test_mpremote_runs_code_and_lists_the_flash_of_the_simulated_board(tmp_path):
    mpremote = os.path.join(os.path.dirname(sys.executable), "mpremote")
    if not os.path.exists(mpremote):
        pytest.skip("no mpremote in the venv")
    link, port = _boot_real(tmp_path)
    port.close()
    try:
        res = subprocess.run([mpremote, "connect", link.pty_path, "exec", "print(6 * 7)",
                              "fs", "ls"], capture_output=True, text=True, timeout=60)
        alive = link.proc.poll() is None
    finally:
        code = link.stop()
    assert res.returncode == 0, res.stdout + res.stderr
    assert "42" in res.stdout and "config.json" in res.stdout, res.stdout
    # The simulator ended cleanly: 0 or 3 (an alarm) when the REPL mpremote
    # left ends with the key pipe, 130 (host.STOPPED_BY_USER) when stop()'s
    # Ctrl-C reaches the firmware first; which comes first is a race.
    assert alive and code in (0, 3, 130), code


def _children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] in "ZX"
    except OSError:
        return True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_sim_py_ends_the_firmware_process_too(tmp_path, sig):
    proc = subprocess.Popen([sys.executable, SIM, "--plain", "--flash", str(tmp_path / "flash"),
                             "--firmware", _firmware(tmp_path, DUMP_FIRMWARE)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        kids = []
        while not kids and time.monotonic() < deadline:
            time.sleep(0.2)
            kids = _children(proc.pid)
        assert kids, "no firmware process"
        time.sleep(1)
        proc.send_signal(sig)
        proc.wait(20)
        deadline = time.monotonic() + 10
        while not all(_gone(k) for k in kids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(_gone(k) for k in kids), "firmware left running"
    finally:
        if proc.poll() is None:
            proc.kill()
        for k in _children(proc.pid):
            os.kill(k, signal.SIGKILL)


def _headless(tmp_path, *args, timeout=300):
    return subprocess.run([sys.executable, SIM, "--headless"] + list(args), capture_output=True,
                          text=True, timeout=timeout, cwd=str(tmp_path))


def test_headless_runs_start_from_a_fresh_flash_unless_told(tmp_path):
    script = tmp_path / "s.txt"
    script.write_text("00:00:10 console config set limits.max_bolus_mu 1000\n")
    runs = [_headless(tmp_path, "--hours", "0.01", "--script", str(script)) for _ in range(2)]
    for r in runs:
        assert "no /config.json: wrote the defaults" in r.stdout, r.stdout
    kept = [_headless(tmp_path, "--hours", "0.01", "--flash", str(tmp_path / "keep"))
            for _ in range(2)]
    assert "no /config.json" in kept[0].stdout
    assert "no /config.json" not in kept[1].stdout  # --flash DIR is a board kept between runs


def _png_lit(path):
    from PIL import Image

    img = Image.open(path).convert("L")
    data = img.tobytes()
    return len(data) - data.count(0), data


def test_screenshots_show_their_moment_with_the_screen_awake(tmp_path):
    # The screen sleeps after a minute without a press; the run lasts 12 min.
    script = tmp_path / "s.txt"
    script.write_text("00:05:00 screenshot\n")
    res = _headless(tmp_path, "--hours", "0.2", "--script", str(script),
                    "--screenshot", str(tmp_path / "shot.png"))
    assert res.returncode in (0, 3), res.stdout + res.stderr
    lit_end, end = _png_lit(tmp_path / "shot.png")
    lit_mid, mid = _png_lit(tmp_path / "shot-1.png")
    assert lit_end > 500 and lit_mid > 500  # awake, not black
    assert mid != end  # the clock on the status screen moved: two moments


def test_p_key_saves_under_build_not_where_the_simulator_started(tmp_path, monkeypatch):
    import tui

    class FakeLink:
        shots = []

        def snapshot(self):
            return {"frame": bytes([0xFF]) * 1024, "state": {}, "events": [], "alarms": [],
                    "console": []}

    assert tui.SHOT_DIR == os.path.join(ROOT, "build")  # the default
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tui, "SHOT_DIR", str(tmp_path / "build"))  # not the real build/
    t = tui.Tui(FakeLink(), {})
    assert t._key(ord("p"))
    assert os.listdir(tmp_path) == ["build"]  # nothing where we started
    assert os.listdir(tmp_path / "build") == ["sim-screenshot.png"]


def test_at_120_columns_no_key_hint_is_cut_and_every_pixel_shows():
    frame = bytes((i * 37) & 0xFF for i in range(1024))
    snap = {"frame": frame, "state": {"t_ms": 0, "pos_steps": 10, "travel_steps": 100,
                                      "delivered_steps": 5, "remaining_ul": 2900,
                                      "force_g": 150, "en": 0, "battery_mv": 4000,
                                      "buzzer_hz": 0},
            "alarms": [], "console": []}
    lines = view.screen_lines(snap, {"pty": "/dev/pts/9"}, 119, 50)
    assert all(len(s) <= 119 for s in lines)
    text = "\n".join(lines)
    for key, label, _ in view.KEYS:
        assert "%s=%s" % (key, label) in text
    art = [s[1:-1] for s in lines if s.startswith("|")]
    assert len(art) == 32 and all(len(a) == 64 for a in art)  # 2x2 blocks, not braille dots
    bits = view._QUADRANT_BITS
    for y in range(64):
        for x in range(128):
            b = bits[art[y // 2][x // 2]] >> ((y & 1) * 2 + (x & 1)) & 1
            assert b == view.pixel(frame, x, y)


def test_pumpctl_history_200_of_a_300_record_journal_arrives_whole(tmp_path):
    # A journal of 300+ records, written by a headless run on a kept flash.
    lines = []
    for i in range(160):
        lines.append("%02d:%02d:00 console temp 110%% 30m" % divmod(2 * i + 1, 60))
        lines.append("%02d:%02d:02 press ok 2000" % divmod(2 * i + 1, 60))  # a temp waits for OK
        lines.append("%02d:%02d:30 console temp cancel" % divmod(2 * i + 1, 60))
    (tmp_path / "s.txt").write_text("\n".join(lines) + "\n")
    flash = tmp_path / "flash"
    res = _headless(tmp_path, "--hours", "5.5", "--script", str(tmp_path / "s.txt"),
                    "--flash", str(flash))
    assert res.returncode in (0, 3), res.stdout + res.stderr
    link = link_mod.SimLink(headless=False, flash=str(flash), pty_link=str(tmp_path / "sim.pty"),
                            wall=1780272000 + 6 * 3600)
    try:
        got = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "pumpctl"), "--port",
                              link.pty_path, "--timeout", "30", "--json", "history", "200"],
                             capture_output=True, text=True, timeout=120)
    finally:
        link.stop()
    assert got.returncode == 0, got.stdout[-500:] + got.stderr
    import json

    records = json.loads(got.stdout)
    records = records.get("records", records) if isinstance(records, dict) else records
    assert len(records) == 200, len(records)
