# CPython only (Pillow, subprocess): tools/screenshot.py turns real screens
# into PNGs for the README.
import os
import subprocess
import sys

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))

import screenshot  # noqa: E402


def test_png_is_scaled_and_lit_pixels_show(tmp_path):
    buf = screenshot.render_scene("status")
    path = str(tmp_path / "s.png")
    screenshot.save_png(buf, path, scale=4)
    img = Image.open(path).convert("RGB")
    assert img.size == (130 * 4, 66 * 4)  # 1-pixel border all round
    # The header rule at y=9 is lit across the screen; row 10 is dark.
    lit = img.getpixel(((1 + 60) * 4 + 1, (1 + 9) * 4 + 1))
    dark = img.getpixel(((1 + 60) * 4 + 1, (1 + 10) * 4 + 1))
    assert lit != dark and lit[2] > dark[2]


def test_cli_writes_requested_scenes(tmp_path):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "screenshot.py"),
                          "menu_bolus", "alarm", "--out", str(tmp_path), "--scale", "2"],
                         capture_output=True, text=True, check=True)
    assert sorted(os.listdir(tmp_path)) == ["alarm.png", "menu_bolus.png"]
    assert Image.open(tmp_path / "alarm.png").size == (260, 132)
    assert "alarm.png" in out.stdout


def test_committed_docs_pngs_exist():
    for name in ("status", "menu_bolus", "menu_temp_basal", "alarm"):
        assert os.path.exists(os.path.join(ROOT, "docs", "screens", name + ".png"))
