# CPython-only checks of the foundation: the simulator boots the real firmware
# headless, and the MicroPython import check catches CPython-only modules.
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)


def _micropython():
    exe = os.path.join(BIN, "micropython")
    assert os.path.exists(exe), "micropython binary missing from the venv"
    return exe


def test_headless_sim_boots_real_firmware_and_exits_0(tmp_path):
    res = subprocess.run([sys.executable, os.path.join(ROOT, "tools/sim/sim.py"), "--headless",
                          "--hours", "1", "--flash", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "booting on board sim" in res.stdout
    assert "stopped" in res.stdout
    assert (tmp_path / "board.json").exists()


def test_boot_with_bad_board_is_one_clear_line(tmp_path):
    code = (
        "import sys; sys.path[:0] = [%r, %r]\n"
        "import main\nsys.exit(main.main(board_path=%r))\n"
        % (os.path.join(ROOT, "tools/sim"), os.path.join(ROOT, "firmware"),
           str(tmp_path / "board.json"))
    )
    import json

    with open(os.path.join(ROOT, "boards/sim.json")) as f:
        board = json.load(f)
    del board["stepper"]["step"]
    (tmp_path / "board.json").write_text(json.dumps(board))
    res = subprocess.run([_micropython(), "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    lines = res.stdout.strip().splitlines()
    assert lines == ["PLUNGER FATAL: board error: %s: stepper.step: missing (required)"
                     % (tmp_path / "board.json")]


def test_mpy_check_rejects_module_micropython_cannot_import(tmp_path):
    fw = tmp_path / "firmware"
    shutil.copytree(os.path.join(ROOT, "firmware"), fw,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (fw / "cpython_only.py").write_text(
        "from dataclasses import dataclass\n\n\n@dataclass\nclass Dose:\n    mu: int\n")
    res = subprocess.run([sys.executable, os.path.join(ROOT, "tools/mpy_check.py"),
                          "--mpy-cross", os.path.join(BIN, "mpy-cross"),
                          "--micropython", _micropython(), "--firmware", str(fw)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode != 0
    assert "cannot import cpython_only" in res.stdout


def test_mpy_check_passes_on_the_real_firmware():
    res = subprocess.run([sys.executable, os.path.join(ROOT, "tools/mpy_check.py"),
                          "--mpy-cross", os.path.join(BIN, "mpy-cross"),
                          "--micropython", _micropython()],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
