# plunger-test: both
# Board descriptions: every shipped board loads; every defect is one clear
# error naming the file, the field and the reason.
import json

import boardfile
from testkit import raises

BOARDS = ("rpi_pico", "esp32_devkitc", "sim")


def _board(name):
    with open("../boards/%s.json" % name) as f:
        return json.loads(f.read())


def test_every_shipped_board_loads():
    for name in BOARDS:
        b = boardfile.load("../boards/%s.json" % name)
        assert b["name"] == name
        assert b["stepper"]["microsteps"] in (1, 2, 4, 8, 16, 32, 64, 128, 256)
        assert b["stepper"]["en"] is not None


def test_defaults_are_filled_in():
    data = _board("rpi_pico")
    del data["stepper"]["microsteps"]
    del data["buzzer"]
    b = boardfile.validate(data, "x.json")
    assert b["stepper"]["microsteps"] == 16
    assert b["buzzer"]["pin"] is None


def test_missing_step_pin_names_the_field():
    data = _board("rpi_pico")
    del data["stepper"]["step"]
    e = raises(boardfile.BoardError, boardfile.validate, data, "boards/rpi_pico.json")
    assert str(e) == "boards/rpi_pico.json: stepper.step: missing (required)"


def test_pin_that_does_not_exist_on_rp2040():
    data = _board("rpi_pico")
    data["stepper"]["dir"] = 30
    e = raises(boardfile.BoardError, boardfile.validate, data, "p.json")
    assert "stepper.dir" in str(e) and "RP2040" in str(e)


def test_esp32_input_only_pin_cannot_drive_step():
    data = _board("esp32_devkitc")
    data["stepper"]["step"] = 34
    e = raises(boardfile.BoardError, boardfile.validate, data, "e.json")
    assert "stepper.step" in str(e) and "input-only" in str(e)


def test_esp32_flash_pins_rejected():
    data = _board("esp32_devkitc")
    data["buttons"]["ok"] = 6
    e = raises(boardfile.BoardError, boardfile.validate, data, "e.json")
    assert "buttons.ok" in str(e) and "flash" in str(e)


def test_pin_used_twice():
    data = _board("rpi_pico")
    data["buttons"]["up"] = data["stepper"]["step"]
    e = raises(boardfile.BoardError, boardfile.validate, data, "p.json")
    assert "buttons.up" in str(e) and "stepper.step" in str(e)


def test_wrong_types_and_ranges():
    cases = (
        (("stepper", "microsteps"), 3, "stepper.microsteps"),
        (("stepper", "en_active_low"), 1, "stepper.en_active_low"),
        (("stepper", "step"), True, "stepper.step"),
        (("stepper", "max_rate_hz"), 0, "stepper.max_rate_hz"),
        (("display", "kind"), "lcd", "display.kind"),
        (("platform",), "avr", "platform"),
    )
    for path, value, field in cases:
        data = _board("rpi_pico")
        node = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
        e = raises(boardfile.BoardError, boardfile.validate, data, "p.json")
        assert ("p.json: %s:" % field) in str(e), str(e)


def test_half_wired_pairs_rejected():
    data = _board("rpi_pico")
    data["force_sensor"] = {"kind": "hx711", "dout": 20}
    e = raises(boardfile.BoardError, boardfile.validate, data, "p.json")
    assert "force_sensor.dout and force_sensor.sck" in str(e)


def test_unreadable_and_malformed_files():
    e = raises(boardfile.BoardError, boardfile.load, "no_such_board.json")
    assert "no_such_board.json" in str(e) and "cannot read" in str(e)
    e = raises(boardfile.BoardError, boardfile.validate, [1, 2], "l.json")
    assert "JSON object" in str(e)
