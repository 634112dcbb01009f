"""Draw a wiring diagram per board from its board file (Pillow).

    .venv/bin/python tools/wiring_diagram.py            # every flashable board
    .venv/bin/python tools/wiring_diagram.py --board rpi_pico --out docs/wiring

Reads boards/NAME.json (through firmware/boardfile.py, so defaults and checks
are the firmware's own) and writes docs/wiring/NAME.png: the board on the
left, every part on the right, one coloured wire per GPIO, and the power notes
a bench build needs. The picture always matches the board file it came from.
"""
import argparse
import os
import sys

from PIL import Image, ImageDraw, ImageFont

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "firmware"))
import boardfile  # noqa: E402

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
COLOURS = ((214, 39, 40), (31, 119, 180), (44, 160, 44), (255, 127, 14), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (23, 190, 207), (188, 189, 34), (127, 127, 127))
BOARD_TITLES = {"rp2": "Raspberry Pi Pico (RP2040)", "esp32": "ESP32 DevKitC"}
ROW = 30


def font(size, bold=False):
    try:
        return ImageFont.truetype(FONT_BOLD if bold else FONT, size)
    except OSError:
        return ImageFont.load_default()


def pin_label(platform, gpio):
    if platform == "rp2":
        extra = {26: " (ADC0)", 27: " (ADC1)", 28: " (ADC2)", 25: " (LED)"}.get(gpio, "")
        return "GP%d%s" % (gpio, extra)
    if platform == "esp32":
        return "GPIO%d" % gpio
    return "pin %s" % gpio


def parts(board):
    """[(part title, notes, [(part pin, gpio)])] for everything the board fits."""
    st, bt, out = board["stepper"], board["buttons"], []
    pol = "low" if st["en_active_low"] else "high"
    out.append(("Stepper driver (A4988 / DRV8825 / TMC2209)",
                ["EN active %s; 1/%d microsteps (MS pins)" % (pol, st["microsteps"]),
                 "VMOT 12 V + 100 uF across it; VDD 3V3; GND common",
                 "A1 A2 B1 B2 to the NEMA17 coils"],
                [("STEP", st["step"]), ("DIR", st["dir"]), ("EN", st["en"])]))
    d = board["display"]
    if d["kind"] != "none":
        out.append(("OLED %s 128x64, I2C%d @0x%02X" % (d["kind"].upper(), d["i2c"], d["addr"]),
                    ["VCC 3V3, GND"], [("SDA", d["sda"]), ("SCL", d["scl"])]))
    to = "GND" if bt["active_low"] else "3V3"
    out.append(("Buttons (push to close)", ["other leg of each to %s; internal pull-%s"
                                            % (to, "up" if bt["active_low"] else "down")],
                [("UP", bt["up"]), ("DOWN", bt["down"]), ("OK", bt["ok"]), ("BACK", bt["back"])]))
    es = board["endstops"]
    ends = [(n.upper(), es[n]) for n in ("empty", "home") if es[n] is not None]
    if ends:
        out.append(("End-stop switches (NO)", ["COM to %s" % ("GND" if es["active_low"] else "3V3"),
                                               "EMPTY: plunger at the end; HOME: fully back"],
                    ends))
    fs = board["force_sensor"]
    if fs["kind"] == "hx711":
        out.append(("HX711 load-cell amplifier", ["VCC 3V3, GND; load cell on E+/E-/A+/A-"],
                    [("DOUT", fs["dout"]), ("SCK", fs["sck"])]))
    tmc = board["tmc2209"]
    if tmc["uart"] >= 0:
        pins = [("PDN_UART (TX, 1k)", tmc["tx"]), ("PDN_UART (RX)", tmc["rx"])]
        if tmc["diag"] is not None:
            pins.append(("DIAG", tmc["diag"]))
        out.append(("TMC2209 UART%d, addr %d" % (tmc["uart"], tmc["addr"]),
                    ["1 kOhm between TX and the PDN_UART line"], pins))
    if board["buzzer"]["pin"] is not None:
        out.append(("Piezo buzzer", ["other leg to GND (an NPN stage for a loud one)"],
                    [("+", board["buzzer"]["pin"])]))
    b = board["battery"]
    if b["adc"] is not None:
        out.append(("Battery divider", ["VBAT - R1 - ADC - R2 - GND, R1:R2 = %d:%d"
                                        % (b["divider_num"] - b["divider_den"], b["divider_den"]),
                                        "low %d mV, empty %d mV" % (b["low_mv"], b["empty_mv"])],
                    [("ADC tap", b["adc"])]))
    if board["led"]["pin"] is not None:
        out.append(("Status LED", ["on-board, or LED + 330 Ohm to GND"],
                    [("LED", board["led"]["pin"])]))
    return out


def draw(board, path):
    platform = board["platform"]
    groups = parts(board)
    wires = [(g, pin, gpio) for g, (_, _, pins) in enumerate(groups) for pin, gpio in pins]
    f_title, f, f_small, f_bold = font(26, True), font(17), font(14), font(17, True)
    # Part boxes stacked on the right; board pins in the order of the wires.
    part_y, y = [], 90
    for _title, notes, pins in groups:
        h = 34 + ROW * len(pins) + 18 * len(notes) + 10
        part_y.append((y, h))
        y += h + 16
    height = max(y, 90 + ROW * len(wires) + 120) + 20
    width = 1500
    img = Image.new("RGB", (width, height), (255, 255, 255))
    dr = ImageDraw.Draw(img)
    dr.text((30, 20), "Plunger wiring: %s (boards/%s.json)" % (BOARD_TITLES.get(platform, platform),
                                                               board["name"]), font=f_title,
            fill=(0, 0, 0))
    bx0, bx1, by0 = 40, 330, 90
    by1 = by0 + 40 + ROW * len(wires) + 50
    dr.rounded_rectangle((bx0, by0, bx1, by1), 12, outline=(0, 90, 0), width=3, fill=(232, 245, 232))
    dr.text((bx0 + 14, by0 + 10), BOARD_TITLES.get(platform, platform), font=f_bold, fill=(0, 70, 0))
    dr.text((bx0 + 14, by1 - 36), "3V3, GND, VBUS / 5V: see notes", font=f_small, fill=(0, 70, 0))
    px0, px1 = 900, 1460
    for g, (title, notes, pins) in enumerate(groups):
        top, h = part_y[g]
        dr.rounded_rectangle((px0, top, px1, top + h), 10, outline=(60, 60, 60), width=2,
                             fill=(248, 248, 252))
        dr.text((px0 + 12, top + 8), title, font=f_bold, fill=(20, 20, 20))
        for k, note in enumerate(notes):
            dr.text((px0 + 150, top + 36 + ROW * len(pins) + 18 * k - 4), note, font=f_small,
                    fill=(90, 90, 90))
    for i, (g, pin, gpio) in enumerate(wires):
        colour = COLOURS[i % len(COLOURS)]
        y_board = by0 + 50 + ROW * i
        top, _ = part_y[g]
        k = [p for p, _ in groups[g][2]].index(pin)
        y_part = top + 44 + ROW * k
        dr.text((bx0 + 14, y_board - 10), pin_label(platform, gpio), font=f, fill=(0, 0, 0))
        dr.ellipse((bx1 - 7, y_board - 5, bx1 + 3, y_board + 5), fill=colour)
        lane = 360 + (i * 500) // max(1, len(wires))
        dr.line([(bx1, y_board), (lane, y_board), (lane, y_part), (px0, y_part)], fill=colour,
                width=3)
        dr.ellipse((px0 - 5, y_part - 5, px0 + 5, y_part + 5), fill=colour)
        dr.text((px0 + 14, y_part - 10), pin, font=f, fill=colour)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    img.save(path)
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--board", action="append", help="board name (default: rpi_pico and esp32_devkitc)")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "wiring"))
    args = ap.parse_args(argv)
    for name in args.board or ("rpi_pico", "esp32_devkitc"):
        board = boardfile.load(os.path.join(ROOT, "boards", name + ".json"))
        print("wrote", os.path.relpath(draw(board, os.path.join(args.out, name + ".png")), ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
