# plunger-test: both
# The line editor: bytes in, lines or one clear error out.
from console.lineedit import LineEditor


def feed_all(ed, data):
    results = []
    for ch in data:
        r = ed.feed(ch)
        if r is not None:
            results.append(r)
    return results


def test_cr_lf_and_crlf_each_end_one_line():
    ed = LineEditor()
    assert feed_all(ed, b"a\rb\nc\r\nd\n") == [("line", "a"), ("line", "b"), ("line", "c"),
                                              ("line", "d")]


def test_empty_lines_are_lines():
    ed = LineEditor()
    assert feed_all(ed, b"\r\n\n") == [("line", ""), ("line", "")]


def test_backspace_and_del_remove_the_last_char_and_echo_erase():
    out = []
    ed = LineEditor(out.append)
    assert feed_all(ed, b"bolx\x08us 1\x7f2\r") == [("line", "bolus 2")]
    assert "\b \b" in "".join(out)
    assert feed_all(ed, b"\x08\x08a\r") == [("line", "a")]  # backspace on empty: nothing


def test_ctrl_c_interrupts_and_discards_the_line():
    ed = LineEditor()
    assert feed_all(ed, b"bolus 5\x03") == [("interrupt",)]
    assert ed.text() == ""


def test_ctrl_u_kills_the_line():
    ed = LineEditor()
    assert feed_all(ed, b"bolus 9\x15status\r") == [("line", "status")]


def test_too_long_gives_one_error_and_discards():
    ed = LineEditor(max_len=10)
    res = feed_all(ed, b"x" * 50 + b"\r" + b"ok\r")
    assert len(res) == 2
    assert res[0][0] == "error" and "too long" in res[0][1]
    assert res[1] == ("line", "ok")


def test_exactly_max_len_is_fine():
    ed = LineEditor(max_len=10)
    assert feed_all(ed, b"y" * 10 + b"\n") == [("line", "y" * 10)]


def test_non_printable_rejects_the_line():
    ed = LineEditor()
    res = feed_all(ed, b"bol\x01us 1\r")
    assert res == [("error", "non-printable byte 0x01 in line")]
    res = feed_all(ed, b"bolus \xff1\r")
    assert res[0][0] == "error" and "0xff" in res[0][1]


def test_arrow_keys_are_swallowed():
    ed = LineEditor()
    assert feed_all(ed, b"sta\x1b[A\x1b[Dtus\r") == [("line", "status")]


def test_tab_becomes_space():
    ed = LineEditor()
    assert feed_all(ed, b"bolus\t1\r") == [("line", "bolus 1")]


def test_str_chars_from_micropython_stdin():
    ed = LineEditor()
    assert feed_all(ed, ["s", "t", "\r"]) == [("line", "st")]
    assert feed_all(ed, ["\u00e9", "\r"])[0][0] == "error"  # not ASCII


def test_echo_off_writes_nothing():
    out = []
    ed = LineEditor(out.append)
    ed.echo = False
    feed_all(ed, b"status\r")
    assert out == []
