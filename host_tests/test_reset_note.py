# plunger-test: both
# The reset note (firmware/reset_note.py) and the clocks kept across a reset
# (wallclock.restore/KeptRTC, drivers/ds3231.py): how each chip's resets are
# told apart without trusting machine.reset_cause() alone, and where the
# time of day comes back from.
from drivers.ds3231 import DS3231
from reset_note import DELIBERATE, HANDED_OVER, NONE, RUNNING, ResetNote
from testkit import raises
from timekeep import classify, restore, restored_wall
from wallclock import MIN_VALID_S, KeptRTC, WallClock

WDT_RESET, PWRON, HARD = 3, 1, 2
NOON = MIN_VALID_S + 150 * 86400 + 12 * 3600


class _Ram:
    """Four words in RAM, standing in for the scratch registers."""

    def __init__(self):
        self._w = [0, 0, 0, 0]

    def get(self):
        return list(self._w)

    def put(self, words):
        self._w = list(words)


class FakeRTC:
    def __init__(self, dt=(2021, 1, 1, 4, 0, 0, 0, 0)):
        self.dt = dt

    def datetime(self, dt=None):
        if dt is None:
            return self.dt
        self.dt = tuple(dt)


def test_note_round_trip_and_garbage_reads_as_no_note():
    store = _Ram()
    n = ResetNote("none", store)
    assert n.read() is None  # zeroed words: power-up
    n.write(state=RUNNING, wall_s=NOON, wdt_ms=5000)
    assert ResetNote("none", store).read() == (RUNNING, NOON, 5000)
    n.write(wall_s=NOON + 7)
    assert ResetNote("none", store).read() == (RUNNING, NOON + 7, 5000)
    w = store.get()
    w[1] ^= 4  # one flipped bit
    store.put(w)
    assert ResetNote("none", store).read() is None
    n.write(state=NONE, wall_s=None)
    assert ResetNote("none", store).read() == (NONE, None, 5000)
    assert all(0 <= x < 2 ** 30 for x in store.get())  # small ints on a 32-bit port


def test_rp2_only_a_reset_while_running_is_a_watchdog_bite():
    # rp2 reports WDT_RESET after machine.reset() and repeats it after Ctrl-D.
    assert classify("rp2", (RUNNING, NOON, 5000), WDT_RESET, WDT_RESET) == "watchdog"
    for state in (HANDED_OVER, DELIBERATE):
        assert classify("rp2", (state, NOON, 5000), WDT_RESET, WDT_RESET) == "deliberate"
    assert classify("rp2", None, WDT_RESET, WDT_RESET) == "other"  # never armed by the pump
    assert classify("rp2", None, PWRON, WDT_RESET) == "other"


def test_esp32_a_surviving_note_means_a_soft_reset_else_trust_the_cause():
    assert classify("esp32", (HANDED_OVER, NOON, 5000), WDT_RESET, WDT_RESET) == "deliberate"
    assert classify("esp32", None, WDT_RESET, WDT_RESET) == "watchdog"
    assert classify("esp32", None, HARD, WDT_RESET) == "other"


def test_the_wall_after_a_bite_adds_the_watchdog_timeout_and_the_boot():
    prev = (RUNNING, NOON, 5000)
    assert restored_wall(prev, "watchdog", 700) == NOON + 5
    assert restored_wall((DELIBERATE, NOON, 5000), "deliberate", 1200) == NOON + 1
    assert restored_wall((RUNNING, None, 5000), "watchdog", 0) is None
    assert restored_wall(None, "other", 0) is None


def test_restore_prefers_a_kept_rtc_then_the_ds3231_then_the_note():
    kept = FakeRTC()
    WallClock(kept).set(NOON)
    assert restore(kept, None, NOON - 50) == "rtc" and WallClock(kept).wall_s() == NOON
    lost = FakeRTC()
    ds = FakeRTC()
    WallClock(ds).set(NOON + 3)
    assert restore(lost, ds, NOON - 50) == "ds3231" and WallClock(lost).wall_s() == NOON + 3
    lost = FakeRTC()
    assert restore(lost, ds, NOON + 9, note_first=True) == "note"  # a deliberate reset's time
    assert WallClock(lost).wall_s() == NOON + 9 and WallClock(ds).wall_s() == NOON + 9
    lost = FakeRTC()
    assert restore(lost, FakeRTC(), NOON) == "note"  # a DS3231 that lost its time
    assert restore(FakeRTC(), None, None) is None  # nothing knows: the pump says so


def test_kept_rtc_sets_the_board_rtc_the_ds3231_and_the_note():
    store = _Ram()
    note = ResetNote("none", store)
    board, ds = FakeRTC(), FakeRTC()
    WallClock(KeptRTC(board, ds, note)).set(NOON)
    assert WallClock(board).wall_s() == NOON and WallClock(ds).wall_s() == NOON
    assert ResetNote("none", store).read()[1] == NOON


class FakeI2C:
    """A DS3231's registers behind writeto_mem/readfrom_mem."""

    def __init__(self, osf=True):
        self.regs = bytearray(0x13)
        self.regs[0x0F] = 0x80 if osf else 0

    def writeto_mem(self, addr, reg, buf):
        assert addr == 0x68
        self.regs[reg:reg + len(buf)] = bytes(buf)

    def readfrom_mem(self, addr, reg, n):
        assert addr == 0x68
        return bytes(self.regs[reg:reg + n])

    def readfrom_mem_into(self, addr, reg, buf):
        buf[:] = self.readfrom_mem(addr, reg, len(buf))


def test_ds3231_reads_unknown_until_set_then_keeps_bcd_time():
    i2c = FakeI2C(osf=True)
    ds = DS3231(i2c)
    assert WallClock(ds).wall_s() is None  # oscillator stopped: never a wrong time
    WallClock(ds).set(NOON + 3661)  # 13:01:01
    assert i2c.regs[0x0F] & 0x80 == 0
    assert i2c.regs[0] == 0x01 and i2c.regs[1] == 0x01 and i2c.regs[2] == 0x13
    assert WallClock(ds).wall_s() == NOON + 3661
    i2c.regs[2] = 0x40 | 0x20 | 0x01  # 12-hour mode, 1 PM, as another program may leave it
    assert ds.datetime()[4] == 13
    raises(ValueError, ds.datetime, (2101, 1, 1, 0, 0, 0, 0, 0))


def test_console_reset_is_refused_while_a_bolus_runs():
    from console import cmd_reset

    class Facade:
        def status(self, now_ms):
            return {"bolus": {"kind": "normal"}}

        def board_info(self):
            return {"platform": "sim"}

    class Con:
        facade = Facade()
        written = []

        def now_ms(self):
            return 0

        def write(self, text):
            self.written.append(text)

    reply = cmd_reset.run(Con(), "reset", [])
    assert "bolus_running" in reply.to_json() and Con.written == []
