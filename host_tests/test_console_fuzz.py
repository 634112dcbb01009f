# Property test (CPython only): well over 100,000 random and mutated command
# lines go straight into the console's synchronous half (handle/finish).
# Nothing may escape as an exception, and no delivery call may reach the
# pump unless the line was a valid delivery command AND the OK button (a
# random yes/no here) confirmed it. Bolus amounts are checked against an
# independent Decimal-based parser.
import random
import re
from decimal import Decimal

from console.reply import Pending
from hypothesis import given, settings
from hypothesis import strategies as st
from test_console_fakes import DELIVERY, FakeFacade, FakeGates, Out

from console.shell import Console

SEEDS = [
    "status", "bolus 1.5", "bolus 0.05", "bolus 0 2.0 over 120", "bolus 1 2 over 1h30",
    "bolus cancel", "bolus calc 30 120", "cancel", "temp 150% 1h", "temp 0.8 90m", "temp cancel",
    "suspend", "resume", "prime 2.5", "rewind", "profile", "profile show default",
    "profile select weekend", "profile edit night 00:00=0.8 06:00=1.2", "history", "history 5",
    "history since 2h", "history since 2026-11-22 04:00", "alarms", "ack low_reservoir",
    "alarms ack low_reservoir", "config", "config get limits.max_bolus_mu",
    "config set limits.max_bolus_mu 15000", "config set ui.require_button_confirm false",
    "config set ui.require_button_confirm true", "time", "time set 2026-11-22 08:00",
    "calibrate 50", "calibrate mass 0.497", "calibrate cancel", "calibrate", "version", "board",
    "log level debug", "help", "help bolus", "json on", "json off", "!status", "status --json",
]
WEIRD = ["1e3", "-1", "nan", "", "1..2", "1.2345", "0", "0.001", "999999.999", "1234567",
         "inf", "0x10", "1_0", "\u0661", "\u00b2", "over", "%", "150%", "25h", "1h1h", "--json",
         "!", "=", "00:00=1", "true", "null", "[1,2]", '"x"', "{}", "9" * 40]
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 .:%=-_!\"[]{}\t\x00\x7f\u00e9\u0661"
_AMOUNT = re.compile(r"(\d{1,6})(\.\d{1,3})?\Z")


def exact_mu(text):
    """Independent oracle: units text -> milliunits, or None if invalid."""
    if not _AMOUNT.match(text):
        return None
    return int(Decimal(text) * 1000)


def expected_bolus(line):
    """(now_mu, ext_mu, dur) if the line is a valid bolus command, else None."""
    words = line.split()
    if words and words[0].startswith("!"):
        words[0] = words[0][1:]
        if not words[0]:
            words.pop(0)
    if words and words[-1] == "--json":
        words.pop()
    if not words or words[0].lower() != "bolus":
        return None
    args = words[1:]
    if len(args) == 1:
        now = exact_mu(args[0])
        return None if not now else (now, 0, 0)
    if len(args) == 4 and args[2] == "over":
        now, ext = exact_mu(args[0]), exact_mu(args[1])
        if now is None or not ext:
            return None
        return (now, ext, None)  # duration parsed by the console; amounts checked here
    return None


def mutate(rng, line):
    words = line.split(" ")
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(7)
        if op == 0 and words:
            words[rng.randrange(len(words))] = rng.choice(WEIRD)
        elif op == 1:
            words.insert(rng.randrange(len(words) + 1), rng.choice(WEIRD + SEEDS[:5]))
        elif op == 2 and len(words) > 1:
            del words[rng.randrange(len(words))]
        elif op == 3 and len(words) > 1:
            i, j = rng.randrange(len(words)), rng.randrange(len(words))
            words[i], words[j] = words[j], words[i]
        else:
            s = " ".join(words)
            i = rng.randrange(len(s) + 1)
            c = rng.choice(ALPHABET)
            if op == 4:
                s = s[:i] + c + s[i:]
            elif op == 5:
                s = s[:i] + s[i + 1:]
            else:
                s = s[:i] + c + s[i + 1:]
            words = s.split(" ")
    return " ".join(words)


class Harness:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.fac = FakeFacade()
        self.fac.armed = False
        self.con = Console(self.fac, lambda: 1000, Out(), gates=FakeGates())
        self.lines = 0
        self.deliveries = 0

    def feed(self, line):
        self.lines += 1
        words = line.split()
        if words and words[0].lstrip("!").lower() == "reset":
            return  # reboots the board by design (cmd_reset, the board's tests)
        fac = self.fac
        before = len(fac.calls)
        try:
            reply, _ = self.con.handle(line)
            if isinstance(reply, Pending):
                confirmed = self.rng.random() < 0.5
                if confirmed:
                    fac.armed = True
                    before = len(fac.calls)
                reply = self.con.finish(reply, confirmed)
                fac.armed = False
                if confirmed:
                    self._check_delivery(line, fac.calls[before:])
            if reply is not None:
                reply.to_json()
                reply.to_text()
        except Exception as e:
            raise AssertionError("exception escaped for %r: %r" % (line, e))
        assert not fac.violations, (line, fac.violations)
        assert reply is None or reply.code != "internal", (line, reply.error)
        if len(fac.calls) > 1000:
            del fac.calls[:]

    def _check_delivery(self, line, calls):
        delivered = [c for c in calls if c[0] in DELIVERY]
        assert len(delivered) <= 1, (line, calls)
        if not delivered:
            return
        self.deliveries += 1
        c = delivered[0]
        if c[0] == "bolus":
            exp = expected_bolus(line)
            assert exp is not None, ("bolus from an invalid line", line, c)
            assert (c[1], c[2]) == exp[:2], (line, c, exp)
            assert exp[2] is None or c[3] == exp[2]


def test_100k_random_and_mutated_lines():
    h = Harness(1234)
    rng = h.rng
    for i in range(110000):
        kind = i % 4
        if kind == 3:
            line = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))
        else:
            line = rng.choice(SEEDS)
            if kind:
                line = mutate(rng, line)
        h.feed(line)
        if i % 997 == 0:  # sometimes put the safety flag back, so both paths are fuzzed
            h.fac.config["ui"]["require_button_confirm"] = True
    assert h.lines >= 100000
    assert h.deliveries > 1000  # the fuzzer does reach the motor commands


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=60))
def test_hypothesis_any_text(line):
    Harness(0).feed(line)


TOKENS = st.sampled_from(sorted(set(" ".join(SEEDS).split()) | set(WEIRD)))


@settings(max_examples=1000, deadline=None)
@given(st.lists(TOKENS, max_size=6), st.integers(0, 2**32))
def test_hypothesis_token_soup(words, seed):
    Harness(seed).feed(" ".join(words))
