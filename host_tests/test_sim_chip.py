# plunger-test: both
# The simulated board's chip model (tools/sim/machine.py) against the chip
# facts it claims (the table at its top): the watchdog that cannot be
# stopped, slowed or left behind in the REPL; rp2's machine.reset() read back
# as a watchdog reset; what the RTC, the scratch registers and the ESP32's
# RTC memory keep across each kind of reset.
import sys

sys.path.insert(0, "../tools/sim")

import machine  # noqa: E402  (the simulated one: tools/sim is first on the path)
from testkit import raises  # noqa: E402

SCRATCH0 = machine.WATCHDOG_BASE + 0x0C


class World:
    """Just what the chip model asks of the simulator's world."""

    def __init__(self):
        self.t = 0
        self.rtc_base_s = 1780000000
        self.rtc_at_ms = 0
        self.wdt = None
        self.wdt_last_feed_ms = None
        self.on_wdt_late = None

    def now_ms(self):
        return self.t

    def advance(self, ms):
        self.t += ms

    def wdt_started(self, wdt):
        self.wdt = wdt

    def wdt_fed(self, wdt):
        pass

    def timer_started(self, timer):
        pass

    def rtc_wall_s(self):
        return self.rtc_base_s + (self.t - self.rtc_at_ms) // 1000

    def rtc_set(self, wall_s):
        self.rtc_base_s = wall_s
        self.rtc_at_ms = self.t

    def pin_created(self, pin):
        pass


def _board(kind):
    machine.set_chip(kind)
    w = World()
    machine.set_reset_cause(machine.PWRON_RESET)
    machine.attach(w)
    return w


def _reset(w, event):
    machine.detach()
    machine.set_reset_cause(event)
    machine.attach(w)


def test_the_watchdog_cannot_be_stopped_nor_slowed():
    _board("rp2")
    wdt = machine.WDT(timeout=2000)
    assert not hasattr(wdt, "deinit") and not hasattr(wdt, "stop")
    assert machine.WDT(timeout=8000).timeout_ms == 2000  # a second one feeds the first
    assert "8388" in str(raises(ValueError, machine.WDT, timeout=9000))
    machine.detach()


def test_the_watchdog_keeps_biting_in_the_repl():
    w = _board("rp2")
    machine.WDT(timeout=5000)
    w.advance(1000)
    e = raises(machine.SimReset, machine.repl_idle, 600000, w.advance)
    assert e.cause == machine.WDT_RESET and w.t == 5001  # at its deadline
    machine.detach()


def test_a_timer_feeding_the_watchdog_keeps_the_repl_alive():
    w = _board("rp2")
    wdt = machine.WDT(timeout=5000)
    t = machine.Timer(-1, mode=machine.Timer.PERIODIC, period=1000, callback=lambda _t: wdt.feed())
    machine.repl_idle(600000, w.advance)
    assert w.t == 600000 and wdt.feeds >= 599
    t.deinit()
    machine.detach()


def test_rp2_machine_reset_reads_back_as_a_watchdog_reset():
    w = _board("rp2")
    assert machine.reset_cause() == machine.PWRON_RESET
    _reset(w, machine.HARD_RESET)
    assert machine.reset_cause() == machine.WDT_RESET
    machine.detach()


def test_rp2_scratch_survives_watchdog_and_machine_reset_not_power():
    w = _board("rp2")
    for i in range(4):
        machine.mem32[SCRATCH0 + 4 * i] = 100 + i
    _reset(w, machine.WDT_RESET)
    assert [machine.mem32[SCRATCH0 + 4 * i] for i in range(4)] == [100, 101, 102, 103]
    _reset(w, machine.HARD_RESET)
    assert machine.mem32[SCRATCH0] == 100
    _reset(w, machine.SOFT_RESET)
    assert machine.mem32[SCRATCH0] == 100
    _reset(w, machine.PWRON_RESET)
    assert machine.mem32[SCRATCH0] == 0
    raises(ValueError, machine.mem32.__getitem__, 0x20000000)  # only the watchdog block is modelled
    machine.detach()


def test_rp2_rtc_lost_on_every_hard_reset_kept_on_a_soft_one():
    w = _board("rp2")
    rtc = machine.RTC()
    assert rtc.datetime()[0] == 2026
    _reset(w, machine.SOFT_RESET)
    assert machine.RTC().datetime()[0] == 2026
    _reset(w, machine.HARD_RESET)
    assert machine.RTC().datetime()[:3] == (2021, 1, 1)
    raises(AttributeError, rtc.memory)  # RTC.memory() is an ESP32/ESP8266 method
    machine.detach()


def test_a_soft_reset_keeps_the_watchdog_running_and_stops_the_timers():
    w = _board("rp2")
    machine.WDT(timeout=3000)
    machine.Timer(-1, period=100, callback=lambda _t: None)
    assert machine.mem32[machine.WATCHDOG_BASE] & (1 << 30)  # CTRL.ENABLE
    _reset(w, machine.SOFT_RESET)
    assert machine.timers() == [] and machine.wdt_running() == 3000
    assert w.wdt is not None and w.wdt.timeout_ms == 3000  # the simulator still watches it
    raises(machine.SimReset, machine.repl_idle, 10000, w.advance)
    _reset(w, machine.WDT_RESET)
    assert machine.wdt_running() == 0 and not machine.mem32[machine.WATCHDOG_BASE] & (1 << 30)
    machine.detach()


def test_esp32_rtc_memory_kept_on_soft_reset_only_and_rtc_time_kept_but_on_power():
    w = _board("esp32")
    rtc = machine.RTC()
    rtc.memory(b"note")
    _reset(w, machine.SOFT_RESET)
    assert machine.RTC().memory() == b"note"
    _reset(w, machine.WDT_RESET)
    assert machine.RTC().memory() == b"" and machine.reset_cause() == machine.WDT_RESET
    assert machine.RTC().datetime()[0] == 2026  # the RTC timer runs through resets
    rtc.memory(b"again")
    _reset(w, machine.HARD_RESET)
    assert rtc.memory() == b"" and machine.reset_cause() == machine.HARD_RESET
    _reset(w, machine.PWRON_RESET)
    assert machine.RTC().datetime()[:3] == (2021, 1, 1)
    raises(ValueError, rtc.memory, bytes(2049))
    raises(ValueError, machine.mem32.__getitem__, SCRATCH0)  # no RP2040 watchdog block here
    machine.WDT(timeout=20000)  # no 8.4 s limit on esp32
    machine.detach()
    machine.set_chip("rp2")
