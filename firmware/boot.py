# Plunger boot.py. MicroPython runs it first at every reset, soft ones too
# (Ctrl-D, mpremote entering its raw REPL), about 240 ms before main.py
# could; main.py itself does not run in the raw REPL. So this is the
# earliest a program can make the motor driver's EN inactive, and the one
# place that runs when mpremote soft-resets a pump whose watchdog cannot be
# stopped. It stays tiny and imports none of the app: the board file for the
# EN pin, then handover (with reset_note) for the watchdog. Fit a pull-up on EN as well (see
# the README's wiring): before any program runs, only a resistor holds it.
# Never compiled to .mpy: MicroPython runs /boot.py as source.

try:
    import json
    from machine import Pin

    with open("board.json") as _f:
        _b = json.load(_f)
    _st = _b["stepper"]
    Pin(_st["en"], Pin.OUT, value=1 if _st.get("en_active_low", True) else 0)
except Exception as _e:  # no board file yet (first flash): nothing to drive
    print("boot.py: EN not driven:", repr(_e))
    _b = None

try:
    import handover

    if _b is not None and handover.boot_py(_b.get("platform")):
        print("boot.py: watchdog still running from before the soft reset; a timer feeds it")
except Exception as _e:
    print("boot.py: watchdog check failed:", repr(_e))
