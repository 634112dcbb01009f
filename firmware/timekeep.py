# Boot only: what the last reset was, and the wall clock brought back from
# the reset note, a DS3231 or nothing. main.py calls at_boot() once and
# drops the module (lazy.drop): none of it is needed while the pump runs.
# It builds the DS3231 driver and the reset note from the board file, as
# main.py builds the rest of the hardware.

from reset_note import RUNNING
from wallclock import MIN_VALID_S, WallClock


def classify(chip, prev, cause, wdt_reset):
    """What the last reset was: "watchdog" (a bite while the app guarded the
    motor), "deliberate" (asked for, or from the REPL after a hand-over) or
    "other" (power-up, a reset button, one the note cannot explain).

    rp2 keeps the note across every reset but power, so the note alone
    decides: only RUNNING means the watchdog bit. esp32 loses the note on a
    hard reset and keeps it on a soft one: a note that survived means a soft
    reset (never a bite); without one, reset_cause() is right there."""
    if chip == "rp2":
        if prev is None:
            return "other"
        return "watchdog" if prev[0] == RUNNING else "deliberate" if prev[0] else "other"
    if prev is not None:
        return "deliberate"
    return "watchdog" if cause == wdt_reset else "other"


def restored_wall(prev, kind, since_reset_ms):
    """Best estimate of the wall time now from the note, or None. The note
    was written at the last feed (or just before a deliberate reset); a bite
    comes one watchdog timeout after the last feed; ticks since the reset
    cover the boot."""
    if prev is None or prev[1] is None:
        return None
    late_ms = prev[2] if kind == "watchdog" else 0
    return prev[1] + (late_ms + since_reset_ms) // 1000


def restore(rtc, backup=None, note_wall_s=None, note_first=False):
    """At boot, before anything reads the time: if the board's RTC lost it
    (an RP2040 after any hard reset, any board after power loss), set it
    from the DS3231 or from the reset note (first when note_first: a
    deliberate reset wrote it just before, from the host or the RTC).
    Returns where the time came from: "rtc" (it was kept), "ds3231",
    "note", or None (unknown)."""
    here = WallClock(rtc)
    if here.wall_s() is not None:
        return "rtc"
    from_note = note_wall_s if note_wall_s is not None and note_wall_s >= MIN_VALID_S else None
    from_backup = None
    if backup is not None and not (note_first and from_note is not None):
        try:
            from_backup = WallClock(backup).wall_s()
        except OSError:
            from_backup = None
    if from_backup is not None:
        here.set(from_backup)
        return "ds3231"
    if from_note is not None:
        here.set(from_note)
        if backup is not None:
            try:
                WallClock(backup).set(from_note)
            except OSError:
                pass
        return "note"
    return None


def at_boot(board, hw, clock):
    """Why the last reset came, and the wall clock brought back: the reset
    note (watchdog scratch registers / RTC memory) and an optional DS3231 on
    the display's I2C bus."""
    import machine

    import reset_note
    import wallclock

    chip = reset_note.chip_of(board["platform"])
    note = reset_note.ResetNote(chip)
    prev = note.read()
    kind = classify(chip, prev, machine.reset_cause(), machine.WDT_RESET)
    note.adopt(prev)
    note.write(state=reset_note.NONE)  # this life guards nothing yet
    backup = None
    if board["rtc"]["kind"] == "ds3231":
        from drivers.ds3231 import DS3231

        i2c = hw.get("i2c")
        if i2c is None:
            d = board["display"]
            i2c = machine.I2C(d["i2c"], sda=machine.Pin(d["sda"]), scl=machine.Pin(d["scl"]),
                              freq=d["freq"])
        backup = DS3231(i2c, board["rtc"]["addr"])
    rtc = machine.RTC()
    hw["time_source"] = restore(rtc, backup, restored_wall(prev, kind, clock.now_ms()),
                                note_first=kind == "deliberate")
    hw["rtc"] = wallclock.KeptRTC(rtc, backup, note)
    hw["chip"] = chip
    hw["reset_note"] = note
    hw["reset_kind"] = kind
    hw["watchdog_reset"] = kind == "watchdog"
    notes = hw["boot_notes"] = []
    if kind == "deliberate":
        notes.append("reset: asked for (or from the REPL): not a watchdog reset")
    if hw["time_source"] == "note":
        notes.append("time of day kept across the reset (reset note), within a few seconds")
    elif hw["time_source"] == "ds3231":
        notes.append("time of day from the DS3231")
