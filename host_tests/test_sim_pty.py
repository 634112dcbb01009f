# The simulator's console pseudo-terminal: a terminal program (pyserial here,
# tools/pumpctl) on the printed pty talks to the firmware's stdin/stdout as to
# a board's USB serial port. A stub firmware that answers every line in JSON
# checks the bridge itself; the last test drives the real firmware with
# pumpctl once app.py runs a console.
import os
import subprocess
import sys
import time


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools", "sim"))
import link as link_mod  # noqa: E402

PUMPCTL = os.path.join(ROOT, "tools", "pumpctl")

ECHO_FIRMWARE = '''
import asyncio
import json
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
                if buf.endswith("\\x15"):  # Ctrl-U: pumpctl clears the line first
                    buf = ""
                if buf.endswith("\\n"):
                    line = buf.strip()
                    buf = ""
                    if line:
                        cmd = line.split()[0].lstrip("!").lower()
                        sys.stdout.write(json.dumps({"ok": True, "cmd": cmd,
                                                     "data": {"echo": line}}) + "\\r\\n")
                continue
            await clock.sleep_ms(10)

    async def run():
        asyncio.create_task(console())
        while True:
            await clock.sleep_ms(1000)

    asyncio.run(run())
'''


def _start(tmp_path, firmware=None):
    return link_mod.SimLink(headless=False, flash=str(tmp_path / "flash"), firmware=firmware,
                            pty_link=str(tmp_path / "sim.pty"))


def _echo_firmware(tmp_path):
    fw = tmp_path / "fw"
    fw.mkdir()
    (fw / "main.py").write_text(ECHO_FIRMWARE)
    return str(fw)


def test_pyserial_on_the_pty_reaches_the_firmware_and_back(tmp_path):
    import serial

    link = _start(tmp_path, _echo_firmware(tmp_path))
    try:
        assert os.path.realpath(tmp_path / "sim.pty") == link.pty_path
        port = serial.Serial(str(tmp_path / "sim.pty"), 115200, timeout=0.2)
        port.write(b"status now\r\n")
        got = b""
        deadline = time.monotonic() + 20
        while b"\n" not in got and time.monotonic() < deadline:
            got += port.read(256)
        port.close()
        assert b'"echo": "status now"' in got, got
    finally:
        link.stop()
    assert not os.path.lexists(tmp_path / "sim.pty")  # the name goes with the run


def test_pumpctl_talks_to_the_simulated_pump_over_the_pty(tmp_path):
    link = _start(tmp_path, _echo_firmware(tmp_path))
    try:
        res = subprocess.run([sys.executable, PUMPCTL, "--port", str(tmp_path / "sim.pty"),
                              "--timeout", "20", "--json", "send", "temp", "150%", "1h"],
                             capture_output=True, text=True, timeout=60)
    finally:
        link.stop()
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.strip() == '{"echo": "temp 150% 1h"}'


def test_pumpctl_status_bolus_with_ok_and_history_on_the_real_firmware(tmp_path):
    link = _start(tmp_path)
    port = str(tmp_path / "sim.pty")

    def pumpctl(*args, timeout=60):
        return subprocess.run([sys.executable, PUMPCTL, "--port", port, "--timeout", "20",
                               "--json"] + list(args), capture_output=True, text=True,
                              timeout=timeout)

    try:
        res = pumpctl("status")
        assert res.returncode == 0, res.stdout + res.stderr
        assert '"state"' in res.stdout
        bolus = subprocess.Popen([sys.executable, PUMPCTL, "--port", port, "--timeout", "20",
                                  "--json", "bolus", "0.5"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        # The pump waits for OK held 1.5 s (app.py confirm_hold_ms): hold it,
        # as a person would, until pumpctl has its answer.
        deadline = time.monotonic() + 60
        while bolus.poll() is None and time.monotonic() < deadline:
            time.sleep(1.0)
            link.action("press ok 2000")
            time.sleep(2.5)
        out, err = bolus.communicate(timeout=30)
        assert bolus.returncode == 0, out + err
        res = pumpctl("history", "5")
        assert res.returncode == 0, res.stdout + res.stderr
        assert "bolus" in res.stdout
    finally:
        link.stop()
