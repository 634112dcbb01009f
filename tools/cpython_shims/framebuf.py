# CPython stand-in for MicroPython's `framebuf` module (host only, never
# flashed), so screen code and display drivers draw the same pixels under
# pytest and tools/screenshot.py as on the board.
#
# Only MONO_VLSB (what SSD1306/SH1106 use) and the drawing calls the firmware
# uses. Semantics follow MicroPython's extmod/modframebuf.c (clipping, text
# never clears the background); the glyphs are MicroPython's 8x8 font, dumped
# from the micropython binary, so golden screens match on both runtimes.

MONO_VLSB = 0
MVLSB = 0

# 96 glyphs (chr 32..127), 8 column bytes each, bit 0 = top row.
_FONT = bytes.fromhex(
    "00000000000000000000004f4f0000000007070000070700147f7f14147f7f1400242e6b6b3a1200006333180c666300"
    "00327f4d4d777250000000040603010000001c3e63410000000041633e1c0000082a3e1c1c3e2a080008083e3e080800"
    "000080e0600000000008080808080800000000606000000000406030180c0602003e7f49457f3e000040447f7f404000"
    "00627351494f460000226349497f360000181814167f7f1000276745457d3900003e7f49497b3200000303797d070300"
    "00367f49497f360000266f49497f3e000000002424000000000080e46400000000081c36634141000014141414141400"
    "00414163361c080000020351590f0600003e7f414d4f2e00007c7e0b0b7e7c00007f7f49497f3600003e7f4141632200"
    "007f7f41633e1c00007f7f4949414100007f7f0909010100003e7f41497b3a00007f7f08087f7f000000417f7f410000"
    "002060417f3f0100007f7f1c36634100007f7f4040404000007f7f060c067f7f007f7f0e1c7f7f00003e7f41417f3e00"
    "007f7f09090f0600001e3f21617f5e00007f7f19396f460000266f49497b32000001017f7f010100003f7f40407f3f00"
    "001f3f60603f1f00007f7f3018307f7f0063771c1c77630000070f78780f0700006171594d47430000007f7f41410000"
    "0002060c18306040000041417f7f000000080c06060c0800c0c0c0c0c0c0c0c0000001030604000000207454547c7800"
    "007f7f44447c380000387c44446c280000387c44447f7f0000387c54545c580000087e7f090302000098bca4a4fc7c00"
    "007f7f04047c78000000007d7d0000000040c08080fd7d00007f7f30386c44000000417f7f400000007c7c1830187c7c"
    "007c7c04047c780000387c44447c380000fcfc24243c180000183c2424fcfc00007c7c04040c080000485c5454742000"
    "04043f7f44642000003c7c40407c3c00001c3c60603c1c00001c7c3018307c1c00446c38386c4400009cbca0a0fc7c00"
    "004464745c4c44000008083e77414100000000ffff000000004141773e0808000002030103020301aa55aa55aa55aa55"
)


class FrameBuffer:
    def __init__(self, buffer, width, height, format, stride=None):
        if format != MONO_VLSB:
            raise ValueError("only MONO_VLSB is emulated on the host")
        self._buf = buffer
        self._w = width
        self._h = height
        self._stride = width if stride is None else stride
        if len(buffer) < ((height + 7) // 8) * self._stride:
            raise ValueError("buffer too small")

    # -- pixels ------------------------------------------------------------
    def _set(self, x, y, c):
        i = (y >> 3) * self._stride + x
        bit = 1 << (y & 7)
        if c:
            self._buf[i] |= bit
        else:
            self._buf[i] &= ~bit & 0xFF

    def pixel(self, x, y, c=None):
        if not (0 <= x < self._w and 0 <= y < self._h):
            return None
        if c is None:
            return (self._buf[(y >> 3) * self._stride + x] >> (y & 7)) & 1
        self._set(x, y, c)
        return None

    def fill(self, c):
        v = 0xFF if c else 0
        for i in range(((self._h + 7) // 8) * self._stride):
            self._buf[i] = v

    def fill_rect(self, x, y, w, h, c):
        if h < 1 or w < 1 or x + w <= 0 or y + h <= 0 or y >= self._h or x >= self._w:
            return
        xend = min(self._w, x + w)
        yend = min(self._h, y + h)
        x = max(x, 0)
        y = max(y, 0)
        for yy in range(y, yend):
            for xx in range(x, xend):
                self._set(xx, yy, c)

    def hline(self, x, y, w, c):
        self.fill_rect(x, y, w, 1, c)

    def vline(self, x, y, h, c):
        self.fill_rect(x, y, 1, h, c)

    def rect(self, x, y, w, h, c, f=False):
        if f:
            self.fill_rect(x, y, w, h, c)
            return
        self.fill_rect(x, y, w, 1, c)
        self.fill_rect(x, y + h - 1, w, 1, c)
        self.fill_rect(x, y, 1, h, c)
        self.fill_rect(x + w - 1, y, 1, h, c)

    def text(self, s, x0, y0, c=1):
        for ch in s:
            code = ord(ch)
            if code < 32 or code > 127:
                code = 127
            base = (code - 32) * 8
            for j in range(8):
                xpos = x0 + j
                if 0 <= xpos < self._w:
                    line = _FONT[base + j]
                    ypos = y0
                    while line:
                        if line & 1 and 0 <= ypos < self._h:
                            self._set(xpos, ypos, c)
                        line >>= 1
                        ypos += 1
            x0 += 8

    def blit(self, fbuf, x, y, key=-1):
        for sy in range(fbuf._h):
            for sx in range(fbuf._w):
                c = fbuf.pixel(sx, sy)
                if c != key and 0 <= x + sx < self._w and 0 <= y + sy < self._h:
                    self._set(x + sx, y + sy, c)
