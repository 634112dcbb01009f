# firmware/boot.py on the simulated board, under the micropython binary: it
# drives the driver's EN inactive before main.py could, imports none of the
# app, and copes with a board that has no board file yet.
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON = os.path.join(ROOT, ".venv", "bin", "micropython")

PROBE = """
import sys
sys.path.insert(0, %(root)r + "/firmware")
sys.path.insert(0, %(root)r + "/tools/sim")
import machine
before = set(sys.modules)
exec(open(%(root)r + "/firmware/boot.py").read(), {"__name__": "__main__"})
pin = machine.pins.get(%(en)d)
print("EN", None if pin is None else pin.mode, machine.level(%(en)d))
print("NEW", sorted(set(sys.modules) - before))
"""


def _boot_py(tmp_path, board_text):
    if board_text is not None:
        (tmp_path / "board.json").write_text(board_text)
    code = PROBE % {"root": ROOT, "en": 4}
    res = subprocess.run([MICROPYTHON, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=str(tmp_path))
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def test_boot_py_drives_en_inactive_and_imports_none_of_the_app(tmp_path):
    with open(os.path.join(ROOT, "boards", "sim.json")) as f:
        out = _boot_py(tmp_path, f.read())
    assert "EN 1 1" in out  # an output, high: inactive for the active-low EN of sim.json
    new = out.split("NEW", 1)[1]
    for app_module in ("app", "pump", "main", "boot_state", "delivery", "console", "ui"):
        assert "'%s'" % app_module not in new, new


def test_boot_py_without_a_board_file_says_so_and_goes_on(tmp_path):
    out = _boot_py(tmp_path, None)
    assert "boot.py: EN not driven" in out and "EN None" in out
