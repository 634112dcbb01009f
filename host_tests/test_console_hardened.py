# plunger-test: both
# Issue 17 items 1-3: no byte sequence stops the console. Invalid UTF-8,
# escape sequences, look-alike digits, malformed config paths and a reader
# task that fails anyway, through the real console on the real pump facade.
import gc
import io
import json

from app_rig import boot, sim_board
from console.lineedit import LineEditor
from console.shell import Console
from drivers import stepper
from fakes_hw import FakePin, UsClock, stepper_cfg
from testkit import run_async
from vclock import VirtualClock


class Stream:
    """Bytes as asyncio.StreamReader.read(1) gives them; `fail` maps a read
    index to an exception raised by that read instead."""

    def __init__(self, data, fail=None):
        self.data = data
        self.pos = 0
        self.reads = 0
        self.fail = fail or {}

    async def read(self, n):
        self.reads += 1
        e = self.fail.get(self.reads)
        if e is not None:
            raise e
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk


def _console():
    pump, _, flash, clock = boot()
    out = []
    con = Console(pump, clock.now_ms, out.append)
    return con, pump, out


def _replies(out):
    objs = [json.loads(x) for x in "".join(out).split("\r\n") if x.startswith("{")]
    return [o for o in objs if "ok" in o]


def feed_all(ed, data):
    res = []
    for b in data:
        r = ed.feed(b)
        if r is not None:
            res.append(r)
    return res


# ---- item 1: invalid UTF-8 ---------------------------------------------------

def test_invalid_utf8_is_one_error_line_and_the_console_answers_on():
    con, pump, out = _console()
    run_async(con.serve(Stream(b"\xc3\r\n\xff\r\n\x80\r\nstatus\xfe\r\n!version\r\n")))
    text = "".join(out)
    assert text.count("invalid UTF-8") == 4
    assert _replies(out)[-1]["data"]["version"] == pump.version()


def test_a_text_stdin_that_raises_unicode_error_does_not_end_the_console():
    # What asyncio.StreamReader(sys.stdin) does on MicroPython at a bad byte.
    con, pump, out = _console()
    run_async(con.serve(Stream(b"x\r!version\r", fail={1: UnicodeError()})))
    text = "".join(out)
    assert "invalid UTF-8" in text
    assert _replies(out)[-1]["cmd"] == "version"
    assert con.restarts == 0  # a bad byte is input, not a failure


def test_truncated_overlong_and_surrogate_utf8_are_refused():
    ed = LineEditor()
    for bad in (b"a\xc3(\r", b"\xc0\x80\r", b"\xed\xa0\x80\r", b"\xf5\x80\x80\x80\r", b"\xe4\xb8\r"):
        res = feed_all(ed, bad)
        assert len(res) == 1 and res[0][0] == "error" and "UTF-8" in res[0][1], (bad, res)
    assert feed_all(ed, b"status\r") == [("line", "status")]


# ---- item 1: a reader task that fails anyway never stops delivery ------------

class _Rig:
    """The App with the real engine, motor loop and console, on virtual time."""

    def __init__(self, stream):
        from app import App
        from fakes_flash import FakeFlash
        from app_rig import FakeRTC, NOON_S

        self.clock = VirtualClock()
        cfg = stepper_cfg()
        us = UsClock(self.clock)
        self.step = FakePin("step")
        st = stepper.SoftStepper(self.step, FakePin("dir"), FakePin("en", 1), cfg, self.clock,
                                 delay_us=us.delay_us)
        self.out = []
        hw = {"fs": FakeFlash(), "rtc": FakeRTC(NOON_S), "stepper": st,
              "console_stream": stream, "console_write": self.out.append}
        self.log = io.StringIO()  # sys.print_exception needs a real stream
        self.app = App(sim_board(), hw, self.clock, self.log)

    def run(self, ms):
        return run_async(self.app.main(ms))


class _SlowStream(Stream):
    """A serial line that types one line per virtual minute."""

    def __init__(self, clock_box, data, fail=None):
        Stream.__init__(self, data, fail)
        self.box = clock_box

    async def read(self, n):
        if self.data[self.pos - 1:self.pos] == b"\r":
            await self.box[0].sleep_ms(60000)
        return await Stream.read(self, n)


def test_a_console_task_that_fails_is_restarted_journaled_and_basal_goes_on():
    box = []
    stream = _SlowStream(box, b"status\r" * 20, fail={3: RuntimeError("boom"), 30: MemoryError()})
    rig = _Rig(stream)
    box.append(rig.clock)
    rc = rig.run(3600000)
    pump = rig.app.pump
    eng = pump.engine
    assert rc == 0, "".join(rig.out) + rig.log.getvalue()
    assert rig.app.task_error is None
    assert "task_died" not in [a["id"] for a in pump.alarms()]
    assert eng.mode == "delivering"
    assert eng.steps_confirmed == eng.units.mu_to_steps(800)  # a full hour of 0.8 U/h
    recs = [r for r in pump.journal.read().records if r[3] == "console_restart"]
    assert len(recs) == 2 and "boom" in recs[0][4]["error"]
    text = "".join(rig.out)
    assert text.count("console restarted") == 2
    assert text.count("state      delivering") >= 15  # it went on answering


# ---- item 2: bounded memory -------------------------------------------------

def _cjk_line(buf, line):
    # 100 distinct CJK characters as a text stream gives them (not interned).
    chars = []
    for i in range(100):
        cp = 0x4E00 + line * 100 + i
        buf[0] = 0xE0 | (cp >> 12)
        buf[1] = 0x80 | ((cp >> 6) & 0x3F)
        buf[2] = 0x80 | (cp & 0x3F)
        chars.append(bytes(buf).decode())
    return chars


def _alloc():
    gc.collect()
    if hasattr(gc, "mem_alloc"):
        return gc.mem_alloc()
    import tracemalloc

    return tracemalloc.get_traced_memory()[0]


def test_distinct_non_ascii_characters_do_not_grow_memory():
    started = False
    if not hasattr(gc, "mem_alloc"):
        import tracemalloc

        started = not tracemalloc.is_tracing()
        tracemalloc.start()
    try:
        ed = LineEditor()
        buf = bytearray(3)
        lines = [_cjk_line(buf, n) for n in range(90)]
        before = _alloc()
        for chars in lines:
            for ch in chars:
                ed.feed(ch)
            r = ed.feed("\r")
            assert r[0] == "error" and "non-ASCII" in r[1]
        r = None
        grown = _alloc() - before
    finally:
        if started:
            import tracemalloc

            tracemalloc.stop()
    assert grown < 4096, grown  # 9,000 distinct characters cost nothing kept


def test_ten_kilobyte_line_is_refused_in_a_fixed_buffer():
    ed = LineEditor()
    size = len(ed._buf)
    res = feed_all(ed, b"bolus 1" + b"9" * 10240 + b"\r")
    assert res == [("error", "line too long (max 120 characters)")]
    assert len(ed._buf) == size
    assert feed_all(ed, b"status\r") == [("line", "status")]


# ---- item 3: escapes, look-alike digits, malformed config -------------------

def test_escape_then_cr_then_status_runs_status():
    ed = LineEditor()
    assert feed_all(ed, b"\x1b[\rstatus\r") == [("line", ""), ("line", "status")]


def test_ss3_csi_osc_and_cancelled_sequences_are_swallowed():
    ed = LineEditor()
    data = (b"st\x1bOAat\x1b[15~us\r"  # keypad SS3, F5
            b"\x1b]0;title\x07status\r"  # OSC ended by BEL
            b"\x1bPq#1\x1b\\status\r"  # DCS ended by ESC backslash
            b"\x1b[12\x18status\r")  # CAN cancels a half sequence
    assert feed_all(ed, data) == [("line", "status")] * 4


def test_a_runaway_sequence_and_an_unended_string_give_the_line_back():
    ed = LineEditor()
    assert feed_all(ed, b"\x1b[" + b"1;" * 100 + b"\rstatus\r")[-1] == ("line", "status")
    assert feed_all(ed, b"\x1b]never ended\rstatus\r")[-1] == ("line", "status")


def test_arabic_digit_error_names_the_character():
    con, pump, out = _console()
    run_async(con.serve(Stream("bolus \u0661\r".encode())))
    text = "".join(out)
    assert "\u0661" in text and "U+0661" in text
    assert "0x61" not in text
    assert pump.engine.active_bolus is None


def test_malformed_config_paths_are_clear_errors_never_internal():
    con, pump, out = _console()
    before = json.dumps(pump.cfg)
    for line in ('config set delivery.prime_rate_mu_per_min. ""', "config set a.b. x",
                 "config set . 1", "config set .limits 1", "config set limits..x 1",
                 "config set limits.max_bolus_mu.x 5", "config get limits.max_bolus_mu.x",
                 "config set nosuch.path 1", "config get ..", "config set limits 5",
                 'config set ui "x"'):
        del out[:]
        run_async(con.run_line("!" + line))
        reps = _replies(out)
        assert len(reps) == 1 and reps[0]["ok"] is False, (line, out)
        assert reps[0]["code"] != "internal", (line, reps[0])
        assert "\n" not in reps[0]["error"]
    assert json.dumps(pump.cfg) == before
