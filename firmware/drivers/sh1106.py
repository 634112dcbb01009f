# SH1106 128x64 OLED over I2C: the SSD1306's cousin on many cheap 1.3" modules.
#
# Same framebuf base and page-by-page refresh as drivers/ssd1306.py. The
# differences: the SH1106 has 132 columns of RAM (the 128 visible ones start
# at column 2 on most modules) and only page addressing, so every page sets
# its page and column address before the data.

from micropython import const

from drivers.ssd1306 import DisplayBase

_DISP_OFF = const(0xAE)
_DISP_ON = const(0xAF)
_SET_CONTRAST = const(0x81)
_NORM_INV = const(0xA6)
_ENTIRE_ON_RESUME = const(0xA4)
_START_LINE = const(0x40)
_SEG_REMAP = const(0xA1)
_COM_SCAN_DEC = const(0xC8)
_MUX_RATIO = const(0xA8)
_DISP_OFFSET = const(0xD3)
_CLK_DIV = const(0xD5)
_PRECHARGE = const(0xD9)
_COM_PINS = const(0xDA)
_VCOM_DESEL = const(0xDB)
_CHARGE_PUMP = const(0xAD)  # DC-DC control on SH1106 (0x8B = on)
_PAGE_ADDR = const(0xB0)
_COL_LOW = const(0x00)
_COL_HIGH = const(0x10)


class SH1106_I2C(DisplayBase):
    def __init__(self, width, height, i2c, addr=0x3C, col_offset=2):
        self.col_offset = col_offset
        # control byte 0x00, page address, column low nibble, column high nibble
        self._win = bytearray((0x00, _PAGE_ADDR, _COL_LOW | (col_offset & 0x0F),
                               _COL_HIGH | (col_offset >> 4)))
        super().__init__(width, height, i2c, addr)

    def init_display(self):
        w = self.write_cmds
        w(_DISP_OFF)
        w(_START_LINE | 0x00)
        w(_SEG_REMAP)
        w(_COM_SCAN_DEC)
        w(_MUX_RATIO, self.height - 1)
        w(_DISP_OFFSET, 0x00)
        w(_CLK_DIV, 0x80)
        w(_PRECHARGE, 0x22)
        w(_COM_PINS, 0x12)
        w(_VCOM_DESEL, 0x35)
        w(_SET_CONTRAST, 0x80)
        w(_CHARGE_PUMP, 0x8B)
        w(_ENTIRE_ON_RESUME)
        w(_NORM_INV)
        self.fill(0)
        self.show()
        w(_DISP_ON)

    def _page_cmd(self, page):
        buf = self._win
        buf[1] = _PAGE_ADDR | page
        return buf
