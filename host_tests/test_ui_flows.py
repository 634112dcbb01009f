# plunger-test: both
# Walk the real menus with button events and check the pump facade received
# exactly the commands a user asked for, nothing more.
from screenshot import FakeBuzzer, FakePump, click, new_ui


def hold_ok(ui, start_ms, hold_ms):
    """Press OK, let the ticker run while it is held, release."""
    ui.handle("ok", "down", start_ms)
    t = start_ms
    while t < start_ms + hold_ms:
        t += 100
        ui.tick(t)
    ui.handle("ok", "up", t)
    return t


def goto(ui, *path):
    """Open the main menu and click down the given item indexes."""
    assert ui.top() is None, "start from the status screen"
    click(ui, "ok")
    for index in path:
        for _ in range(index):
            click(ui, "down")
        click(ui, "ok")


def test_manual_bolus_needs_hold_and_sends_exactly_one_bolus():
    pump = FakePump()
    ui = new_ui(pump)
    goto(ui, 0, 0)  # Menu > Bolus > Manual
    for _ in range(25):  # 25 x 0.10 U
        click(ui, "up")
    click(ui, "ok")
    assert pump.calls == [("preview_bolus", 0, 2500, 0, 0)]
    assert pump.commands() == []
    # A short press on the confirm screen delivers nothing.
    click(ui, "ok", 10)
    # Released after 1 s: nothing either.
    ui.handle("ok", "down", 20)
    ui.tick(1020)
    ui.handle("ok", "up", 1020)
    assert pump.commands() == []
    t = hold_ok(ui, 2000, 1500)
    assert pump.commands() == [("bolus", 3500, 2500, 0, 0)]
    # The result screen; the OK release and more ticks send nothing more.
    ui.tick(t + 1000)
    assert len(pump.commands()) == 1
    assert ui.top().title == "Bolus"


def test_extended_and_combo_bolus():
    pump = FakePump()
    ui = new_ui(pump)
    goto(ui, 0, 1)  # Extended
    for _ in range(10):
        click(ui, "up")
    click(ui, "ok")
    click(ui, "up")  # 120 -> 150 min
    click(ui, "ok")
    hold_ok(ui, 100, 1500)
    click(ui, "back", 2000)  # dismiss the result
    goto(ui, 0, 2)  # Combo
    for _ in range(5):
        click(ui, "up")
    click(ui, "ok")
    for _ in range(15):
        click(ui, "up")
    click(ui, "ok")
    click(ui, "down")  # 120 -> 90 min
    click(ui, "ok")
    hold_ok(ui, 5000, 1500)
    assert pump.commands() == [("bolus", 1600, 0, 1000, 150), ("bolus", 6500, 500, 1500, 90)]


def test_calculator_prefills_but_never_delivers_by_itself():
    pump = FakePump()
    ui = new_ui(pump)
    goto(ui, 0, 3)  # Calculator
    for _ in range(6):  # 30 g
        click(ui, "up")
    click(ui, "ok")
    click(ui, "ok")  # BG: none
    assert pump.calls == [("calculate_bolus", 0, 30, None)]
    assert ui.top().value == 3000
    click(ui, "ok")
    assert pump.commands() == []
    hold_ok(ui, 100, 1500)
    assert pump.commands()[-1] == ("bolus", 1600, 3000, 0, 0)


def test_rejected_bolus_is_shown_and_changes_nothing():
    pump = FakePump(max_bolus_mu=1000)
    ui = new_ui(pump)
    goto(ui, 0, 0)
    for _ in range(20):
        click(ui, "up")
    click(ui, "ok")
    assert pump.commands() == []
    assert ui.top().title == "Not done"
    assert ui.top().lines[0] == "max_bolus"
    click(ui, "back")
    assert ui.top() is None


def test_temp_basal_set_and_cancel():
    pump = FakePump()
    ui = new_ui(pump)
    goto(ui, 1, 0)  # Temp basal > Percent
    for _ in range(5):  # 100 -> 150 %
        click(ui, "up")
    click(ui, "ok")
    click(ui, "up")  # 60 -> 90 min
    click(ui, "ok")
    hold_ok(ui, 100, 1500)
    assert pump.commands() == [("temp_basal", 1600, 90, ("percent", 150), ("rate_mu_per_h", None))]
    click(ui, "ok", 2000)  # dismiss the result
    goto(ui, 1, 2)  # Temp basal > Cancel temp
    click(ui, "ok", 3000)  # cancelling needs no hold
    assert pump.commands()[1:] == [("cancel_temp_basal", 3000)]


def test_temp_basal_absolute_rate():
    pump = FakePump()
    ui = new_ui(pump)
    goto(ui, 1, 1)  # Rate U/h, starts at 1.00 U/h
    for _ in range(3):
        click(ui, "down")
    click(ui, "ok")
    click(ui, "ok")
    hold_ok(ui, 0, 1500)
    assert pump.commands() == [("temp_basal", 1500, 60, ("percent", None), ("rate_mu_per_h", 850))]


def test_suspend_then_resume():
    pump = FakePump()
    ui = new_ui(pump)
    goto(ui, 2)
    assert ui.top().hold_ms == 0  # suspending stops delivery: a click will do
    click(ui, "ok", 500)
    assert pump.commands() == [("suspend", 500)]
    click(ui, "ok", 600)  # dismiss
    click(ui, "ok")
    for _ in range(2):
        click(ui, "down")
    assert ui.top().label(ui, 2) == "Resume"
    click(ui, "ok")
    click(ui, "ok", 700)  # a click does not resume
    assert len(pump.commands()) == 1
    hold_ok(ui, 1000, 1500)
    assert pump.commands() == [("suspend", 500), ("resume", 2500)]


def test_prime_rewind_and_profile():
    pump = FakePump()
    ui = new_ui(pump)
    goto(ui, 3)  # Prime, default 0.50 U
    click(ui, "ok")
    hold_ok(ui, 0, 1500)
    click(ui, "ok", 2000)
    goto(ui, 4)  # Rewind
    hold_ok(ui, 3000, 1500)
    click(ui, "ok", 5000)
    goto(ui, 5, 1)  # Basal profile > Weekend
    hold_ok(ui, 6000, 1500)
    assert pump.commands() == [("prime", 1500, 500), ("rewind", 4500),
                               ("select_profile", 7500, "Weekend")]


def test_alarm_pops_up_sounds_reminds_and_is_acknowledged():
    pump = FakePump()
    buzzer = FakeBuzzer()
    ui = new_ui(pump, buzzer=buzzer)
    pump.alarm_list.append({"id": "occlusion", "priority": "high", "text": "Occlusion",
                            "acked": False})
    ui.tick(1000)
    assert buzzer.played == ["alarm_high"]
    assert ui.top().alarm["id"] == "occlusion"
    click(ui, "back", 2000)  # later: banner stays, reminders go on
    assert ui.top() is None
    ui.tick(30000)
    assert buzzer.played == ["alarm_high"]
    ui.tick(61000)
    assert buzzer.played == ["alarm_high", "alarm_high"]
    click(ui, "back", 62000)  # BACK on the status screen brings it back
    click(ui, "ok", 62100)
    assert pump.commands() == [("ack_alarm", "occlusion")]
    assert buzzer.played[-1] == "stop"
    ui.tick(200000)
    assert buzzer.played.count("alarm_high") == 2


def test_alarm_menu_acknowledges_one_alarm():
    pump = FakePump(alarms=[
        {"id": "low_battery", "priority": "low", "text": "Battery low", "acked": True},
        {"id": "empty", "priority": "high", "text": "Syringe empty", "acked": False}])
    ui = new_ui(pump)
    goto(ui, 7)  # Alarms
    assert ui.top().label(ui, 1) == "! Syringe empty"
    click(ui, "down")
    click(ui, "ok")
    assert pump.commands() == [("ack_alarm", "empty")]
    assert ui.top().label(ui, 1) == "  Syringe empty"


def test_menu_times_out_to_status_screen():
    ui = new_ui()
    goto(ui, 0, 0)
    ui.tick(29000)
    assert ui.top() is not None
    ui.tick(30000)
    assert ui.top() is None
    assert ui.pump.commands() == []


def test_screen_sleeps_and_the_waking_press_does_nothing_else():
    ui = new_ui()
    ui.tick(60000)
    assert not ui.screen_on
    assert ui.render(60000) is False
    click(ui, "ok", 61000)
    assert ui.screen_on
    assert ui.top() is None  # the OK that woke the screen did not open the menu
    click(ui, "ok", 61500)
    assert ui.top().title == "Menu"


def test_confirmation_disabled_takes_a_click():
    pump = FakePump()
    ui = new_ui(pump, confirm_hold_ms=0)
    goto(ui, 0, 0)
    click(ui, "up")
    click(ui, "ok")
    click(ui, "ok", 100)
    assert pump.commands() == [("bolus", 100, 100, 0, 0)]


def test_stuck_button_is_reported_once_and_cannot_confirm():
    pump = FakePump()
    ui = new_ui(pump)
    goto(ui, 4)  # Rewind confirm screen
    ui.handle("ok", "down", 0)
    ui.handle("ok", "stuck", 1000)  # as if stuck_ms were short
    ui.tick(5000)
    assert pump.commands() == [("button_stuck", 1000, "ok")]


def test_history_and_settings_views():
    ui = new_ui()
    goto(ui, 6)
    assert ui.top().source(ui)[0] == "13:00 bolus 2.00"
    click(ui, "back")
    click(ui, "down")  # Alarms
    click(ui, "down")  # Settings
    click(ui, "ok")
    assert ui.top().source(ui)[1] == "Max basal 3.00U/h"


def test_numeric_priorities_from_the_alarm_store_work_too():
    pump = FakePump(alarms=[{"id": "low_battery", "priority": 2, "text": "Battery low",
                             "acked": False}])
    buzzer = FakeBuzzer()
    ui = new_ui(pump, buzzer=buzzer)
    ui.tick(0)
    assert buzzer.played == ["alarm_medium"]
    ui.reminders = False  # the app repeats sounds itself
    ui.tick(10 * 60000)
    assert buzzer.played == ["alarm_medium"]
