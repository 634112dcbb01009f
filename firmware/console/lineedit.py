# Line editor for the serial console: fed one byte at a time, so the reader
# task never waits for a whole line and never blocks the scheduler.
#
# Whatever arrives (invalid UTF-8, escape sequences, NULs, megabytes without
# a line end) costs at most one fixed buffer: the line is kept as bytes in a
# bytearray allocated once, never as a list of one-character strings, and a
# byte that makes the line unusable only sets the line's error (the first
# one wins) until the line ends.
#
# feed() returns None while a line is being typed, or one result tuple:
#   ("line", text)    a complete line (CR, LF or CRLF ended it), ASCII only
#   ("error", reason) the line was discarded (too long, control byte,
#                     invalid UTF-8, a non-ASCII character)
#   ("interrupt",)    Ctrl-C: the caller stops the app (see shell.py)

from micropython import const

_BEL = const(0x07)
_BS = const(0x08)
_TAB = const(0x09)
_LF = const(0x0A)
_CR = const(0x0D)
_CTRL_C = const(0x03)
_CTRL_U = const(0x15)
_CAN = const(0x18)
_SUB = const(0x1A)
_ESC = const(0x1B)
_DEL = const(0x7F)

MAX_LINE = const(120)
_MAX_SEQ = const(64)  # longest escape sequence swallowed before it is dropped
_STRING_INTRO = b"PX]^_"  # ESC P (DCS), X (SOS), ] (OSC), ^ (PM), _ (APC)

# Escape-sequence states (ECMA-48). Terminals send CSI (ESC [ ... final) for
# arrows and function keys, SS3 (ESC O x) for keypad keys in application
# mode, and rarely a string (OSC ESC ], DCS ESC P ...) ended by BEL or ESC \.
# All are swallowed, bounded in length. A C0 control byte (CR, LF, Ctrl-C...)
# inside a sequence ends the sequence and then does what it always does, so
# ESC [ CR status gives an empty line, then `status`.
_PLAIN = const(0)
_ESC_SEEN = const(1)
_CSI = const(2)
_SS3 = const(3)
_STRING = const(4)  # inside DCS/OSC/...: ended by BEL or ESC \
_STRING_ESC = const(5)


def byte_of(ch):
    """A byte value from what a stream read(1) gives: an int, bytes, or a
    str. -1 for an empty read, -2 for a str that is not one ASCII char."""
    if isinstance(ch, int):
        return ch & 0xFF
    if not ch:
        return -1
    if isinstance(ch, str):
        # Not ord(ch[0]): ch[0] makes an interned string on MicroPython, and
        # interned strings are never freed (one per distinct character).
        if len(ch) == 1:
            b = ord(ch)
            if b < 0x80:
                return b
        return -2  # non-ASCII (or several chars): fed as its UTF-8 bytes
    return ch[0]


class LineEditor:
    def __init__(self, write=None, max_len=MAX_LINE):
        self._write = write  # echo target; None = no echo (JSON mode, tests)
        self.echo = write is not None
        self.max_len = max_len
        self._buf = bytearray(max_len)  # the line, ASCII bytes only
        self._n = 0
        self._bad = None  # reason the current line will be rejected
        self._after_cr = False
        self._esc = _PLAIN
        self._seq = 0  # bytes swallowed in the current escape sequence
        self._u_need = 0  # UTF-8 continuation bytes still expected
        self._u_cp = 0  # the code point being decoded
        self._u_len = 0  # continuation bytes the character started with
        self._u_raw = bytearray(4)  # its bytes, to name it in the error

    def text(self):
        """The partial line typed so far (redrawn after async output)."""
        return self._buf[:self._n].decode()  # ASCII only: cannot fail

    def _out(self, s):
        if self.echo and self._write is not None:
            self._write(s)

    def reset(self):
        """Forget the partial line and any half-read sequence."""
        self._n = 0
        self._bad = None
        self._esc = _PLAIN
        self._u_need = 0

    def _fail(self, reason):
        if self._bad is None:
            self._bad = reason

    def _end_line(self):
        self._out("\r\n")
        if self._u_need:
            self._fail("invalid UTF-8: the line ended inside a character")
        bad = self._bad
        text = self.text() if bad is None else None
        self.reset()
        if bad is not None:
            return ("error", bad)
        return ("line", text)

    def feed(self, ch):
        b = byte_of(ch)
        if b < 0:
            if b == -2:  # a decoded non-ASCII char from a text stream
                for x in ch.encode():
                    r = self.feed(x)
                    if r is not None:
                        return r
            return None
        after_cr = self._after_cr
        self._after_cr = False
        if b == _LF and after_cr:
            return None  # the LF of a CRLF pair: the line already ended
        if self._esc != _PLAIN and self._in_sequence(b):
            return None  # swallowed
        if self._u_need:
            if 0x80 <= b <= 0xBF:
                self._u_raw[self._u_len - self._u_need + 1] = b
                self._u_cp = (self._u_cp << 6) | (b & 0x3F)
                self._u_need -= 1
                if not self._u_need:
                    self._non_ascii(self._u_cp, self._u_len)
                return None
            self._u_need = 0
            self._fail("invalid UTF-8: a character was cut short")
        if b == _CR or b == _LF:
            self._after_cr = b == _CR
            return self._end_line()
        if b == _CTRL_C:
            self.reset()
            self._out("^C\r\n")
            return ("interrupt",)
        if b == _BS or b == _DEL:
            if self._n:
                self._n -= 1
                self._out("\b \b")
            return None
        if b == _CTRL_U:
            self._out("\b \b" * self._n)
            self.reset()
            return None
        if b == _ESC:
            self._esc = _ESC_SEEN
            self._seq = 0
            return None
        if b == _TAB:
            b = 0x20
        if b >= 0x80:
            self._utf8_start(b)
            return None
        if b < 0x20:
            if self._bad is None:  # format only once: a flood allocates nothing
                self._bad = "non-printable byte 0x%02x in line" % b
            return None
        if self._n >= self.max_len:
            if self._bad is None:
                self._bad = "line too long (max %d characters)" % self.max_len
            return None
        self._buf[self._n] = b
        self._n += 1
        if self.echo and self._write is not None:
            self._write(chr(b))  # ASCII: MicroPython keeps these interned
        return None

    # ---- escape sequences -------------------------------------------------

    def _in_sequence(self, b):
        """Swallow b as part of an escape sequence (True), or end the
        sequence and return False: b is then handled as an ordinary byte."""
        st = self._esc
        self._seq += 1
        if self._seq > _MAX_SEQ:
            self._esc = _PLAIN  # a runaway sequence: stop swallowing
            return False
        if st >= _STRING:
            if st == _STRING_ESC:
                if b == 0x5C:  # ESC \ ends the string
                    self._esc = _PLAIN
                    return True
                st = _ESC_SEEN  # an ESC that starts something else
            elif b == _BEL:
                self._esc = _PLAIN
                return True
            elif b == _ESC:
                self._esc = _STRING_ESC
                return True
            elif b == _CR or b == _LF or b == _CTRL_C:
                self._esc = _PLAIN  # Enter or Ctrl-C always gets the console back
                return False
            else:
                return True
        if b == _CAN or b == _SUB:
            self._esc = _PLAIN  # cancels the sequence, does nothing else
            return True
        if b == _ESC:
            self._esc = _ESC_SEEN
            self._seq = 0
            return True
        if b < 0x20 or b >= 0x80:
            self._esc = _PLAIN  # a control byte or UTF-8 ends the sequence
            return False
        if st == _ESC_SEEN:
            if b == 0x5B:  # [
                self._esc = _CSI
            elif b == 0x4F:  # O
                self._esc = _SS3
            elif b in _STRING_INTRO:
                self._esc = _STRING
            else:
                self._esc = _PLAIN  # a two-byte ESC x (Alt+key)
        elif st == _CSI:
            if 0x40 <= b <= 0x7E:  # the final byte
                self._esc = _PLAIN
        else:  # SS3: one byte after ESC O
            self._esc = _PLAIN
        return True

    # ---- UTF-8 ------------------------------------------------------------

    def _utf8_start(self, b):
        if 0xC2 <= b <= 0xDF:
            self._u_need, self._u_cp = 1, b & 0x1F
        elif 0xE0 <= b <= 0xEF:
            self._u_need, self._u_cp = 2, b & 0x0F
        elif 0xF0 <= b <= 0xF4:
            self._u_need, self._u_cp = 3, b & 0x07
        else:
            self._u_need = 0
            if self._bad is None:
                self._bad = "invalid UTF-8 byte 0x%02x in line" % b
        self._u_len = self._u_need
        self._u_raw[0] = b

    def _non_ascii(self, cp, need):
        # Overlong forms and surrogates are not UTF-8 either.
        if cp < _UTF8_MIN[need] or 0xD800 <= cp <= 0xDFFF or cp > 0x10FFFF:
            if self._bad is None:
                self._bad = "invalid UTF-8 byte sequence (U+%04X)" % cp
        else:
            # Commands, numbers and names are plain ASCII: say which
            # character was typed instead (a look-alike digit, a smart quote).
            # Not chr(cp): MicroPython would intern every distinct character
            # for good; decoding the bytes makes a string the GC can free.
            if self._bad is None:
                self._bad = ("non-ASCII character '%s' (U+%04X) in line: commands use plain "
                             "ASCII letters and digits 0-9" % (
                                 bytes(self._u_raw[:need + 1]).decode(), cp))


# The smallest code point each UTF-8 length may encode (shorter is overlong).
_UTF8_MIN = (0, 0x80, 0x800, 0x10000)
