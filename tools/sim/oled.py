# A model of an SSD1306 / SH1106 128x64 OLED controller on I2C (simulator only).
#
# It sees only the bytes on the bus, exactly like the glass: a control byte
# (0x00 / 0x80 = commands follow, 0x40 / 0xC0 = display data follow) and then
# commands or GDDRAM data. It keeps the controller's RAM (8 pages of columns,
# one byte = 8 vertical pixels, LSB on top) and the addressing state, so any
# driver that works on the real chip draws the same picture here.

WIDTH = 128
HEIGHT = 64
PAGES = 8

# Argument bytes that follow each multi-byte command.
_ARGS = {
    0x20: 1, 0x21: 2, 0x22: 2, 0x81: 1, 0x8D: 1, 0xA3: 2, 0xA8: 1, 0xAD: 1,
    0xD3: 1, 0xD5: 1, 0xD8: 1, 0xD9: 1, 0xDA: 1, 0xDB: 1,
    0x26: 6, 0x27: 6, 0x29: 5, 0x2A: 5,
}


class Oled:
    def __init__(self, kind="ssd1306"):
        self.kind = kind
        # SH1106 has 132 RAM columns and shows 2..129.
        self.ram_cols = 132 if kind == "sh1106" else WIDTH
        self.col_offset = 2 if kind == "sh1106" else 0
        self.ram = bytearray(self.ram_cols * PAGES)
        self.on = False
        self.inverted = False
        self.contrast = 0x7F
        self.seg_remap = False
        self.com_flip = False
        self.mode = 2  # 0 horizontal, 1 vertical, 2 page (the reset default)
        self.col_start, self.col_end = 0, WIDTH - 1
        self.page_start, self.page_end = 0, PAGES - 1
        self.col = 0
        self.page = 0
        self._cmd = None  # command waiting for argument bytes
        self._args = []
        self.data_bytes = 0  # GDDRAM bytes written: a refresh counter for the UI
        self.commands = 0

    # ---- bus side ----------------------------------------------------------
    def write(self, buf):
        i = 0
        n = len(buf)
        while i < n:
            ctrl = buf[i]
            i += 1
            last = not (ctrl & 0x80)  # Co = 0: the rest of the transfer is one kind
            is_data = bool(ctrl & 0x40)
            end = n if last else min(n, i + 1)
            for b in buf[i:end]:
                if is_data:
                    self._data(b)
                else:
                    self._command(b)
            i = end

    def read(self, nbytes):
        # Status byte: bit 6 = display off.
        return bytes([0 if self.on else 0x40]) + bytes(max(0, nbytes - 1))

    # ---- command decoder ---------------------------------------------------
    def _command(self, b):
        self.commands += 1
        if self._cmd is not None:
            self._args.append(b)
            if len(self._args) == _ARGS[self._cmd]:
                self._finish(self._cmd, self._args)
                self._cmd = None
            return
        if b in _ARGS:
            self._cmd = b
            self._args = []
            return
        if b == 0xAE:
            self.on = False
        elif b == 0xAF:
            self.on = True
        elif b == 0xA6:
            self.inverted = False
        elif b == 0xA7:
            self.inverted = True
        elif b in (0xA0, 0xA1):
            self.seg_remap = b == 0xA1
        elif b in (0xC0, 0xC8):
            self.com_flip = b == 0xC8
        elif 0xB0 <= b <= 0xB7:
            self.page = b & 7
        elif b <= 0x0F:
            self.col = (self.col & 0xF0) | b
        elif 0x10 <= b <= 0x1F:
            self.col = (self.col & 0x0F) | ((b & 0x0F) << 4)
        # Everything else (start line, scroll off, NOP...) leaves the picture alone.

    def _finish(self, cmd, args):
        if cmd == 0x20:
            self.mode = args[0] & 3
        elif cmd == 0x21:
            self.col_start, self.col_end = args[0] & 0x7F, args[1] & 0x7F
            self.col = self.col_start
        elif cmd == 0x22:
            self.page_start, self.page_end = args[0] & 7, args[1] & 7
            self.page = self.page_start
        elif cmd == 0x81:
            self.contrast = args[0]

    def _data(self, b):
        self.data_bytes += 1
        if 0 <= self.col < self.ram_cols:
            self.ram[self.page * self.ram_cols + self.col] = b
        if self.mode == 0:  # horizontal: wrap inside the window, then next page
            if self.col >= self.col_end:
                self.col = self.col_start
                self.page = self.page + 1 if self.page < self.page_end else self.page_start
            else:
                self.col += 1
        elif self.mode == 1:  # vertical: next page first
            if self.page >= self.page_end:
                self.page = self.page_start
                self.col = self.col + 1 if self.col < self.col_end else self.col_start
            else:
                self.page += 1
        else:  # page mode: the column advances and stops at the end
            if self.col < self.ram_cols - 1:
                self.col += 1

    # ---- what the glass shows ----------------------------------------------
    def pixel(self, x, y):
        """1 if the pixel at (x, y) of the visible panel is lit. The RAM is
        taken as the picture: drivers send A1/C8 for the usual module
        mounting, which shows RAM upright, so remap bits are only recorded."""
        return frame_pixel(self.frame(), x, y)

    def frame(self):
        """The visible picture as 1024 bytes, MONO_VLSB (page-major), so it can
        go to framebuf or to the terminal UI unchanged."""
        out = bytearray(WIDTH * PAGES)
        if not self.on:
            return bytes(out)
        for page in range(PAGES):
            base = page * self.ram_cols + self.col_offset
            row = self.ram[base:base + WIDTH]
            if self.inverted:
                row = bytes((~b) & 0xFF for b in row)
            out[page * WIDTH:(page + 1) * WIDTH] = row
        return bytes(out)


def frame_pixel(frame, x, y):
    """Pixel (x, y) of a 1024-byte MONO_VLSB frame."""
    return (frame[(y >> 3) * WIDTH + x] >> (y & 7)) & 1
