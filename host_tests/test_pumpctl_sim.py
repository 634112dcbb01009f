# pumpctl as the README's newcomer runs it, against the real firmware in the
# simulator: started by the system python from a clone, no --port (it finds
# the simulator through build/sim.pty), the pump's clock set from this
# computer, and the console left in text mode for the next person.
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools", "sim"))
import link as link_mod  # noqa: E402

BASE_PYTHON = os.path.join(sys.base_prefix, "bin", "python3")


def _clone(tmp_path):
    repo = tmp_path / "repo"
    (repo / "tools").mkdir(parents=True)
    for name in ("pumpctl", "pumpctl_lib.py", "chart_cmd.py", "pumpchart.py", "pumprecord.py"):
        shutil.copy(os.path.join(ROOT, "tools", name), repo / "tools" / name)
    os.symlink(os.path.realpath(os.path.join(ROOT, ".venv")), repo / ".venv")
    return repo


def _read_until(port, marker, seconds):
    got = b""
    deadline = time.monotonic() + seconds
    while marker not in got and time.monotonic() < deadline:
        got += port.read(256)
    return got


def test_newcomer_status_on_the_simulator_from_the_system_python(tmp_path):
    import serial

    repo = _clone(tmp_path)
    link = link_mod.SimLink(headless=False, flash=str(tmp_path / "flash"), wall="unset",
                            pty_link=str(repo / "build" / "sim.pty"))
    env = dict(os.environ)
    for name in ("PLUNGER_PORT", "PUMPCTL_REEXEC"):
        env.pop(name, None)
    try:
        port = serial.Serial(str(repo / "build" / "sim.pty"), 115200, timeout=0.2)
        assert b"plunger> " in _read_until(port, b"plunger> ", 30)  # booted, text mode
        before = int(time.time())
        res = subprocess.run([BASE_PYTHON, str(repo / "tools" / "pumpctl"), "--timeout", "20",
                              "status"], capture_output=True, text=True, timeout=90, env=env,
                             cwd=str(tmp_path))
        assert res.returncode == 0, res.stdout + res.stderr
        assert "state" in res.stdout and "delivered_24h_mu" in res.stdout
        assert "clock was unset" in res.stderr
        wall = [line.split()[1] for line in res.stdout.splitlines() if line.startswith("wall_s")]
        assert wall and before <= int(wall[0]) <= int(time.time()) + 1
        # The console answers the next person in text, with its prompt.
        port.reset_input_buffer()
        port.write(b"version\r\n")
        got = _read_until(port, b"plunger> ", 20)
        port.close()
        assert b"Plunger" in got and b'{"ok"' not in got, got
    finally:
        link.stop()
