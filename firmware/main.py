# Plunger boot. MicroPython runs this file at power-up; it is never compiled
# to .mpy. It loads the board description, builds every hardware object (the
# only place in the firmware that does), hands them to the app and runs the
# asyncio loop. The simulator imports it and calls main() with a virtual clock.

import sys

BOARD_FILE = "board.json"


def _disable_motor_early(board):
    # The driver's EN line floats until a pin drives it; make it inactive
    # before anything else can fail.
    from machine import Pin

    st = board["stepper"]
    Pin(st["en"], Pin.OUT, value=1 if st["en_active_low"] else 0)


def build_hardware(board):
    """Build the board's hardware objects from its description."""
    from machine import Pin

    hw = {}
    st = board["stepper"]
    hw["en"] = Pin(st["en"], Pin.OUT, value=1 if st["en_active_low"] else 0)
    if board["led"]["pin"] is not None:
        hw["led"] = Pin(board["led"]["pin"], Pin.OUT, value=0)
    return hw


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
    _disable_motor_early(board)
    try:
        hw = build_hardware(board)
    except Exception as e:  # a pin the port refuses, a bus that does not answer
        return app.fatal("hardware error: %r" % (e,), out)
    if clock is None:
        import clock as clock_mod

        clock = clock_mod.real_clock()
    return app.run(board, hw, clock, run_for_ms=run_for_ms, out=out)


if __name__ == "__main__":
    main()
