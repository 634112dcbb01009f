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
#   Ctrl-A          the raw REPL that mpremote asks for: refused with a
#                   sentence, because the simulator's console is not a board's
#                   USB port (copy files into the flash folder instead)
# The prompt ends when the simulator stops (its key pipe closes).

import select
import sys

PROMPT = ">>> "
RAW_REFUSAL = ("raw REPL: not available in the simulator (mpremote cannot drive it); "
               "its flash is the folder given to --flash. Ctrl-D restarts the pump.")


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
                self.line = []
                self._out("\r\n" + PROMPT)

    def key(self, b):
        """One byte typed at the prompt; -> "reboot" or None."""
        if b == 0x04:  # Ctrl-D
            if self.line:
                return None
            self._out("\r\nMPY: soft reboot\r\n")
            return "reboot"
        if b == 0x01:  # Ctrl-A: raw REPL
            self.line = []
            self._out("\r\n" + RAW_REFUSAL + "\r\n" + PROMPT)
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

    def execute(self, text):
        try:
            code = compile(text, "<stdin>", "single")
            exec(code, self.namespace)
        except KeyboardInterrupt:
            self._out("KeyboardInterrupt\r\n")
        except Exception as e:  # noqa: BLE001 - a REPL shows every error and goes on
            self._out("%s: %s\r\n" % (type(e).__name__, e))


def _fileno(f):
    try:
        return f.fileno()
    except (AttributeError, OSError):
        return None
