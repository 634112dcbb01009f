# plunger-test: both
# SSD1306 / SH1106 drivers against a fake I2C bus that records every write
# and, like the glass, only accepts what the controller would.
import asyncio

from drivers.sh1106 import SH1106_I2C
from drivers.ssd1306 import SSD1306_I2C
from testkit import run_async

ADDR = 0x3C


class FakeI2C:
    def __init__(self):
        self.writes = []  # (addr, bytes) per transaction

    def writeto(self, addr, buf):
        assert addr == ADDR
        self.writes.append(bytes(buf))

    def writevto(self, addr, vector):
        assert addr == ADDR
        self.writes.append(b"".join(bytes(v) for v in vector))

    def commands(self):
        return [w[1:] for w in self.writes if w[0] == 0x00]

    def data(self):
        return [w[1:] for w in self.writes if w[0] == 0x40]


def test_ssd1306_is_a_framebuf_and_inits_dark_then_on():
    bus = FakeI2C()
    d = SSD1306_I2C(128, 64, bus)
    cmds = bus.commands()
    assert cmds[0] == b"\xae"  # display off first
    assert cmds[-1] == b"\xaf"  # on only after RAM was cleared
    assert b"\x8d\x14" in cmds  # charge pump on (internal VCC)
    assert len(bus.data()) == 8 and all(p == bytes(128) for p in bus.data())
    d.pixel(0, 0, 1)
    d.pixel(127, 63, 1)
    assert d.buffer[0] == 0x01 and d.buffer[1023] == 0x80


def test_ssd1306_show_writes_each_page_into_its_own_window():
    bus = FakeI2C()
    d = SSD1306_I2C(128, 64, bus)
    bus.writes = []
    d.fill(0)
    d.fill_rect(0, 8, 128, 8, 1)  # page 1 all lit
    d.show()
    assert len(bus.writes) == 16
    for page in range(8):
        assert bus.writes[2 * page] == bytes((0x00, 0x21, 0, 127, 0x22, page, page))
        assert bus.writes[2 * page + 1] == b"\x40" + (b"\xff" * 128 if page == 1 else bytes(128))
    # Bytes on the wire for one full refresh (for the timing estimate).
    assert sum(len(w) + 1 for w in bus.writes) == 1104


def test_sh1106_uses_page_addressing_with_column_offset():
    bus = FakeI2C()
    d = SH1106_I2C(128, 64, bus)
    assert b"\xad\x8b" in bus.commands()
    bus.writes = []
    d.text("A", 0, 0, 1)
    d.show()
    assert bus.writes[0] == bytes((0x00, 0xB0, 0x02, 0x10))
    assert bus.writes[14] == bytes((0x00, 0xB7, 0x02, 0x10))
    assert bus.writes[1][1:9] == bytes(d.buffer[0:8]) == bytes.fromhex("007c7e0b0b7e7c00")


def test_show_async_yields_between_pages():
    bus = FakeI2C()
    d = SSD1306_I2C(128, 64, bus)
    bus.writes = []
    seen = []

    def pause():
        seen.append(len(bus.writes))
        return asyncio.sleep_ms(0)

    run_async(d.show_async(pause))
    # After every page (command + data) the loop gets the CPU back.
    assert seen == [2, 4, 6, 8, 10, 12, 14, 16]


def test_show_async_default_pause_runs_other_tasks():
    bus = FakeI2C()
    d = SSD1306_I2C(128, 64, bus)
    bus.writes = []
    order = []

    async def other():
        for _ in range(3):
            order.append(len(bus.writes))
            await asyncio.sleep_ms(0)

    async def both():
        t = asyncio.create_task(other())
        await d.show_async()
        await t

    run_async(both())
    assert len(bus.writes) == 16
    assert order[1] < 16  # the other task ran while the frame was still going out


def test_power_contrast_invert_commands():
    bus = FakeI2C()
    d = SSD1306_I2C(128, 64, bus)
    bus.writes = []
    d.poweroff()
    d.poweron()
    d.contrast(0x40)
    d.invert(True)
    assert bus.commands() == [b"\xae", b"\xaf", b"\x81\x40", b"\xa7"]
