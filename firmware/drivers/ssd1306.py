# SSD1306 128x64 (or x32) OLED over I2C, written on framebuf.
#
# The display IS a framebuf.FrameBuffer (MONO_VLSB, one byte = 8 vertical
# pixels, exactly the controller's page layout), so every drawing call is
# built in and screens draw into it like into any other framebuf. The caller
# passes in a ready machine.I2C. The buffer goes out one 128-byte page at a
# time: show_async() yields to the scheduler between pages so a refresh never
# holds the loop longer than one page transfer (about 3 ms at 400 kHz).

import framebuf
from micropython import const

_SET_CONTRAST = const(0x81)
_ENTIRE_ON_RESUME = const(0xA4)
_NORM_INV = const(0xA6)
_DISP_OFF = const(0xAE)
_DISP_ON = const(0xAF)
_MEM_ADDR_MODE = const(0x20)
_COL_ADDR = const(0x21)
_PAGE_ADDR = const(0x22)
_START_LINE = const(0x40)
_SEG_REMAP = const(0xA1)  # column 127 mapped to SEG0: the usual module mounting
_MUX_RATIO = const(0xA8)
_COM_SCAN_DEC = const(0xC8)
_DISP_OFFSET = const(0xD3)
_COM_PINS = const(0xDA)
_CLK_DIV = const(0xD5)
_PRECHARGE = const(0xD9)
_VCOM_DESEL = const(0xDB)
_CHARGE_PUMP = const(0x8D)

_CTRL_CMD = const(0x00)  # control byte: every following byte is a command
_CTRL_DATA = const(0x40)  # control byte: every following byte is display RAM


class DisplayBase(framebuf.FrameBuffer):
    """What SSD1306 and SH1106 share: the framebuffer, paging and power.
    Subclasses say how to address one page: _page_cmd(page) returns the
    command bytes (control byte first) from a buffer they made once."""

    def __init__(self, width, height, i2c, addr):
        self.width = width
        self.height = height
        self.pages = height // 8
        self.i2c = i2c
        self.addr = addr
        self.buffer = bytearray(self.pages * width)
        super().__init__(self.buffer, width, height, framebuf.MONO_VLSB)
        # Per-page views and the data control byte, made once: show() then
        # allocates nothing.
        mv = memoryview(self.buffer)
        prefix = bytes((_CTRL_DATA,))
        self._page_data = [(prefix, mv[p * width:(p + 1) * width]) for p in range(self.pages)]
        self._cmd = bytearray(8)
        self._cmd_views = [memoryview(self._cmd)[:n] for n in range(len(self._cmd) + 1)]
        self.init_display()

    # -- transport -----------------------------------------------------------
    def write_cmds(self, *cmds):
        # For setup and power calls; the refresh path uses _page_cmd instead
        # (no argument tuple to allocate).
        cmd = self._cmd
        cmd[0] = _CTRL_CMD
        for i in range(len(cmds)):
            cmd[i + 1] = cmds[i]
        self.i2c.writeto(self.addr, self._cmd_views[len(cmds) + 1])

    def write_page(self, page):
        self.i2c.writeto(self.addr, self._page_cmd(page))
        self.i2c.writevto(self.addr, self._page_data[page])

    # -- public ----------------------------------------------------------------
    def show(self):
        """Send the whole buffer now (blocks for all pages)."""
        for p in range(self.pages):
            self.write_page(p)

    async def show_async(self, pause=None):
        """Send the buffer, yielding between pages. pause: an awaitable
        factory such as lambda: clock.sleep_ms(0); by default asyncio's."""
        if pause is None:
            import asyncio

            pause = _yield(asyncio)
        for p in range(self.pages):
            self.write_page(p)
            await pause()

    def poweroff(self):
        self.write_cmds(_DISP_OFF)

    def poweron(self):
        self.write_cmds(_DISP_ON)

    def contrast(self, value):
        self.write_cmds(_SET_CONTRAST, value & 0xFF)

    def invert(self, on):
        self.write_cmds(_NORM_INV | (1 if on else 0))


def _yield(asyncio):
    def pause():
        return asyncio.sleep_ms(0)

    return pause


class SSD1306_I2C(DisplayBase):
    def __init__(self, width, height, i2c, addr=0x3C, external_vcc=False):
        self.external_vcc = external_vcc
        self._win = bytearray((_CTRL_CMD, _COL_ADDR, 0, width - 1, _PAGE_ADDR, 0, 0))
        super().__init__(width, height, i2c, addr)

    def init_display(self):
        w = self.write_cmds
        w(_DISP_OFF)
        w(_MEM_ADDR_MODE, 0x00)  # horizontal addressing
        w(_START_LINE | 0x00)
        w(_SEG_REMAP)
        w(_MUX_RATIO, self.height - 1)
        w(_COM_SCAN_DEC)
        w(_DISP_OFFSET, 0x00)
        w(_COM_PINS, 0x02 if self.width > 2 * self.height else 0x12)
        w(_CLK_DIV, 0x80)
        w(_PRECHARGE, 0x22 if self.external_vcc else 0xF1)
        w(_VCOM_DESEL, 0x30)
        w(_SET_CONTRAST, 0xFF)
        w(_ENTIRE_ON_RESUME)
        w(_NORM_INV)
        w(_CHARGE_PUMP, 0x10 if self.external_vcc else 0x14)
        # Blank RAM before switching on, so power-up garbage never shows.
        self.fill(0)
        self.show()
        w(_DISP_ON)

    def _page_cmd(self, page):
        # Window = this page only. Set per page (8 bytes) rather than once per
        # frame so a glitched transfer cannot shift the rest of the image.
        buf = self._win
        buf[5] = page
        buf[6] = page
        return buf
