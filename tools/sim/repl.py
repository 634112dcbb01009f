# What the simulated board's console does once the firmware has stopped
# (simulator only; runs in the firmware's process under MicroPython or
# CPython). On a board, Ctrl-C on the USB serial line ends main.py and
# leaves a Python REPL on the same port; here the same happens: the firmware
# printed "interrupted, motor off" (the pump's own run() did that), and this
# is the prompt that follows it.
#
# Keys, as on a board's friendly REPL:
#   a line + Enter  runs as Python in this process (print(), os.listdir() ...)
#   Ctrl-C          (arrives as SIGINT, as the port's interrupt character
#                   does) abandons the line or the running code
#   Ctrl-D          soft reboot: the pump starts again, as a board reruns main.py
#   Ctrl-B          the banner again
#   Ctrl-A          the raw REPL that mpremote uses, as on a board: `mpremote
#                   exec`, `run`, `fs ls` and `fs cp` work on the simulated
#                   board (its filesystem is the --flash folder)
# The prompt ends when the simulator stops (its key pipe closes).

import select
import sys

PROMPT = ">>> "
RAW_BANNER = "raw REPL; CTRL-B to exit\r\n"


def banner(board):
    impl = sys.implementation
    ver = ".".join(str(v) for v in impl.version[:3])
    return ("MicroPython v%s (%s) on the Plunger simulator; board %s\r\n"
            "Type \"help()\" for more information; Ctrl-D restarts the pump.\r\n"
            % (ver, impl.name, board))


def _read_byte(stream):
    try:
        import os

        return os.read(stream.fileno(), 1)  # CPython: no buffer poll() cannot see
    except (ImportError, AttributeError):
        pass
    buf = getattr(stream, "buffer", None)
    data = (buf or stream).read(1)
    if isinstance(data, str):
        data = data.encode()
    return data


class Repl:
    def __init__(self, stdin, keys, write, board="sim"):
        """stdin: the console's input stream; keys: the simulator's key pipe
        (None: none), whose end means the simulator stops; write(str)."""
        self.stdin = stdin
        self.keys = keys
        self.write = write
        self.board = board
        self.line = []
        self.namespace = {"__name__": "__main__"}
        self.raw = None  # bytes of code while in the raw REPL, else None

    def _out(self, text):
        self.write(text.replace("\r\n", "\n").replace("\n", "\r\n"))

    def run(self):
        """-> "reboot" (Ctrl-D) or "quit" (the simulator stops)."""
        self._out(banner(self.board) + PROMPT)
        poll = select.poll()
        poll.register(self.stdin, select.POLLIN)
        if self.keys is not None:
            poll.register(self.keys, select.POLLIN)
        while True:
            try:
                ready = poll.poll(500)
                for obj, _ev in ready:
                    if obj is self.keys or (self.keys is not None and obj == _fileno(self.keys)):
                        if not self.keys.readline():
                            return "quit"
                        continue
                    data = _read_byte(self.stdin)
                    if not data:
                        return "quit"
                    verdict = self.key(data[0])
                    if verdict is not None:
                        return verdict
            except KeyboardInterrupt:
                if self.raw is None:  # the raw REPL ignores Ctrl-C, as a board's does
                    self.line = []
                    self._out("\r\n" + PROMPT)

    def key(self, b):
        """One byte typed at the prompt; -> "reboot" or None."""
        if self.raw is not None:
            return self.raw_key(b)
        if b == 0x04:  # Ctrl-D
            if self.line:
                return None
            self._out("\r\nMPY: soft reboot\r\n")
            return "reboot"
        if b == 0x01:  # Ctrl-A: raw REPL (what mpremote uses)
            self.line = []
            self.raw = b""
            self.write(RAW_BANNER + ">")
        elif b == 0x02:  # Ctrl-B
            self.line = []
            self._out("\r\n" + banner(self.board) + PROMPT)
        elif b in (0x0D, 0x0A):
            text = "".join(self.line)
            self.line = []
            self._out("\r\n")
            if text.strip():
                self.execute(text)
            self._out(PROMPT)
        elif b in (0x08, 0x7F):
            if self.line:
                self.line.pop()
                self._out("\b \b")
        elif 0x20 <= b < 0x7F and len(self.line) < 200:
            self.line.append(chr(b))
            self._out(chr(b))
        return None

    def raw_key(self, b):
        """The raw REPL's protocol: code up to Ctrl-D, then OK, its output,
        Ctrl-D, its error, Ctrl-D, and the > prompt. Raw paste is declined
        (mpremote then sends the code plainly); Ctrl-D on nothing is a soft
        reset of the REPL, not of the pump (a board does not run main.py there)."""
        if b == 0x02:  # Ctrl-B: back to the friendly REPL
            self.raw = None
            self._out("\r\n" + banner(self.board) + PROMPT)
        elif b == 0x03:
            self.raw = b""
        elif b == 0x01:
            self.raw = b""
            self.write(RAW_BANNER + ">")
        elif b == 0x04:
            code, self.raw = self.raw, b""
            if not code:
                self.namespace = {"__name__": "__main__"}
                self.write("MPY: soft reboot\r\n" + RAW_BANNER + ">")
                return None
            self.write("OK")
            err = ""
            try:
                exec(compile(code.decode(), "<stdin>", "exec"), self.namespace)
            except KeyboardInterrupt:
                err = "KeyboardInterrupt\r\n"
            except Exception as e:  # noqa: BLE001 - sent back, as a board does
                err = "Traceback (most recent call last):\r\n%s: %s\r\n" % (type(e).__name__, e)
            _flush()
            self.write("\x04" + err + "\x04>")
        else:
            self.raw += bytes([b])
            if self.raw == b"\x05A\x01":  # raw paste: not here
                self.raw = b""
                self.write("R\x00")
        return None

    def execute(self, text):
        try:
            code = compile(text, "<stdin>", "single")
            exec(code, self.namespace)
        except KeyboardInterrupt:
            self._out("KeyboardInterrupt\r\n")
        except Exception as e:  # noqa: BLE001 - a REPL shows every error and goes on
            self._out("%s: %s\r\n" % (type(e).__name__, e))


def _flush():
    f = getattr(sys.stdout, "flush", None)
    if f is not None:
        f()


def _fileno(f):
    try:
        return f.fileno()
    except (AttributeError, OSError):
        return None
