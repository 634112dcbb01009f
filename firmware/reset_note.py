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
# time of day. Everything touching machine is imported lazily. What is
# needed only at boot (telling the reset apart, bringing the time back) is
# in timekeep.py; what runs only around a hand-over or a deliberate reset
# (the feeding timer, boot.py's check, flash.sh's last word) in handover.py:
# both load when used and are dropped after.

from micropython import const

NONE = 0
RUNNING = 1
HANDED_OVER = 2
DELIBERATE = 3

_MAGIC = const(0x1D5A0000)  # < 2**30: every word stays a small int on 32-bit ports
_CHECK = const(0x2A17C3E5)
_EPOCH_S = const(1767225600)  # 2026-01-01: walls are kept as seconds since, + 1
_SCRATCH0 = const(0x4005800C)  # RP2040 WATCHDOG_BASE 0x40058000 + 0x0C


def chip_of(platform):
    """The chip a board file's platform stands for. The simulated board says
    which chip it behaves like."""
    if platform == "sim":
        import machine

        return machine.chip()
    return platform


class ResetNote:
    def __init__(self, chip, store=None):
        """store: where the four words go; by default the chip's own (rp2:
        the scratch registers the SDK leaves to programs; esp32: 16 bytes of
        RTC.memory(); any other: RAM, nothing survives)."""
        self.chip = chip
        self._store = store
        self._w = [0, 0, 0, 0]  # any other chip: kept in RAM only
        self.state = NONE
        self.wall_s = None
        self.wdt_ms = 0

    def _get(self):
        if self._store is not None:
            return self._store.get()
        if self.chip not in ("rp2", "esp32"):
            return list(self._w)
        import machine

        if self.chip == "rp2":
            m = machine.mem32
            return [m[_SCRATCH0 + 4 * i] for i in range(4)]
        b = machine.RTC().memory()
        if len(b) < 16:
            return [0, 0, 0, 0]
        return [int.from_bytes(b[i:i + 4], "little") for i in (0, 4, 8, 12)]

    def _put(self, words):
        if self._store is not None:
            return self._store.put(words)
        if self.chip not in ("rp2", "esp32"):
            self._w = list(words)
            return
        import machine

        if self.chip == "rp2":
            m = machine.mem32
            for i in range(4):
                m[_SCRATCH0 + 4 * i] = words[i]
            return
        b = bytearray(16)
        for i in range(4):
            b[4 * i:4 * i + 4] = words[i].to_bytes(4, "little")
        machine.RTC().memory(b)

    def read(self):
        """-> (state, wall_s or None, wdt_ms) left before the reset, or None
        when there is no valid note (power-up, or a reset that lost it)."""
        w = self._get()
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
        self._put([w0, w1, w2, (w0 ^ w1 ^ w2 ^ _CHECK) & 0x3FFFFFFF])

    def adopt(self, prev):
        """Carry the previous life's wall and watchdog into this one's note."""
        if prev is not None:
            self.state, self.wall_s, self.wdt_ms = prev
