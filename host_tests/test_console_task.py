# plunger-test: both
# The console task: bytes from a fake serial stream, the OK-button wait
# through a fake confirmer, async log/alarm lines that redraw the prompt.
import json

from console.shell import PROMPT, Console
from test_console_fakes import FakeFacade, FakeGates, Out, make_console
from testkit import raises, run_async


class FakeStream:
    """Stands in for asyncio.StreamReader(sys.stdin): read(1) gives one char."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    async def read(self, n):
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk


def serve(con, data):
    run_async(con.serve(FakeStream(data)))


def test_bolus_over_serial_asks_for_ok_then_delivers():
    con, fac, out, asked = make_console(confirm_answer=True)
    serve(con, b"bolus 1.5\r")
    assert len(asked) == 1 and asked[0][1] == 30000
    text = out.text()
    assert "press OK on the pump to confirm (30 s)" in text
    assert "started: bolus 1.500 U now" in text
    assert text.index("press OK") < text.index("started:")
    assert fac.calls[-1] == ("bolus", 1500, 0, 0)
    assert text.endswith(PROMPT)


def test_no_ok_press_means_no_delivery():
    con, fac, out, asked = make_console(confirm_answer=False)
    serve(con, b"prime 1\rrewind\rresume\r")
    assert len(asked) == 3
    assert [n for n in fac.names() if n in ("prime", "rewind", "resume")] == []
    assert out.text().count("not confirmed on the pump") == 3


def test_confirm_flag_off_skips_the_button():
    con, fac, out, asked = make_console(confirm_answer=False)
    fac.config["ui"]["require_button_confirm"] = False
    serve(con, b"bolus 1\r")
    assert asked == [] and fac.calls[-1] == ("bolus", 1000, 0, 0)


def test_no_confirmer_wired_never_delivers():
    fac = FakeFacade()
    out = Out()
    con = Console(fac, lambda: 0, out, confirmer=None, gates=FakeGates())
    serve(con, b"bolus 1\r")
    assert "bolus" not in fac.names()


def test_confirmer_that_raises_counts_as_no():
    fac = FakeFacade()
    out = Out()

    async def broken(prompt, timeout_ms):
        raise OSError("button pin gone")

    con = Console(fac, lambda: 0, out, confirmer=broken, gates=FakeGates())
    serve(con, b"bolus 1\r")
    assert "bolus" not in fac.names() and "not confirmed" in out.text()


def test_json_mode_replies_are_json_lines_and_confirm_is_an_event():
    con, fac, out, asked = make_console()
    serve(con, b"json on\r\nstatus\r\nbolus 1\r\nbolus x\r\n")
    objs = []
    for line in out.lines():
        if line.startswith("{"):
            objs.append(json.loads(line))
    assert objs[0]["ok"] and objs[0]["data"]["state"] == "delivering"
    assert objs[1]["event"] == "confirm" and objs[1]["data"]["cmd"] == "bolus"
    assert objs[2]["ok"] and objs[2]["cmd"] == "bolus"
    assert objs[3]["ok"] is False and objs[3]["code"] == "usage"
    assert len(objs) == 4
    assert "bolus x" not in out.text()  # no echo in JSON mode


def test_line_too_long_is_one_error_and_no_command_runs():
    con, fac, out, asked = make_console()
    serve(con, b"bolus 1" + b" " * 200 + b"\r")
    errors = [x for x in out.lines() if "error" in x]
    assert len(errors) == 1 and "too long" in errors[0]
    assert fac.calls == [] and asked == []


def test_non_printable_is_one_error_and_no_command_runs():
    con, fac, out, asked = make_console()
    serve(con, b"sus\x00pend\r")
    assert fac.calls == []
    assert "non-printable" in out.text()


def test_ctrl_c_stops_the_app():
    con, fac, out, asked = make_console()
    raises(KeyboardInterrupt, serve, con, b"bolus 5\x03bolus 5\r")
    assert fac.calls == []


def test_ctrl_c_handler_is_injectable():
    stops = []
    con = Console(FakeFacade(), lambda: 0, Out(), on_interrupt=lambda: stops.append(1), gates=FakeGates())
    serve(con, b"\x03")
    assert stops == [1]


def test_async_log_line_redraws_the_partial_line():
    con, fac, out, asked = make_console()
    for ch in b"bolus 1.":
        run_async(con.feed(ch))
    out.clear()
    con.log("info", "basal segment 06:00")
    text = out.text()
    assert text.startswith("\r\x1b[K")  # erase the line being typed
    assert "[info] basal segment 06:00\r\n" in text
    assert text.endswith(PROMPT + "bolus 1.")  # then redraw it
    for ch in b"5\r":
        run_async(con.feed(ch))
    assert fac.calls[-1] == ("bolus", 1500, 0, 0)


def test_log_level_filters():
    con, fac, out, asked = make_console()
    con.log("debug", "hidden")
    assert out.text() == ""
    con.log_level = "debug"
    con.log("debug", "shown")
    assert "shown" in out.text()


def test_alarm_in_json_mode_is_tagged():
    con, fac, out, asked = make_console()
    con.set_json(True)
    con.alarm({"id": "occlusion", "message": "no flow"})
    obj = json.loads(out.lines()[0])
    assert obj == {"event": "alarm", "data": {"id": "occlusion", "message": "no flow"}}


def test_alarm_in_human_mode():
    con, fac, out, asked = make_console()
    con.alarm({"id": "empty", "message": "syringe empty"})
    assert "ALARM empty syringe empty" in out.text()
