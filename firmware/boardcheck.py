# The board file's schema and its checks, field by field (boardfile.py
# loads this only while it checks a file, then lets it go: the running pump
# never needs it).

from boardfile import BoardError
from dotpath import get as _get
from dotpath import put as _set

PIN = "pin"  # required pin
OPT_PIN = "opt_pin"  # optional pin: absent or null means "not fitted"
BOOL = "bool"
STR = "str"

# (field path, kind, required, default). Kind is one of the names above, a
# tuple of allowed values, or ("int", low, high).
SCHEMA = (
    ("name", STR, True, None),
    ("platform", ("rp2", "esp32", "sim"), True, None),
    ("stepper.backend", ("pio", "rmt", "soft", "sim"), True, None),
    ("stepper.step", PIN, True, None),
    ("stepper.dir", PIN, True, None),
    ("stepper.en", PIN, True, None),
    ("stepper.en_active_low", BOOL, False, True),
    ("stepper.invert_dir", BOOL, False, False),
    ("stepper.microsteps", (1, 2, 4, 8, 16, 32, 64, 128, 256), False, 16),
    ("stepper.full_steps_per_rev", ("int", 1, 1000), False, 200),
    ("stepper.max_rate_hz", ("int", 1, 100000), False, 8000),
    ("stepper.start_rate_hz", ("int", 1, 100000), False, 400),
    ("stepper.accel_hz_per_s", ("int", 1, 1000000), False, 4000),
    ("stepper.pulse_us", ("int", 1, 100), False, 3),
    ("stepper.dir_setup_us", ("int", 1, 1000), False, 5),
    ("stepper.hold_torque", BOOL, False, False),
    ("buttons.up", PIN, True, None),
    ("buttons.down", PIN, True, None),
    ("buttons.ok", PIN, True, None),
    ("buttons.back", PIN, True, None),
    ("buttons.active_low", BOOL, False, True),
    ("display.kind", ("ssd1306", "sh1106", "hd44780", "none"), False, "none"),
    ("display.i2c", ("int", 0, 1), False, 0),
    ("display.sda", OPT_PIN, False, None),
    ("display.scl", OPT_PIN, False, None),
    ("display.addr", ("int", 0, 127), False, 0x3C),
    ("display.freq", ("int", 10000, 1000000), False, 400000),
    ("endstops.empty", OPT_PIN, False, None),
    ("endstops.home", OPT_PIN, False, None),
    ("endstops.active_low", BOOL, False, True),
    ("buzzer.pin", OPT_PIN, False, None),
    ("led.pin", OPT_PIN, False, None),
    ("battery.adc", OPT_PIN, False, None),
    ("battery.divider_num", ("int", 1, 100), False, 2),
    ("battery.divider_den", ("int", 1, 100), False, 1),
    ("battery.low_mv", ("int", 0, 30000), False, 3500),
    ("battery.empty_mv", ("int", 0, 30000), False, 3200),
    ("force_sensor.kind", ("none", "hx711"), False, "none"),
    ("force_sensor.dout", OPT_PIN, False, None),
    ("force_sensor.sck", OPT_PIN, False, None),
    # HX711 counts per gram of your load cell (calibrate with a known weight)
    # and the force above the free-running zero that means a blocked line.
    ("force_sensor.counts_per_g", ("int", 1, 1000000), False, 400),
    ("force_sensor.threshold_g", ("int", 10, 5000), False, 300),
    ("tmc2209.uart", ("int", -1, 2), False, -1),
    ("tmc2209.tx", OPT_PIN, False, None),
    ("tmc2209.rx", OPT_PIN, False, None),
    ("tmc2209.diag", OPT_PIN, False, None),
    ("tmc2209.addr", ("int", 0, 3), False, 0),
    ("tmc2209.current_ma", ("int", 100, 2000), False, 600),
    ("wdt.timeout_ms", ("int", 0, 8000), False, 5000),
    # Battery-backed clock on the display's I2C bus (keeps time without power).
    ("rtc.kind", ("none", "ds3231"), False, "none"),
    ("rtc.addr", ("int", 0, 127), False, 0x68),
)

# Fields that must be wired as a pair or not at all.
TOGETHER = (
    ("display.sda", "display.scl"),
    ("force_sensor.dout", "force_sensor.sck"),
    ("tmc2209.tx", "tmc2209.rx"),
)

# GPIO numbers each platform has. ESP32: 6-11 drive the flash chip and 34-39
# are input-only, so they may not be used for outputs.
_RP2_PINS = range(0, 30)
_ESP32_FLASH = (6, 7, 8, 9, 10, 11)
_ESP32_INPUT_ONLY = (34, 35, 36, 37, 38, 39)
OUTPUT_FIELDS = ("stepper.step", "stepper.dir", "stepper.en", "buzzer.pin", "led.pin",
                 "force_sensor.sck", "tmc2209.tx", "display.sda", "display.scl")


def _check_pin(platform, field, value):
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return "must be a GPIO number or pin name, not %r" % (value,)
    if isinstance(value, str):
        return None if value else "pin name is empty"
    if platform == "rp2" and value not in _RP2_PINS:
        return "GPIO%d does not exist on RP2040 (0-29)" % value
    if platform == "esp32":
        if not 0 <= value <= 39:
            return "GPIO%d does not exist on ESP32 (0-39)" % value
        if value in _ESP32_FLASH:
            return "GPIO%d is wired to the flash chip on ESP32" % value
        if field in OUTPUT_FIELDS and value in _ESP32_INPUT_ONLY:
            return "GPIO%d is input-only on ESP32 and cannot drive %s" % (value, field)
    if value < 0:
        return "pin number must not be negative"
    return None


def _check(kind, value):
    """Return None if value fits kind, else the reason."""
    if kind == BOOL:
        return None if isinstance(value, bool) else "must be true or false"
    if kind == STR:
        return None if isinstance(value, str) and value else "must be a non-empty string"
    if isinstance(kind, tuple) and kind and kind[0] == "int" and len(kind) == 3:
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be a whole number"
        if not kind[1] <= value <= kind[2]:
            return "%d is outside %d..%d" % (value, kind[1], kind[2])
        return None
    if value not in kind:
        return "%r is not one of %s" % (value, ", ".join(repr(k) for k in kind))
    return None


def validate(data, source="board"):
    """Return a complete board dict (defaults filled in) or raise BoardError."""
    if not isinstance(data, dict):
        raise BoardError("%s: top level must be a JSON object" % source)
    ok, platform = _get(data, "platform")
    out = {}
    used = {}
    for path, kind, required, default in SCHEMA:
        present, value = _get(data, path)
        if not present or value is None:
            if required:
                raise BoardError("%s: %s: missing (required)" % (source, path))
            _set(out, path, default)
            continue
        if kind in (PIN, OPT_PIN):
            reason = _check_pin(platform, path, value)
            if reason is None and value in used and not path.startswith("display."):
                reason = "pin %r is already used by %s" % (value, used[value])
            if reason is None:
                used[value] = path
        else:
            reason = _check(kind, value)
        if reason:
            raise BoardError("%s: %s: %s" % (source, path, reason))
        _set(out, path, value)
    for a, b in TOGETHER:
        if (_get(out, a)[1] is None) != (_get(out, b)[1] is None):
            raise BoardError("%s: %s and %s must both be set or both be absent" % (source, a, b))
    if out["display"]["kind"] != "none" and out["display"]["sda"] is None:
        raise BoardError("%s: display.sda: missing (required when display.kind is %r)"
                         % (source, out["display"]["kind"]))
    if out["force_sensor"]["kind"] == "hx711" and out["force_sensor"]["dout"] is None:
        raise BoardError("%s: force_sensor.dout: missing (required for hx711)" % source)
    if out["rtc"]["kind"] != "none" and out["display"]["sda"] is None:
        raise BoardError("%s: rtc.kind: %r needs the display's I2C bus (display.sda/scl)"
                         % (source, out["rtc"]["kind"]))
    if out["tmc2209"]["uart"] >= 0 and out["tmc2209"]["tx"] is None:
        raise BoardError("%s: tmc2209.tx: missing (required when tmc2209.uart is set)" % source)
    return out
