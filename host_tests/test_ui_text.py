# plunger-test: both
# The pump's own screens (issue 13 item 6, issue 15 item 11, issue 17 item 9):
# the highest-priority unacknowledged alarm is the one on screen; the screen
# reads ui.require_button_confirm at once; nothing is cut or wrapped inside a
# word on the 16-column OLED; a result does not outlive what it reports; a
# press that only wakes the screen says so.
from screenshot import FakePump, click, new_ui
from ui.wrap import wrap
from ui.status import alarm_text, bolus_text, reservoir_text


def test_status_lines_keep_every_digit():
    # Were "Bolus 0.099/0.50" and "Res 249.985U 138": the label gives way.
    assert bolus_text({"kind": "normal", "requested_mu": 500, "delivered_mu": 99}) == \
        "B 0.099/0.50U"
    assert reservoir_text({"reservoir_mu": 249985, "hours_left": 138}) == "R 249.985U 138h"
    big = reservoir_text({"reservoir_mu": 999999, "hours_left": 1249})
    assert big == "Res 999.999U 52d" and len(big) <= 16
    ext = bolus_text({"kind": "extended", "requested_mu": 25000, "delivered_mu": 12345,
                      "extended_left_mu": 12655})
    assert ext == "E 12.345/25.00U" and len(ext) <= 16
    banner = alarm_text([{"id": "uncertain_delivery", "priority": "high"},
                         {"id": "no_time", "priority": "low"}])
    assert banner == "!UNCERTAIN +1"


def test_wrap_breaks_between_words_only():
    text = "bolus 0.250 U now and 2.000 U over 2:00, no calculator; confirm within 30 s"
    rows = wrap(text, 16, 4)
    assert all(len(r) <= 16 for r in rows) and len(rows) == 4
    words = text.split()
    for r in rows:
        for w in r.replace("...", "").split():
            assert w in words, (w, rows)
    assert rows[-1].endswith("...")
    assert wrap("set ui.require_button_confirm", 16, 4) == ["set ui.require_", "button_confirm"]


def _alarm(aid, pri):
    return {"id": aid, "priority": pri, "text": aid.replace("_", " "), "acked": False}


def test_the_highest_priority_alarm_is_the_one_on_screen():
    # At boot after a watchdog reset: watchdog_reset (high) and no_time (low).
    pump = FakePump(alarms=[_alarm("watchdog_reset", "high"), _alarm("no_time", "low")])
    ui = new_ui(pump)
    ui.tick(0)
    assert ui.top().alarm["id"] == "watchdog_reset"
    pump.alarm_list.append(_alarm("low_battery", "medium"))  # a lower one later
    ui.tick(1000)
    assert ui.top().alarm["id"] == "watchdog_reset"
    click(ui, "ok", 2000)  # ack it: the next most urgent shows
    assert ui.top().alarm["id"] == "low_battery"


def test_require_button_confirm_counts_at_once():
    cfg = {"ui": {"require_button_confirm": False}}

    def required():
        return cfg["ui"]["require_button_confirm"] is not False

    pump = FakePump()
    pump.st["bolus"] = None
    ui = new_ui(pump)
    ui.confirm_required = required
    assert ui.confirm_hold_ms == 0  # NC on the status screen
    click(ui, "ok")  # menu
    click(ui, "ok")  # bolus menu
    click(ui, "ok")  # normal bolus: edit
    click(ui, "up")
    click(ui, "ok")  # the confirm screen
    cfg["ui"]["require_button_confirm"] = True  # set on meanwhile (with the button)
    assert ui.confirm_hold_ms == 1500
    click(ui, "ok", 100)  # one short tap
    ui.tick(200)
    assert [c for c in pump.commands() if c[0] == "bolus"] == []


def test_the_app_reads_the_flag_from_the_config_in_force():
    import app

    class P:
        cfg = {"ui": {"require_button_confirm": False}}

    class A:
        pump = P()

    read = app.App._confirm_required
    assert read(A()) is False
    P.cfg = {"ui": {"require_button_confirm": True}}
    assert read(A()) is True
    P.cfg = None  # no valid config: the safe default
    assert read(A()) is True


def test_a_bolus_result_closes_by_itself():
    pump = FakePump()
    pump.st["bolus"] = None
    ui = new_ui(pump, confirm_hold_ms=0)
    ui.confirm_required = lambda: False
    for b in ("ok", "ok", "ok", "up", "ok", "ok"):
        click(ui, b, 0)
    assert [c[0] for c in pump.commands()] == ["bolus"]
    assert ui.top() is not None  # "Bolus / now 0.10U"
    ui.tick(3000)
    assert ui.top() is not None
    ui.tick(4000)
    assert ui.top() is None  # the status screen, with the bolus's own progress


def test_a_press_that_wakes_the_screen_says_so_then_goes_away():
    ui = new_ui()
    ui.tick(60000)
    assert not ui.screen_on
    ui.handle("ok", "down", 61000)
    ui.handle("ok", "short", 61000)
    assert ui.top() is None  # the press did nothing else
    assert ui.render(61000) and ui._woke_ms == 61000
    ui.render(64000)
    assert ui._woke_ms is None
