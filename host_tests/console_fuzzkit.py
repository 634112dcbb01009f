# Console fuzzing through the real console on the real pump facade (no
# tests in this file; used by test_console_fuzz_real.py and the bench's
# m_fuzz_console.py). Runs on CPython and MicroPython alike.
#
# Bytes go in through Console.serve() exactly as a serial line delivers
# them: valid commands, mutated ones, invalid UTF-8, escape sequences,
# control bytes, Ctrl-C, 10 KB lines and CR/LF/CRLF endings, with bolus and
# other delivery prompts interleaved. The OK button answers at random. The
# pump's delivery methods are wrapped so any call that did not follow an OK
# press is recorded as a violation.
import json

from app_rig import boot
from console.shell import Console

SEEDS = (
    "status", "bolus 0.5", "bolus 0.05", "bolus 0 1.0 over 1h", "bolus 0.2 0.3 over 30m",
    "bolus cancel", "cancel", "bolus calc 30 120", "temp 150% 1h", "temp 0.5 90m", "temp cancel",
    "suspend", "resume", "prime 1", "prime 0.5", "rewind", "refill 200", "refill 0.5",
    "calibrate 10", "calibrate mass 0.0998", "calibrate mass 0.1", "calibrate cancel",
    "calibrate", "profile", "profile show default", "profile select default",
    "profile edit night 00:00=0.4 06:00=0.8", "profile select night", "history", "history 5",
    "history since 2h", "alarms", "ack low_reservoir", "config get limits.max_bolus_mu",
    "config set limits.max_bolus_mu 5000", "config set limits.max_bolus_mu 12000",
    "config set mechanics.units_per_ml 10", 'config set ui {"log_level":"warn"}',
    "config set ui.require_button_confirm false",
    'config set ui {"require_button_confirm":false}',
    'config set delivery.prime_rate_mu_per_min. ""', "config set a.b. x", "time",
    "time set 2026-11-22 08:00", "version", "board", "log warn", "log info", "help", "help bolus",
    "!status", "status --json", "bolus \u0661", "bolus 1\u00b2",
)
JUNK = (b"\xc3", b"\xff", b"\x80", b"\xfe\xfe", b"\xe4\xb8", b"\xed\xa0\x80", b"\xc0\x80",
        b"\x1b[", b"\x1b[A", b"\x1b[15~", b"\x1bOP", b"\x1b]0;t\x07", b"\x1bP", b"\x1b",
        b"\x00", b"\x07", b"\x08", b"\x15", b"\x7f", b"\t", b"\x18", b"\x03",
        "\u4e2d\u6587".encode(), "\u0661\u0662".encode(), b"%", b"=", b"..", b"{", b"\"")
ENDS = (b"\r", b"\n", b"\r\n")
DELIVERY = ("bolus", "temp_basal", "resume", "prime", "rewind", "select_profile", "set_profile")


class Rng:
    """A small xorshift, the same sequence on both runtimes."""

    def __init__(self, seed):
        self.s = (seed * 2654435761) & 0xFFFFFFFF or 1

    def below(self, n):
        s = self.s
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        self.s = s
        return s % n

    def pick(self, seq):
        return seq[self.below(len(seq))]


class Confirm:
    """The OK button: answers at random, never OK to turning the OK hold off
    (so every delivery below must have had its own OK)."""

    def __init__(self, rng, harness):
        self.rng = rng
        self.h = harness
        self.asked = 0
        self.yes = 0

    async def __call__(self, prompt, timeout_ms):
        self.asked += 1
        ok = self.rng.below(2) == 0 and "OFF" not in prompt
        if ok:
            self.yes += 1
            self.h.armed = True  # the action that follows may deliver
        return ok


class Stream:
    """The serial line: the generator's bytes, read(1) at a time."""

    def __init__(self, harness, lines):
        self.h = harness
        self.left = lines
        self.buf = b""
        self.pos = 0

    async def read(self, n):
        if self.pos >= len(self.buf):
            self.h.armed = False  # the previous line is done
            if self.left <= 0:
                return b""
            self.left -= 1
            self.h.lines += 1
            self.buf = self.h.next_line()
            self.pos = 0
        b = self.buf[self.pos:self.pos + n]
        self.pos += n
        return b


class Harness:
    def __init__(self, seed=1):
        self.rng = Rng(seed)
        self.pump, _, self.flash, self.clock = boot()
        self.out = []
        self.armed = False
        self.violations = []
        self.lines = 0
        self.interrupts = 0
        self.internal = 0
        self.long_lines = 0
        self.confirm = Confirm(self.rng, self)
        self.con = Console(self.pump, self.clock.now_ms, self._write, self.confirm,
                           on_interrupt=self._interrupt)
        for name in DELIVERY:
            self._guard(name)

    def _write(self, s):
        if "internal" in s:
            self.internal += s.count("internal")
        self.out.append(s)
        if len(self.out) > 64:
            del self.out[:32]

    def _interrupt(self):
        self.interrupts += 1  # Ctrl-C: on a board the app would stop here

    def _guard(self, name):
        real = getattr(self.pump, name)
        h = self

        def guarded(*args, **kwargs):
            same = name == "select_profile" and args[1] == h.pump.engine.profile_name
            if not (h.armed or same) and h.pump.cfg["ui"]["require_button_confirm"] is not False:
                h.violations.append((name, args))  # same profile again: changes nothing
            return real(*args, **kwargs)

        setattr(self.pump, name, guarded)

    def next_line(self):
        rng = self.rng
        self.clock.t += 1000 * (1 + rng.below(30))
        kind = rng.below(20)
        if kind == 0:
            self.long_lines += 1
            body = b"bolus 1" + b"9" * (10240 + rng.below(64))
        elif kind < 4:
            body = b"".join(rng.pick(JUNK) for _ in range(1 + rng.below(6)))
        else:
            body = rng.pick(SEEDS).encode()
            if kind < 10:
                i = rng.below(len(body) + 1)
                body = body[:i] + rng.pick(JUNK) + body[i:]
        return body + rng.pick(ENDS)

    def run(self, lines):
        import asyncio

        asyncio.run(self.con.serve(Stream(self, lines)))
        return self

    def answers(self):
        """Is the console still there? One JSON status line through serve."""
        import asyncio

        class One:
            def __init__(self):
                self.data = b"!status\r"
                self.pos = 0

            async def read(self, n):
                b = self.data[self.pos:self.pos + n]
                self.pos += n
                return b

        del self.out[:]
        asyncio.run(self.con.serve(One()))
        for part in "".join(self.out).split("\r\n"):
            if part.startswith("{"):
                obj = json.loads(part)
                if obj.get("cmd") == "status" and obj.get("ok"):
                    return True
        return False
