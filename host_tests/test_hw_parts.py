# plunger-test: both
# TMC2209 UART setup, buzzer, battery and LED through checking fakes.
import asyncio

from drivers import battery, buzzer, led
from drivers.tmc2209 import TMC2209, TMCError, crc8, current_scale, mres
from fakes_hw import FakeADC, FakePin, FakePWM, FakeTMCUart
from testkit import raises, run_async
from vclock import VirtualClock


class Sleeps:
    def __init__(self):
        self.ms = 0

    def __call__(self, ms):
        self.ms += ms


def _tmc(**kw):
    uart = FakeTMCUart(crc8=crc8)
    sleeps = Sleeps()
    return uart, sleeps, TMC2209(uart, sleep_ms=sleeps, **kw)


def test_crc_matches_datasheet_example():
    assert crc8(bytes([0x05, 0x00, 0x00])) == 0x48  # read GCONF, address 0


def test_current_and_microstep_encoding():
    assert current_scale(600) == (18, 1)  # 110 mOhm: fine range under ~1 A
    assert current_scale(1200) == (20, 0)
    assert mres(16) == 4 and mres(256) == 0 and mres(1) == 8
    raises(TMCError, mres, 3)


def test_configure_and_verify():
    uart, sleeps, tmc = _tmc()
    out = tmc.configure(16, 600)
    assert out == {"microsteps": 16, "irun": 18, "ihold": 9, "vsense": 1}
    assert (uart.regs[0x6C] >> 24) & 0xF == 4
    assert uart.regs[0x10] == 9 | (18 << 8) | (8 << 16)
    assert uart.regs[0x00] == 0x1C0
    assert uart.writes == [0x00, 0x6C, 0x10]


def test_configure_with_stallguard():
    uart, sleeps, tmc = _tmc()
    tmc.configure(8, 800, stall_threshold=60)
    assert uart.regs[0x40] == 60


def test_driver_not_responding_is_a_clear_error_not_a_hang():
    uart, sleeps, tmc = _tmc(timeout_ms=30)
    uart.responding = False
    e = raises(TMCError, tmc.configure, 16, 600)
    assert "does not answer" in str(e)
    assert sleeps.ms <= 30 + 30  # bounded: one read's timeout (plus a write's)


def test_writes_ignored_is_caught_by_read_back():
    uart, sleeps, tmc = _tmc()
    uart.ignore_writes = True
    e = raises(TMCError, tmc.configure, 16, 600)
    assert "read back" in str(e)


def test_corrupt_reply_is_a_crc_error():
    uart, sleeps, tmc = _tmc()
    orig = uart.write

    def bad_write(buf):
        n = orig(buf)
        if len(buf) == 4 and uart.rx:
            uart.rx[-1] ^= 0xFF
        return n
    uart.write = bad_write
    e = raises(TMCError, tmc.read, 0x00)
    assert "CRC" in str(e)


def _run(clock, body, end_ms):
    async def main():
        t = asyncio.create_task(body())
        await clock.run_until(end_ms)
        t.cancel()
    run_async(main())


def test_buzzer_plays_without_blocking_and_stops_quiet():
    clock = VirtualClock()
    pwm = FakePWM()
    bz = buzzer.Buzzer(pwm, clock)
    seen = {}

    async def body():
        bz.play(buzzer.ALARM, repeat=0)  # returns at once
        seen["t0"] = clock.now_ms()
        await clock.sleep_ms(5000)
        seen["busy"] = bz.busy()
        bz.stop()
    _run(clock, body, 6000)
    assert seen["t0"] == 0 and seen["busy"]
    assert pwm.duty_u16() == 0 and not bz.busy()
    tones = [h for h in pwm.history if h[1] > 0]
    assert len(tones) >= 6 and all(f == 2000 for f, _ in tones)


def test_buzzer_replacing_a_pattern_keeps_the_new_one_sounding():
    clock = VirtualClock()
    pwm = FakePWM()
    bz = buzzer.Buzzer(pwm, clock)
    seen = {}

    async def body():
        bz.play(buzzer.ALERT)
        await clock.sleep_ms(10)
        bz.play(buzzer.FAULT)
        await clock.sleep_ms(100)
        seen["duty"] = pwm.duty_u16()
        seen["freq"] = pwm.freq()
    _run(clock, body, 3000)
    assert seen["duty"] > 0 and seen["freq"] == 600
    assert not bz.busy() and pwm.duty_u16() == 0  # finished, silent


def test_battery_conversion_and_hysteresis():
    assert battery.adc_to_mv(65535, 3300, 2, 1) == 6600
    adc = FakeADC()
    b = battery.Battery(adc, 2, 1, low_mv=3500, empty_mv=3200)
    adc.u16 = 3700 * 65535 // 6600 + 1
    assert 3695 <= b.read_mv() <= 3700
    assert b.level() == battery.OK
    assert b.level(3450) == battery.LOW
    assert b.level(3550) == battery.LOW  # within hysteresis: still low
    assert b.level(3650) == battery.OK
    assert b.level(3100) == battery.EMPTY
    assert b.level(3250) == battery.EMPTY
    assert b.level(3350) == battery.LOW


def test_led_heartbeat_and_alarm():
    clock = VirtualClock()
    pin = FakePin()
    hb = led.Heartbeat(pin, clock)
    rises = []
    pin.watch(lambda v: rises.append(clock.now_ms()) if v else None)

    async def body():
        t = asyncio.create_task(hb.run())
        await clock.sleep_ms(4500)
        hb.set_mode(led.ALARM)
        await clock.sleep_ms(3000)
        hb.set_mode(led.OFF)
        await clock.sleep_ms(1500)
        t.cancel()
    _run(clock, body, 9000)
    ok = [t for t in rises if t < 4500]
    alarm = [t for t in rises if 4500 <= t < 7500]
    assert ok == [0, 2000, 4000]  # a short blink every 2 s
    # The OK blink's dark phase ends at 6000, then one blink a second.
    assert alarm == [6000, 7000]
    assert [t for t in rises if t >= 7500] == []  # off
    assert pin.value() == 0
    raises(ValueError, hb.set_mode, "disco")
