# A note the pump leaves itself across a reset, in the few words a chip
# keeps when its RAM is wiped: the RP2040's watchdog scratch registers 0-3
# (kept across a watchdog reset, machine.reset() and a soft reset, lost with
# power) and the ESP32's RTC memory (kept across a soft reset only, in
# official builds). No file: a flash write per watchdog feed would wear it.
#
# Why: machine.reset_cause() cannot tell a deliberate reset from a watchdog
# bite. On rp2 a machine.reset() reads back as WDT_RESET (micropython issue
# 19409) and a soft reset (Ctrl-D, mpremote) repeats the last hard reset's
# cause. So the note says what the pump was doing when the reset came:
#
#   RUNNING      the app guards a motor with the watchdog: a reset from here
#                that the chip survived is a watchdog bite
#   HANDED_OVER  Ctrl-C: REPL, motor off, the watchdog fed by a timer
#   DELIBERATE   someone asked (console reset, tools/flash.sh)
#
# It also carries the wall clock, saved at every watchdog feed, so an RP2040
# (whose RTC restarts at 2021-01-01 on every hard reset) boots knowing the
# time of day. Everything touching machine is imported lazily: boot.py uses
# this module too, and nothing else of the firmware.

NONE = 0
RUNNING = 1
HANDED_OVER = 2
DELIBERATE = 3

_MAGIC = 0x1D5A0000  # < 2**30: every word stays a small int on 32-bit ports
_CHECK = 0x2A17C3E5 & 0x3FFFFFFF
_EPOCH_S = 1767225600  # 2026-01-01: walls are kept as seconds since, + 1
_SCRATCH0 = 0x4005800C  # RP2040 WATCHDOG_BASE 0x40058000 + 0x0C
_WDT_CTRL = 0x40058000
_CTRL_ENABLE = 1 << 30


def chip_of(platform):
    """The chip a board file's platform stands for. The simulated board says
    which chip it behaves like."""
    if platform == "sim":
        import machine

        return machine.chip()
    return platform


class _Scratch:
    """rp2: the four scratch registers the SDK leaves to programs."""

    def __init__(self):
        import machine

        self._mem = machine.mem32

    def get(self):
        m = self._mem
        return [m[_SCRATCH0 + 4 * i] for i in range(4)]

    def put(self, words):
        m = self._mem
        for i in range(4):
            m[_SCRATCH0 + 4 * i] = words[i]


class _RtcMemory:
    """esp32: RTC.memory(), 16 bytes of it."""

    def __init__(self):
        import machine

        self._rtc = machine.RTC()

    def get(self):
        b = self._rtc.memory()
        if len(b) < 16:
            return [0, 0, 0, 0]
        return [int.from_bytes(b[i:i + 4], "little") for i in (0, 4, 8, 12)]

    def put(self, words):
        b = bytearray(16)
        for i in range(4):
            b[4 * i:4 * i + 4] = words[i].to_bytes(4, "little")
        self._rtc.memory(b)


class _Ram:
    """A chip with nothing kept: the note lives and dies with the RAM."""

    def __init__(self):
        self._w = [0, 0, 0, 0]

    def get(self):
        return list(self._w)

    def put(self, words):
        self._w = list(words)


class ResetNote:
    def __init__(self, chip, store=None):
        self.chip = chip
        if store is None:
            store = _Scratch() if chip == "rp2" else _RtcMemory() if chip == "esp32" else _Ram()
        self._store = store
        self.state = NONE
        self.wall_s = None
        self.wdt_ms = 0

    def read(self):
        """-> (state, wall_s or None, wdt_ms) left before the reset, or None
        when there is no valid note (power-up, or a reset that lost it)."""
        w = self._store.get()
        if w[0] & 0x3FFF0000 != _MAGIC or w[3] != (w[0] ^ w[1] ^ w[2] ^ _CHECK) & 0x3FFFFFFF:
            return None
        return w[0] & 0xFFFF, (w[1] - 1 + _EPOCH_S) if w[1] else None, w[2]

    def write(self, state=None, wall_s=-1, wdt_ms=None):
        """Change what the note says (arguments left out keep their value)."""
        if state is not None:
            self.state = state
        if wall_s != -1:
            self.wall_s = wall_s
        if wdt_ms is not None:
            self.wdt_ms = wdt_ms
        w0 = _MAGIC | self.state
        w1 = 0 if self.wall_s is None or self.wall_s < _EPOCH_S else self.wall_s - _EPOCH_S + 1
        w2 = self.wdt_ms
        self._store.put([w0, w1, w2, (w0 ^ w1 ^ w2 ^ _CHECK) & 0x3FFFFFFF])

    def adopt(self, prev):
        """Carry the previous life's wall and watchdog into this one's note."""
        if prev is not None:
            self.state, self.wall_s, self.wdt_ms = prev


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


# ---- the watchdog between two owners ------------------------------------------

_keeper = None  # the Timer feeding the watchdog while no app guards the motor


def keep_fed(chip, wdt_ms, note=None, rtc=None):
    """Feed a running watchdog from a machine.Timer: after Ctrl-C hands the
    board to the REPL with the motor off, and in boot.py after a soft reset
    (mpremote's raw REPL runs boot.py, not main.py). It guards nothing that
    moves then, and the REPL stays as long as the person wants. Each feed
    also saves the wall clock in the note, so a reset from the REPL keeps
    the time of day."""
    global _keeper
    import machine

    stop_keep_fed()
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
