# plunger-test: both
# Every console command the README's console and calibration sections show
# runs as written on the real pump (issue 17 item 10): each example in a
# fresh pump, after the steps the README says come first (suspend before a
# prime, a dispense before `calibrate mass`...), with OK pressed when asked.
# The examples the README gives as refusals must be refused with their code.
import json

from app_rig import boot
from console.shell import GROUPS, Console
from testkit import run_async

SECTIONS = ("## The serial console", "## Calibrating with a scale")
REFUSED = {"calibrate 50": "max_prime", "bolus \u0661": "bad_line"}
# Spans the prose uses as the name of a command, not as a line to type, and
# `reset`, which reboots the board (the board's tests cover it).
NAMES = ("bolus", "prime", "calibrate", "temp", "profile select", "profile edit", "config set",
         "reset")


def readme_examples():
    with open("../README.md", encoding="utf-8") as f:
        text = f.read()
    spans = []
    for head in SECTIONS:
        body = text[text.index(head) + len(head):]
        end = body.find("\n## ")
        body = body[:end] if end >= 0 else body
        parts = body.split("`")
        for i in range(1, len(parts), 2):  # the text between backticks
            span = parts[i].strip()
            words = span.split()
            if (words and words[0].lstrip("!").lower() in GROUPS and span not in spans
                    and span not in NAMES):
                spans.append(span)
    return spans


class Confirm:
    async def __call__(self, prompt, timeout_ms):
        return True


def _rig():
    pump, _, flash, clock = boot()
    out = []
    con = Console(pump, clock.now_ms, out.append, Confirm())
    con.set_json(True)
    return con, pump, clock, out


def _run(con, out, line):
    del out[:]
    run_async(con.run_line(line) if not line.startswith("bolus \u0661") else
              con.serve(_Bytes(line.encode() + b"\r")))
    objs = [json.loads(x) for x in "".join(out).split("\r\n") if x.startswith("{")]
    return [o for o in objs if "ok" in o][-1]


class _Bytes:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    async def read(self, n):
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b


def _finish_prime(pump, clock):
    eng = pump.engine
    while eng.prime_stream is not None:
        clock.t += 1000
        _d, k, _hz, _w = eng.plan(clock.t)
        eng.confirm(clock.t, k)
    pump.journal_events(clock.t)


def _prepare(con, pump, clock, out, line):
    words = line.split()
    cmd = words[0]
    if cmd in ("prime", "rewind", "resume") or (cmd == "calibrate" and len(words) > 1
                                                and words[1] not in ("cancel",)):
        assert _run(con, out, "suspend")["ok"]
    if cmd == "calibrate" and len(words) > 1 and words[1] == "mass":
        assert _run(con, out, "calibrate 10")["ok"]
        _finish_prime(pump, clock)
    if cmd == "ack" or words[:2] == ["alarms", "ack"]:
        pump.raise_alarm(words[-1], clock.t, "from the README test")
    if words[:2] == ["profile", "select"]:
        assert _run(con, out, "profile edit %s 00:00=0.8" % words[2])["ok"]
    if line in ("bolus cancel", "cancel"):
        assert _run(con, out, "bolus 0 1 over 1h")["ok"]
    if line == "temp cancel":
        assert _run(con, out, "temp 0.5 1h")["ok"]


def test_the_readme_has_console_examples():
    spans = readme_examples()
    assert len(spans) >= 30, spans
    assert "calibrate mass 0.0998" in spans and "suspend" in spans


def test_every_readme_console_example_runs_as_written():
    for line in readme_examples():
        con, pump, clock, out = _rig()
        _prepare(con, pump, clock, out, line)
        r = _run(con, out, line)
        if line in REFUSED:
            assert r["ok"] is False and r["code"] == REFUSED[line], (line, r)
        else:
            assert r["ok"] is True, (line, r)
