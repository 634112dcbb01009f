# Plunger boot. MicroPython runs this file at power-up; it is never compiled
# to .mpy. It loads the board description, builds every hardware object (the
# only place in the firmware that does), hands them to the app and runs the
# asyncio loop. The simulator imports it and calls main() with a virtual clock.

import os
import sys

BOARD_FILE = "board.json"


def _disable_motor_early(board):
    # The driver's EN line floats until a pin drives it; make it inactive
    # before anything else can fail.
    from machine import Pin

    st = board["stepper"]
    return Pin(st["en"], Pin.OUT, value=1 if st["en_active_low"] else 0)


def _pull(Pin, active_low):
    return Pin.PULL_UP if active_low else Pin.PULL_DOWN


def _stepper(board, hw, clock, Pin):
    from drivers.endstops import EndStops

    st = board["stepper"]
    es = board["endstops"]

    def switch(gpio):
        return None if gpio is None else Pin(gpio, Pin.IN, _pull(Pin, es["active_low"]))

    stops = EndStops(switch(es["empty"]), switch(es["home"]), es["active_low"])
    dir_pin = Pin(st["dir"], Pin.OUT, value=0)
    hard_irq = False
    if st["backend"] == "pio":
        from drivers.stepper_rp2 import PioStepper

        motor = PioStepper(Pin(st["step"], Pin.OUT, value=0), dir_pin, hw["en"], st, clock,
                           sm_id=0, endstops=stops)
        hard_irq = True  # the PIO keeps pulsing: stop it from the edge itself
    elif st["backend"] == "rmt":
        import esp32
        from drivers.stepper_esp32 import RmtStepper

        step = Pin(st["step"], Pin.OUT, value=0)
        try:
            rmt = esp32.RMT(0, pin=step, resolution_hz=1000000, idle_level=False)
        except TypeError:  # the RMT driver before MicroPython 1.25
            rmt = esp32.RMT(0, pin=step, clock_div=80, idle_level=False)
        motor = RmtStepper(dir_pin, hw["en"], st, clock, rmt, endstops=stops)
    else:  # "soft" (any board, slow rates) and "sim"
        from drivers.stepper import SoftStepper

        motor = SoftStepper(Pin(st["step"], Pin.OUT, value=0), dir_pin, hw["en"], st, clock,
                            endstops=stops)
    stops.attach(motor, Pin.IRQ_FALLING if es["active_low"] else Pin.IRQ_RISING, hard=hard_irq)
    hw["stepper"] = motor
    hw["endstops"] = stops


def _tmc2209(board, Pin):
    tmc = board["tmc2209"]
    if tmc["uart"] < 0:
        return
    from machine import UART

    from drivers.tmc2209 import TMC2209

    uart = UART(tmc["uart"], 115200, tx=Pin(tmc["tx"]), rx=Pin(tmc["rx"]), timeout=5)
    # Raises TMCError with one sentence when the driver does not answer.
    TMC2209(uart, tmc["addr"]).configure(board["stepper"]["microsteps"], tmc["current_ma"])


def _sensors(board, hw, clock, Pin):
    from drivers.occlusion import Occlusion

    tmc = board["tmc2209"]
    diag = None if tmc["diag"] is None else Pin(tmc["diag"], Pin.IN)
    fsen = board["force_sensor"]
    force = None
    if fsen["kind"] == "hx711":
        from drivers.hx711 import HX711

        force = HX711(Pin(fsen["dout"], Pin.IN), Pin(fsen["sck"], Pin.OUT, value=0))
    hw["occlusion"] = Occlusion(force=force, diag=diag, threshold_g=fsen["threshold_g"],
                                counts_per_g=fsen["counts_per_g"])
    if board["buzzer"]["pin"] is not None:
        from machine import PWM

        from drivers.buzzer import Buzzer

        hw["buzzer"] = Buzzer(PWM(Pin(board["buzzer"]["pin"]), freq=2000, duty_u16=0), clock)
    bat = board["battery"]
    if bat["adc"] is not None:
        from machine import ADC

        from drivers.battery import Battery

        if board["platform"] == "esp32":
            adc = ADC(Pin(bat["adc"]), atten=ADC.ATTN_11DB)  # full 0-3.3 V range
        else:
            adc = ADC(Pin(bat["adc"]))
        hw["battery"] = Battery(adc, bat["divider_num"], bat["divider_den"], bat["low_mv"],
                                bat["empty_mv"])
    if board["led"]["pin"] is not None:
        from drivers.led import Heartbeat

        hw["heartbeat"] = Heartbeat(Pin(board["led"]["pin"], Pin.OUT, value=0), clock)


def _ui(board, hw, Pin):
    b = board["buttons"]
    pull = _pull(Pin, b["active_low"])
    hw["buttons"] = {n: Pin(b[n], Pin.IN, pull) for n in ("up", "down", "ok", "back")}
    d = board["display"]
    if d["kind"] in ("ssd1306", "sh1106"):
        from machine import I2C

        i2c = I2C(d["i2c"], sda=Pin(d["sda"]), scl=Pin(d["scl"]), freq=d["freq"])
        if d["kind"] == "ssd1306":
            from drivers.ssd1306 import SSD1306_I2C as Display
        else:
            from drivers.sh1106 import SH1106_I2C as Display
        hw["display"] = Display(128, 64, i2c, d["addr"])
        hw["i2c"] = i2c


def build_hardware(board, en, clock):
    """Build the board's hardware objects from its description."""
    from machine import Pin

    hw = {"en": en}
    _stepper(board, hw, clock, Pin)
    _tmc2209(board, Pin)
    _sensors(board, hw, clock, Pin)
    _ui(board, hw, Pin)
    import lazy
    import timekeep

    timekeep.at_boot(board, hw, clock)  # why the reset came; the time brought back
    lazy.drop("timekeep")  # boot only
    return hw


def build_watchdog(board, hw, enabled):
    """machine.WDT cannot be stopped once started, so it is made only when
    the config asks for it (a development flag leaves it off). From here the
    app's watchdog gate feeds it, so a timer left by boot.py stops."""
    import reset_note

    timeout = board["wdt"]["timeout_ms"]
    if enabled and timeout:
        from machine import WDT

        hw["wdt"] = WDT(timeout=timeout)
        left = sys.modules.get("handover")  # only loaded if boot.py started a timer
        if left is not None:
            left.stop_keep_fed()
            import lazy

            lazy.drop("handover")
        hw["reset_note"].write(state=reset_note.RUNNING, wdt_ms=timeout)
    # else: a watchdog left running from before a soft reset stays fed by
    # boot.py's timer: it cannot be stopped, and the config wants it unguarded.


def main(board_path=BOARD_FILE, clock=None, run_for_ms=None, out=None):
    """Boot the pump. Returns the app's exit code (only the simulator and
    tests ever see it return)."""
    import app
    import boardfile

    out = out or sys.stdout
    try:
        board = boardfile.load(board_path)
    except boardfile.BoardError as e:
        return app.fatal("board error: %s" % e, out)
    en = _disable_motor_early(board)
    if clock is None:
        import clock as clock_mod

        clock = clock_mod.real_clock()
    try:
        hw = build_hardware(board, en, clock)
    except Exception as e:  # a pin the port refuses, a bus or driver that does not answer
        en.value(1 if board["stepper"]["en_active_low"] else 0)
        return app.fatal("hardware error: %s" % (e,), out)
    from store.fs import DeviceFs

    # The working folder is "/" on a board and the simulated flash on a host.
    cwd = os.getcwd()
    hw["fs"] = DeviceFs("" if cwd == "/" else cwd)
    code = app.run(board, hw, clock, run_for_ms=run_for_ms, out=out,
                   make_watchdog=lambda enabled: build_watchdog(board, hw, enabled))
    if code == app.INTERRUPTED:
        import handover

        handover.hand_over(hw, out)
    return code


if __name__ == "__main__":
    main()
