# Line editor for the serial console: fed one byte at a time, so the reader
# task never waits for a whole line and never blocks the scheduler.
#
# feed() returns None while a line is being typed, or one result tuple:
#   ("line", text)    a complete line (CR, LF or CRLF ended it)
#   ("error", reason) the line was discarded (too long, non-printable byte)
#   ("interrupt",)    Ctrl-C: the caller stops the app (see shell.py)

from micropython import const

_BS = const(0x08)
_TAB = const(0x09)
_LF = const(0x0A)
_CR = const(0x0D)
_CTRL_C = const(0x03)
_CTRL_U = const(0x15)
_ESC = const(0x1B)
_DEL = const(0x7F)

MAX_LINE = const(120)

# Escape-sequence states: arrow keys send ESC [ A; swallow them quietly
# instead of failing the line, since terminals send them on a stray key.
_PLAIN = const(0)
_ESC_SEEN = const(1)
_CSI = const(2)


def byte_of(ch):
    """A byte value from what a stream read(1) gives: str on MicroPython's
    sys.stdin, bytes from a pty, or an int already."""
    if isinstance(ch, int):
        return ch
    if not ch:
        return -1
    if isinstance(ch, str):
        return ord(ch[0])
    return ch[0]


class LineEditor:
    def __init__(self, write=None, max_len=MAX_LINE):
        self._write = write  # echo target; None = no echo (JSON mode, tests)
        self.echo = write is not None
        self.max_len = max_len
        self._chars = []
        self._bad = None  # reason the current line will be rejected
        self._after_cr = False
        self._esc = _PLAIN

    def text(self):
        """The partial line typed so far (redrawn after async output)."""
        return "".join(self._chars)

    def _out(self, s):
        if self.echo and self._write is not None:
            self._write(s)

    def _reset(self):
        self._chars = []
        self._bad = None
        self._esc = _PLAIN

    def _end_line(self):
        self._out("\r\n")
        bad = self._bad
        text = "".join(self._chars)
        self._reset()
        if bad is not None:
            return ("error", bad)
        return ("line", text)

    def feed(self, ch):
        b = byte_of(ch)
        after_cr = self._after_cr
        self._after_cr = False
        if b == _LF and after_cr:
            return None  # the LF of a CRLF pair: the line already ended
        if self._esc != _PLAIN:
            if self._esc == _ESC_SEEN:
                self._esc = _CSI if b == 0x5B else _PLAIN  # ESC [ ... or ESC x
                return None
            if 0x40 <= b <= 0x7E:  # final byte of a CSI sequence
                self._esc = _PLAIN
            return None
        if b == _CR or b == _LF:
            self._after_cr = b == _CR
            return self._end_line()
        if b == _CTRL_C:
            self._reset()
            self._out("^C\r\n")
            return ("interrupt",)
        if b == _BS or b == _DEL:
            if self._chars:
                self._chars.pop()
                self._out("\b \b")
            return None
        if b == _CTRL_U:
            self._out("\b \b" * len(self._chars))
            self._reset()
            return None
        if b == _ESC:
            self._esc = _ESC_SEEN
            return None
        if b == _TAB:
            b = 0x20
        if b < 0x20 or b > 0x7E:
            if self._bad is None:
                self._bad = "non-printable byte 0x%02x in line" % (b & 0xFF)
            return None
        if len(self._chars) >= self.max_len:
            if self._bad is None:
                self._bad = "line too long (max %d characters)" % self.max_len
            return None
        c = chr(b)
        self._chars.append(c)
        self._out(c)
        return None
