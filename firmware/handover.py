# Around a hand-over or a deliberate reset only: the timer that feeds the
# watchdog while no app guards the motor (after Ctrl-C, and in boot.py after
# a soft reset), the console's reset and tools/flash.sh's last word. Loaded
# when one of these happens, never at a normal boot.

from reset_note import DELIBERATE, HANDED_OVER, RUNNING, ResetNote, chip_of

from micropython import const

_WDT_CTRL = const(0x40058000)  # RP2040 WATCHDOG CTRL
_CTRL_ENABLE = const(1 << 30)

_keeper = None  # the Timer feeding the watchdog while no app guards the motor


def keep_fed(chip, wdt_ms, note=None, rtc=None, wdt=None):
    """Feed a running watchdog from a machine.Timer: after Ctrl-C hands the
    board to the REPL with the motor off, and in boot.py after a soft reset
    (mpremote's raw REPL runs boot.py, not main.py). It guards nothing that
    moves then, and the REPL stays as long as the person wants. Each feed
    also saves the wall clock in the note, so a reset from the REPL keeps
    the time of day."""
    global _keeper
    import machine

    stop_keep_fed()
    if wdt is None:  # after a soft reset the old object is gone: the same watchdog again
        wdt = machine.WDT(timeout=wdt_ms)
    if note is not None and rtc is not None:
        from wallclock import WallClock

        wall = WallClock(rtc)

        def feed(_t):
            wdt.feed()
            note.write(wall_s=wall.wall_s())
    else:
        def feed(_t):
            wdt.feed()

    _keeper = machine.Timer(0 if chip == "esp32" else -1, mode=machine.Timer.PERIODIC,
                            period=max(100, wdt_ms // 3), callback=feed)
    feed(None)
    return _keeper


def stop_keep_fed():
    """The app takes over feeding (through its watchdog gate): a hung task
    must bite again, so the timer stops."""
    global _keeper
    if _keeper is not None:
        _keeper.deinit()
        _keeper = None


def keeping_fed():
    return _keeper is not None


def watchdog_left_running(chip, prev):
    """Timeout (ms) of a watchdog still running from before a soft reset, or
    0. rp2 says so in its CTRL register; esp32's note says it was armed."""
    if chip == "rp2":
        import machine

        if not machine.mem32[_WDT_CTRL] & _CTRL_ENABLE:
            return 0
        return prev[2] if prev is not None and prev[2] else 8000
    if chip == "esp32" and prev is not None and prev[0] in (RUNNING, HANDED_OVER):
        return prev[2]
    return 0


def boot_py(platform):
    """What boot.py does after driving EN inactive: if a watchdog survived a
    soft reset, keep it fed until main.py (if it runs) takes over."""
    chip = chip_of(platform)
    note = ResetNote(chip)
    prev = note.read()
    ms = watchdog_left_running(chip, prev)
    if ms:
        import machine

        note.adopt(prev)
        note.write(state=HANDED_OVER)
        keep_fed(chip, ms, note, machine.RTC())
    return ms


def deliberate_reset(note, wall_s=None):
    """A reset someone asked for (console `reset`, tools/flash.sh): say so in
    the note first, then reset. Never returns on a board."""
    import machine

    if wall_s is None:
        from wallclock import WallClock

        wall_s = WallClock(machine.RTC()).wall_s()
    note.write(state=DELIBERATE, wall_s=wall_s)
    machine.reset()


def flash_finish(wall_s):
    """tools/flash.sh's last exec before mpremote's `reset`: the host's time
    into the RTC and the note (so the pump comes back knowing the time of
    day, basal on schedule) and DELIBERATE (so no watchdog alarm)."""
    import json

    import machine
    from wallclock import WallClock

    with open("board.json") as f:
        chip = chip_of(json.load(f)["platform"])
    note = ResetNote(chip)
    note.adopt(note.read())
    WallClock(machine.RTC()).set(wall_s)
    note.write(state=DELIBERATE, wall_s=wall_s)


def hand_over(hw, out):
    """Ctrl-C gave the board to the REPL with the motor off: the watchdog
    (which cannot be stopped) is fed by a timer from now on, so the REPL,
    mpremote and tools/flash.sh have as long as they need."""
    if hw.get("wdt") is None:
        return
    note = hw["reset_note"]
    try:
        note.write(state=HANDED_OVER)
        keep_fed(hw["chip"], note.wdt_ms, note, hw["rtc"].rtc, hw["wdt"])
    except Exception as e:  # the motor is off already; say why the REPL may reset
        out.write("watchdog hand-over failed (%r): the board resets within %d ms\n"
                  % (e, note.wdt_ms))
        return
    out.write("REPL: motor off, watchdog fed by a timer; Ctrl-D or reset starts the pump\n")
