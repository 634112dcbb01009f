# The wiring diagrams in docs/wiring/ come from the board files: every GPIO a
# board file names is drawn exactly once, and the picture is made.
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import boardfile  # noqa: E402
import wiring_diagram  # noqa: E402

PIN_FIELDS = [p for p, kind, _, _ in boardfile.SCHEMA if kind in (boardfile.PIN, boardfile.OPT_PIN)]


def _board_pins(board):
    pins = []
    for path in PIN_FIELDS:
        node = board
        for part in path.split("."):
            node = node[part]
        if node is not None:
            pins.append(node)
    return sorted(pins)


def test_every_board_pin_is_drawn_once(tmp_path):
    for name in ("rpi_pico", "esp32_devkitc", "sim"):
        board = boardfile.load(os.path.join(ROOT, "boards", name + ".json"))
        drawn = sorted(gpio for _, _, pins in wiring_diagram.parts(board) for _, gpio in pins)
        assert drawn == _board_pins(board), name
        path = wiring_diagram.draw(board, str(tmp_path / (name + ".png")))
        from PIL import Image

        assert Image.open(path).size[0] == 1500


def test_committed_diagrams_exist_for_the_flashable_boards():
    for name in ("rpi_pico", "esp32_devkitc"):
        assert os.path.getsize(os.path.join(ROOT, "docs", "wiring", name + ".png")) > 10000
