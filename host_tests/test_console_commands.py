# plunger-test: both
# Command lines in, replies and pump-facade effects out (synchronous half of
# the console: handle() and finish()).
import json

from console.reply import Pending
from test_console_fakes import FakeRejected, make_console


def do(con, line, confirm=True):
    """Handle one line; a Pending is confirmed (or not) like the OK button."""
    reply, as_json = con.handle(line)
    if isinstance(reply, Pending):
        reply = con.finish(reply, confirm)
    return reply, as_json


def js(con, line, confirm=True):
    reply, _ = do(con, "!" + line, confirm)
    return json.loads(reply.to_json())


def test_status_human_and_json():
    con, fac, _, _ = make_console()
    r, as_json = do(con, "status")
    assert r.ok and not as_json
    t = r.to_text()
    assert "delivering" in t and "1.234 U" in t and "press OK" in t
    obj = js(con, "status")
    assert obj["ok"] is True and obj["data"]["iob_mu"] == 1234
    assert obj["data"]["confirm_required"] is True


def test_status_says_when_confirmation_is_off():
    con, fac, _, _ = make_console()
    fac.config["ui"]["require_button_confirm"] = False
    assert "OFF" in do(con, "status")[0].to_text()


def test_normal_bolus_is_pending_until_confirmed():
    con, fac, _, _ = make_console()
    reply, _ = con.handle("bolus 1.5")
    assert isinstance(reply, Pending)
    assert fac.names() == ["preview_bolus"]  # asked, nothing delivered
    assert "1.500 U" in reply.prompt
    r = con.finish(reply, True)
    assert r.ok
    assert fac.calls[-1] == ("bolus", 1500, 0, 0)


def test_bolus_not_confirmed_changes_nothing():
    con, fac, _, _ = make_console()
    r, _ = do(con, "bolus 2", confirm=False)
    assert not r.ok and r.code == "not_confirmed"
    assert "bolus" not in fac.names()


def test_extended_and_combo_bolus():
    con, fac, _, _ = make_console()
    assert do(con, "bolus 0 2.0 over 120")[0].ok
    assert fac.calls[-1] == ("bolus", 0, 2000, 120)
    assert do(con, "bolus 1 2 over 1h30")[0].ok
    assert fac.calls[-1] == ("bolus", 1000, 2000, 90)


def test_bolus_preview_shows_rounding_down():
    con, fac, _, _ = make_console()
    reply, _ = con.handle("bolus 0.005")
    assert "0.004 U" in reply.prompt and "rounded down" in reply.prompt


def test_bolus_refused_by_limits_never_asks_for_ok():
    con, fac, _, _ = make_console()
    obj = js(con, "bolus 12")
    assert obj["ok"] is False and obj["code"] == "max_bolus" and "limit" in obj["error"]
    assert "bolus" not in fac.names()


def test_bad_bolus_arguments():
    con, fac, _, _ = make_console()
    for line in ("bolus", "bolus 1.2345", "bolus 1e3", "bolus -1", "bolus nan", "bolus 1..2",
                 "bolus 0", "bolus 1 2 over", "bolus 1 2 for 60", "bolus 1 0 over 60",
                 "bolus 1 2 over 5", "bolus 1 2 over 13h", "bolus 1 2 3"):
        r, _ = do(con, line)
        assert not r.ok and r.code == "usage", line
        assert r.to_text().startswith("error: ")
        assert "\n" not in r.to_text()  # one line
    assert fac.calls == []


def test_bolus_refused_after_confirmation_reports_the_reason():
    con, fac, _, _ = make_console()
    fac.refuse["bolus"] = FakeRejected("occlusion", "delivery stopped: occlusion alarm")
    r, _ = do(con, "bolus 1")
    assert not r.ok and r.code == "occlusion" and "occlusion" in r.error


def test_cancel_bolus():
    con, fac, _, _ = make_console()
    r, _ = do(con, "cancel")
    assert r.ok and "0.500 U delivered" in r.to_text()
    assert do(con, "bolus cancel")[0].ok
    assert fac.names() == ["cancel_bolus", "cancel_bolus"]


def test_bolus_calc_only_suggests():
    con, fac, _, _ = make_console()
    r, _ = do(con, "bolus calc 30 120")
    assert r.ok and "3.000 U" in r.to_text()
    assert fac.names() == ["calculate_bolus"]


def test_temp_basal_percent_rate_cancel():
    con, fac, _, _ = make_console()
    assert do(con, "temp 150% 1h")[0].ok
    assert fac.calls[-1] == ("temp_basal", 60, 150, None)
    assert do(con, "temp 0.8 90m")[0].ok
    assert fac.calls[-1] == ("temp_basal", 90, None, 800)
    assert do(con, "temp cancel")[0].ok
    assert fac.calls[-1] == ("cancel_temp_basal",)
    n = len(fac.calls)
    for line in ("temp", "temp 300% 1h", "temp 150%", "temp 150% 0", "temp 1.5.5 1h",
                 "temp x% 1h", "temp 150% 25h"):
        r, _ = do(con, line)
        assert not r.ok and r.code == "usage", line
    assert len(fac.calls) == n


def test_suspend_immediate_resume_needs_ok():
    con, fac, _, _ = make_console()
    assert do(con, "suspend")[0].ok
    assert fac.names() == ["suspend"]
    reply, _ = con.handle("resume")
    assert isinstance(reply, Pending) and fac.names() == ["suspend"]
    con.finish(reply, True)
    assert fac.names() == ["suspend", "resume"]


def test_prime_and_rewind_need_ok():
    con, fac, _, _ = make_console()
    for line, call in (("prime 2.5", ("prime", 2500)), ("rewind", ("rewind",))):
        reply, _ = con.handle(line)
        assert isinstance(reply, Pending)
        assert con.finish(reply, False).code == "not_confirmed"
        assert fac.calls == []
        assert con.finish(reply, True).ok
        assert fac.calls[-1] == call
        fac.calls = []
    assert do(con, "prime 0")[0].code == "usage"
    assert do(con, "rewind 5")[0].code == "usage"


def test_profiles_show_select_edit():
    con, fac, _, _ = make_console()
    r, _ = do(con, "profile")
    assert "default (active)" in r.to_text() and "6:00  1.200 U/h" in r.to_text()
    obj = js(con, "profile show weekend")
    assert obj["data"]["profiles"] == {"weekend": [[0, 700]]}
    assert do(con, "profile select weekend")[0].ok
    r, _ = do(con, "profile select nosuch")
    assert r.code == "no_profile"
    assert do(con, "profile edit night 00:00=0.8 06:00=1.25 22:30=0.05")[0].ok
    assert fac.calls[-1] == ("set_profile", "night", [[0, 800], [360, 1250], [1350, 50]])
    n = len(fac.calls)
    for line in ("profile edit night", "profile edit night 01:00=1", "profile edit x 00:00=1 00:00=2",
                 "profile edit x 00:00=1.2345", "profile edit x 00:00", "profile edit b@d 00:00=1",
                 "profile show nosuch", "profile frob"):
        assert do(con, line)[0].code == "usage", line
    assert len(fac.calls) == n


def test_history_last_n_and_since():
    con, fac, _, _ = make_console()
    obj = js(con, "history")
    assert len(obj["data"]) == 10 and obj["data"][-1]["seq"] == 30
    assert len(js(con, "history 3")["data"]) == 3
    obj = js(con, "history since 2026-11-22 04:00:00")
    assert all(r["wall_s"] >= 1795320000 for r in obj["data"]) and obj["data"]
    fac.calls = []
    do(con, "history since 2h")
    assert fac.calls[-1] == ("history", None, 1795320605 - 7200)
    fac.calls = []
    for line in ("history 0", "history 501", "history -1", "history since", "history since 2026-13-01",
                 "history 1 2"):
        assert do(con, line)[0].code == "usage", line
    assert fac.calls == []
    assert "2026-11-22 04:30:00" in do(con, "history 1")[0].to_text()


def test_alarms_and_ack():
    con, fac, _, _ = make_console()
    assert "low_reservoir" in do(con, "alarms")[0].to_text()
    assert do(con, "ack low_reservoir")[0].ok
    assert do(con, "alarms ack low_reservoir")[0].ok
    assert do(con, "ack occlusion")[0].code == "no_alarm"
    assert do(con, "ack")[0].code == "usage"
    assert do(con, "ack a;b")[0].code == "usage"


def test_config_show_get_set_with_validation():
    con, fac, _, _ = make_console()
    assert "limits.max_bolus_mu = 10000" in do(con, "config")[0].to_text()
    assert js(con, "config get limits.max_bolus_mu")["data"]["value"] == 10000
    assert do(con, "config get nosuch")[0].code == "not_found"
    assert do(con, "config set limits.max_bolus_mu 15000")[0].ok
    assert fac.config["limits"]["max_bolus_mu"] == 15000
    r, _ = do(con, "config set limits.max_bolus_mu 99000")  # above the ceiling
    assert r.code == "invalid" and "ceiling" in r.error
    assert fac.config["limits"]["max_bolus_mu"] == 15000
    for line in ("config set limits.max_bolus_mu 1.5", "config set limits.max_bolus_mu 1e3",
                 "config set limits.max_bolus_mu NaN", "config set a$b 1", "config set x",
                 "config get", "config frob"):
        assert do(con, line)[0].code == "usage", line
    assert fac.config["limits"]["max_bolus_mu"] == 15000


def test_turning_confirmation_off_needs_the_button():
    con, fac, _, _ = make_console()
    reply, _ = con.handle("config set ui.require_button_confirm false")
    assert isinstance(reply, Pending)
    assert con.finish(reply, False).code == "not_confirmed"
    assert fac.config["ui"]["require_button_confirm"] is True
    con.finish(reply, True)
    assert fac.config["ui"]["require_button_confirm"] is False
    assert con.confirm_required() is False
    r, _ = con.handle("config set ui.require_button_confirm true")  # back on: no button needed
    assert r.ok and con.confirm_required() is True


def test_time_show_and_set():
    con, fac, _, _ = make_console()
    assert "2026-11-22 04:10:05 UTC" in do(con, "time")[0].to_text()
    assert do(con, "time set 2026-12-01 08:00")[0].ok
    assert fac.wall == 1796112000
    for line in ("time set", "time set 2026-02-30 08:00", "time frob", "time set 99"):
        assert do(con, line)[0].code == "usage", line
    assert fac.wall == 1796112000


def test_calibration_state_machine():
    con, fac, _, _ = make_console()
    assert do(con, "calibrate mass 0.5")[0].code == "usage"  # nothing dispensed yet
    assert do(con, "calibrate 5")[0].code == "usage"  # too little to weigh
    r, _ = do(con, "calibrate 50", confirm=False)
    assert r.code == "not_confirmed" and con.calibration is None and fac.calls == []
    r, _ = do(con, "calibrate 50")
    assert r.ok and fac.calls[-1] == ("prime", 50000) and con.calibration == 50000
    assert js(con, "calibrate")["data"] == {"step": "weigh", "dispensed_mu": 50000}
    r, _ = do(con, "calibrate mass 2.0")  # 4x the 0.5 g expected: a typo, weigh again
    assert r.code == "usage" and con.calibration == 50000
    assert do(con, "calibrate mass 0.49731")[0].code == "usage"  # a 0.1 mg balance at most
    r, _ = do(con, "calibrate mass 0.497")  # 0.500 g expected: each step pushes a bit less
    assert r.ok and con.calibration is None
    assert fac.calls[-1] == ("config_set", "mechanics.calibration_ppm", 1006036)  # 10^6 * 500 // 497
    assert "1000000 -> 1006036 ppm" in r.to_text()


def test_calibration_beyond_the_settings_range_is_refused_and_can_be_retried():
    con, fac, _, _ = make_console()
    fac.config["mechanics"]["calibration_ppm"] = 1900000
    do(con, "calibrate 50")
    r, _ = do(con, "calibrate mass 0.4")  # would need 2375000 ppm
    assert r.code == "invalid" and "2000000" in r.error
    assert fac.config["mechanics"]["calibration_ppm"] == 1900000 and con.calibration == 50000
    assert do(con, "calibrate mass 0.5")[0].ok
    assert fac.config["mechanics"]["calibration_ppm"] == 1900000
    do(con, "calibrate 50")
    assert do(con, "calibrate cancel")[0].ok and con.calibration is None


def test_version_board_log_help_json():
    con, fac, _, _ = make_console()
    assert "0.1.0" in do(con, "version")[0].to_text()
    assert "stepper.microsteps = 16" in do(con, "board")[0].to_text()
    assert do(con, "log level debug")[0].ok and con.log_level == "debug"
    assert do(con, "log warn")[0].ok and con.log_level == "warn"
    assert do(con, "log level loud")[0].code == "usage" and con.log_level == "warn"
    assert "bolus" in do(con, "help")[0].to_text()
    assert "extended" in do(con, "help bolus")[0].to_text()
    assert do(con, "help nosuch")[0].code == "usage"
    r, as_json = do(con, "json on")
    assert as_json is False and con.json  # the switch reply itself in the old mode
    r, as_json = do(con, "status")
    assert as_json and json.loads(r.to_json())["ok"]
    assert do(con, "json maybe")[0].code == "usage" and con.json
    do(con, "json off")
    assert not con.json


def test_per_command_json_flags():
    con, fac, _, _ = make_console()
    assert do(con, "!version")[1] is True
    assert do(con, "! version")[1] is True
    assert do(con, "version --json")[1] is True
    assert do(con, "version")[1] is False


def test_unknown_command_and_empty_line():
    con, fac, _, _ = make_console()
    r, _ = do(con, "bolsu 1")
    assert r.code == "unknown_command" and "help" in r.error
    obj = js(con, "frobnicate")
    assert obj == {"ok": False, "cmd": "frobnicate", "code": "unknown_command",
                   "error": "unknown command 'frobnicate'; type help"}
    assert con.handle("   ")[0] is None
    assert fac.calls == []


def test_commands_are_case_insensitive_names_but_not_arguments():
    con, fac, _, _ = make_console()
    assert do(con, "STATUS")[0].ok
    assert do(con, "Profile select Weekend")[0].code == "no_profile"


def test_facade_bug_is_one_error_line_not_a_crash():
    con, fac, _, _ = make_console()
    fac.refuse["suspend"] = RuntimeError("boom")
    r, _ = do(con, "suspend")
    assert r.code == "internal" and "boom" in r.error
