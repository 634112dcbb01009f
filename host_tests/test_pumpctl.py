# pumpctl against an in-process console over a pseudo-terminal pair (CPython
# only): the console runs with a fake pump facade on the pty master in a
# thread; pumpctl opens the slave path like a real serial port. Waiting here
# is for I/O on the pty, never for time to pass.
import asyncio
import csv
import io
import json
import os
import re
import select
import shutil
import subprocess
import sys
import threading
import time
import tty

import pumpctl_lib
from test_console_fakes import FakeFacade, FakeGates

from console.shell import Console

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class PtyStream:
    def __init__(self, fd, stop):
        self.fd = fd
        self.stop = stop

    async def read(self, n):
        while not self.stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.01)
            if ready:
                try:
                    return os.read(self.fd, 1)
                except OSError:
                    return b""
            await asyncio.sleep(0)
        return b""


class PtyPump:
    """A console with a fake facade served on a pty; .path is the port."""

    def __init__(self, confirm_answer=True):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # no echo or CR/LF translation, like a USB CDC port
        self.path = os.ttyname(self.slave)
        self.facade = FakeFacade()
        self.asked = []
        self.stop = threading.Event()

        async def confirmer(prompt, timeout_ms):
            self.asked.append(prompt)
            return confirm_answer

        def write(s):
            os.write(self.master, s.encode())

        self.console = Console(self.facade, lambda: 1000, write, confirmer, gates=FakeGates())
        self.modes = []  # every JSON-mode switch, in order
        set_json = self.console.set_json

        def spy(on):
            self.modes.append(("set_json", on))
            set_json(on)

        self.console.set_json = spy
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        asyncio.run(self.console.serve(PtyStream(self.master, self.stop)))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(5)
        os.close(self.slave)
        os.close(self.master)


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = pumpctl_lib.main(argv, out, err)
    return code, out.getvalue(), err.getvalue()


def test_status_over_pty():
    with PtyPump() as pump:
        code, out, err = run(["--port", pump.path, "--json", "status"])
    assert code == 0, err
    data = json.loads(out)
    assert data["state"] == "delivering" and data["iob_mu"] == 1234
    # JSON lines for the conversation, then back to text as a person left it
    assert ("set_json", True) in pump.modes and pump.console.json is False


def test_bolus_waits_for_ok_then_reports():
    with PtyPump(confirm_answer=True) as pump:
        code, out, err = run(["bolus", "1.5", "--port", pump.path])
    assert code == 0, err
    assert "press OK on the pump" in err
    assert "bolus started" in out
    assert pump.asked and pump.facade.calls[-1] == ("bolus", 1500, 0, 0)


def test_bolus_not_confirmed_exits_1_with_reason():
    with PtyPump(confirm_answer=False) as pump:
        code, out, err = run(["bolus", "1", "--ext", "2", "--over", "2h", "--port", pump.path])
    assert code == 1
    assert "not confirmed" in err and "not_confirmed" in err
    assert "bolus" not in pump.facade.names()


def test_bolus_over_the_limit_exits_1():
    with PtyPump() as pump:
        code, out, err = run(["bolus", "50", "--port", pump.path])
    assert code == 1 and "max_bolus" in err
    assert pump.asked == []


def test_bad_amount_is_a_usage_error():
    with PtyPump() as pump:
        code, out, err = run(["bolus", "1e3", "--port", pump.path])
    assert code == 2 and "number" in err


def test_history_csv():
    with PtyPump() as pump:
        code, out, err = run(["history", "3", "--csv", "--port", pump.path])
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["seq", "wall_s", "time_utc", "now_ms", "kind", "data"]
    assert [r[0] for r in rows[1:]] == ["28", "29", "30"]
    assert rows[-1][2] == "2026-11-22 04:30:00" and rows[-1][4] == "bolus_start"
    assert json.loads(rows[-1][5]) == {"now_mu": 30000}


def test_async_events_are_skipped_and_alarm_reported():
    with PtyPump() as pump:
        pump.console.set_json(True)
        pump.console.alarm({"id": "occlusion"})  # already waiting in the pty before pumpctl
        code, out, err = run(["--port", pump.path, "version", "--json"])
    assert code == 0, err
    assert json.loads(out) == {"version": "0.1.0"}


def test_watch_prints_status_lines():
    with PtyPump() as pump:
        code, out, err = run(["watch", "--count", "2", "--interval", "0", "--port", pump.path])
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 2 and "state=delivering" in lines[0] and "iob=1.234 U" in lines[0]


def test_send_any_line():
    with PtyPump() as pump:
        code, out, err = run(["send", "temp", "150%", "1h", "--port", pump.path])
    assert code == 0, err
    assert pump.facade.calls[-1] == ("temp_basal", 60, 150, None)


def test_no_reply_is_exit_3():
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        code, out, err = run(["--timeout", "0.2", "--port", os.ttyname(slave), "status"])
    finally:
        os.close(slave)
        os.close(master)
    assert code == 3 and "no reply" in err


def test_missing_port_is_exit_3_and_bad_usage_exit_2():
    assert run(["--port", "/nonexistent/tty", "status"])[0] == 3
    assert run(["frobnicate"])[0] == 2
    assert run(["bolus", "1", "--ext", "2"])[0] == 2


def test_pick_port_prefers_known_boards():
    class P:
        def __init__(self, device, vid):
            self.device, self.vid = device, vid

    assert pumpctl_lib.pick_port([P("/dev/ttyS0", None), P("/dev/ttyUSB0", 0x1A86),
                                  P("/dev/ttyACM0", 0x2E8A)]) == "/dev/ttyACM0"
    assert pumpctl_lib.pick_port([P("/dev/ttyUSB1", 0x10C4)]) == "/dev/ttyUSB1"
    assert pumpctl_lib.pick_port([P("/dev/ttyS0", None), P("/dev/ttyX", 0x1234)]) is None


def test_executable_script_runs():
    with PtyPump() as pump:
        res = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "pumpctl"), "--port",
                              pump.path, "--json", "version"], capture_output=True, text=True,
                             timeout=30)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == {"version": "0.1.0"}


# ---- leaving the console as it was found (issue 17 item 8) -----------------

def test_console_found_in_text_mode_is_left_in_text_mode():
    with PtyPump() as pump:
        code, out, err = run(["--port", pump.path, "version"])
        assert code == 0, err
        assert pump.modes == [("set_json", True), ("set_json", False)]
        assert pump.console.json is False and pump.console.editor.echo is True


def test_console_found_in_json_mode_is_left_in_json_mode():
    with PtyPump() as pump:
        pump.console.set_json(True)  # another script's session
        code, out, err = run(["--port", pump.path, "version"])
        assert code == 0, err
        assert pump.console.json is True
        assert ("set_json", False) not in pump.modes


def test_console_is_restored_after_a_refusal_too():
    with PtyPump() as pump:
        code, out, err = run(["bolus", "50", "--port", pump.path])
        assert code == 1
        assert pump.console.json is False


# ---- the pump's clock from this computer (issue 13) ------------------------

def test_unset_clock_is_set_from_the_host_and_said():
    with PtyPump() as pump:
        pump.facade.wall = None
        before = int(time.time())
        code, out, err = run(["--port", pump.path, "status"])
    assert code == 0, err
    assert "clock was unset" in err and "from this computer" in err
    sets = [c for c in pump.facade.calls if c[0] == "set_time"]
    assert len(sets) == 1 and before <= sets[0][1] <= int(time.time())


def test_clock_off_by_an_hour_is_corrected():
    with PtyPump() as pump:
        pump.facade.wall = int(time.time()) - 3600
        code, out, err = run(["--port", pump.path, "version"])
    assert code == 0, err
    off = re.search(r"clock was (-\d+) s off", err)
    assert off and -3630 <= int(off.group(1)) <= -3599, err  # the fake's clock stands still
    assert abs(pump.facade.wall - time.time()) <= 30


def test_clock_within_a_few_seconds_is_left_alone():
    with PtyPump() as pump:
        pump.facade.wall_s = lambda: int(time.time()) - 2  # a clock that runs, 2 s slow
        code, out, err = run(["--port", pump.path, "version"])
    assert code == 0, err
    assert "set_time" not in pump.facade.names() and "clock" not in err


def test_keep_clock_leaves_a_wrong_clock_alone():
    with PtyPump() as pump:
        pump.facade.wall = 1795320605
        code, out, err = run(["--port", pump.path, "--keep-clock", "version"])
    assert code == 0, err
    assert "set_time" not in pump.facade.names() and pump.facade.wall == 1795320605


# ---- finding the simulator through build/sim.pty (issue 17 item 7) ---------

def _no_usb(monkeypatch):
    monkeypatch.delenv("PLUNGER_PORT", raising=False)
    monkeypatch.setattr(pumpctl_lib, "pick_port", lambda ports: None)


def test_the_simulators_link_is_the_port(tmp_path, monkeypatch):
    _no_usb(monkeypatch)
    with PtyPump() as pump:
        link = tmp_path / "sim.pty"
        os.symlink(pump.path, link)
        monkeypatch.setattr(pumpctl_lib, "SIM_PORT_LINK", str(link))
        assert pumpctl_lib.find_port() == str(link)
        done = []
        # The old reader opened the link as a file and waited for a line
        # forever: run it where a hang is a failure, not a stuck test run.
        t = threading.Thread(target=lambda: done.append(run(["--json", "version"])), daemon=True)
        t.start()
        t.join(20)
    assert done, "pumpctl hung on build/sim.pty"
    code, out, err = done[0]
    assert code == 0, err
    assert json.loads(out) == {"version": "0.1.0"}


def test_a_dangling_simulator_link_says_the_simulator_is_not_running(tmp_path, monkeypatch):
    _no_usb(monkeypatch)
    link = tmp_path / "sim.pty"
    os.symlink("/dev/pts/does-not-exist", link)
    monkeypatch.setattr(pumpctl_lib, "SIM_PORT_LINK", str(link))
    code, out, err = run(["status"])
    assert code == 3 and "simulator is not running" in err and "make sim" in err


def test_no_pump_anywhere_is_exit_3_with_what_to_do(tmp_path, monkeypatch):
    _no_usb(monkeypatch)
    monkeypatch.setattr(pumpctl_lib, "SIM_PORT_LINK", str(tmp_path / "none.pty"))
    code, out, err = run(["status"])
    assert code == 3 and "no pump found" in err and "--port" in err


# ---- its own interpreter from .venv (issue 17 item 7) ----------------------

BASE_PYTHON = os.path.join(sys.base_prefix, "bin", "python3")


def _repo_copy(tmp_path):
    """tools/pumpctl and its library in a fresh folder, as a clone has them."""
    tools = tmp_path / "repo" / "tools"
    tools.mkdir(parents=True)
    for name in ("pumpctl", "pumpctl_lib.py", "chart_cmd.py", "pumpchart.py", "pumprecord.py"):
        shutil.copy(os.path.join(ROOT, "tools", name), tools / name)
    return tmp_path / "repo"


def test_started_by_the_system_python_it_runs_under_the_venv():
    # The base interpreter of .venv has no pyserial (the README's newcomer
    # got ModuleNotFoundError: serial); the script must start itself again.
    with PtyPump() as pump:
        env = dict(os.environ)
        env.pop("PUMPCTL_REEXEC", None)
        res = subprocess.run([BASE_PYTHON, os.path.join(ROOT, "tools", "pumpctl"), "--port",
                              pump.path, "--json", "version"], capture_output=True, text=True,
                             timeout=60, env=env)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == {"version": "0.1.0"}


def test_a_clone_without_venv_builds_it_with_make_first(tmp_path):
    repo = _repo_copy(tmp_path)
    venv = os.path.realpath(os.path.join(ROOT, ".venv"))
    # A stand-in for the real target (which pip-installs for minutes): it
    # records that it ran and makes .venv.
    (repo / "Makefile").write_text("venv:\n\techo built > made-venv\n\tln -s %s .venv\n" % venv)
    with PtyPump() as pump:
        env = dict(os.environ)
        env.pop("PUMPCTL_REEXEC", None)
        res = subprocess.run([BASE_PYTHON, str(repo / "tools" / "pumpctl"), "--port", pump.path,
                              "--json", "version"], capture_output=True, text=True, timeout=60,
                             env=env)
    assert res.returncode == 0, res.stderr
    assert "building .venv with `make venv`" in res.stderr
    assert (repo / "made-venv").exists()
    assert json.loads(res.stdout) == {"version": "0.1.0"}  # make's chatter kept off stdout


def test_a_failing_make_venv_is_exit_2_and_said(tmp_path):
    repo = _repo_copy(tmp_path)
    (repo / "Makefile").write_text("venv:\n\tfalse\n")
    env = dict(os.environ)
    env.pop("PUMPCTL_REEXEC", None)
    res = subprocess.run([BASE_PYTHON, str(repo / "tools" / "pumpctl"), "status"],
                         capture_output=True, text=True, timeout=60, env=env)
    assert res.returncode == 2
    assert "`make venv` failed" in res.stderr
