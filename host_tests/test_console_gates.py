# plunger-test: both
# Issue 15, console side (items 3, 4, 8, 9): every console command or config
# change that can raise what is delivered waits for the OK hold; turning the
# OK hold off needs the button whatever form the change takes; a command
# that would be refused is refused before anyone is asked. On the real Pump
# booted from fake flash, with a confirmer that records each question.
import json

from app_rig import console, reply


def _rig(answer=False):
    return console(answer)


_reply = reply


def _flash_cfg(flash):
    return json.loads(flash.files["/config.json"].decode())


# ---- item 3: the OK hold cannot be turned off without the button ------------

UI_OFF = '{"require_button_confirm": false, "utc_offset_min": 0, "log_level": "info"}'


def test_object_forms_of_the_confirm_flag_wait_for_the_button():
    con, pump, flash, out, confirm = _rig(answer=False)
    for line in ("config set ui " + UI_OFF,
                 'config set ui {"require_button_confirm":false}',
                 "config set ui.require_button_confirm false",
                 "config set ui.require_button_confirm 0"):
        r = _reply(con, out, line)
        assert r["ok"] is False and r["code"] in ("not_confirmed", "invalid"), (line, r)
        assert pump.cfg["ui"]["require_button_confirm"] is True, line
    assert len(confirm.asked) == 3  # "0" is not a bool: refused before asking
    assert _flash_cfg(flash).get("ui", {}).get("require_button_confirm", True) is True
    # ... and a bolus still asks for OK.
    r = _reply(con, out, "bolus 5")
    assert r["code"] == "not_confirmed" and pump.engine.active_bolus is None
    assert len(confirm.asked) == 4


def test_the_flag_goes_off_only_with_the_button_then_on_again_freely():
    con, pump, flash, out, confirm = _rig(answer=True)
    r = _reply(con, out, "config set ui " + UI_OFF)
    assert r["ok"] and len(confirm.asked) == 1
    assert pump.cfg["ui"]["require_button_confirm"] is False
    confirm.answer = False
    r = _reply(con, out, "temp 150% 1h")  # OK hold off: no question
    assert r["ok"] and len(confirm.asked) == 1
    r = _reply(con, out, "config set ui.require_button_confirm true")  # safer: no button
    assert r["ok"] and len(confirm.asked) == 1 and pump.cfg["ui"]["require_button_confirm"]
    r = _reply(con, out, 'config set ui {"log_level":"warn"}')  # flag back to its default
    assert r["ok"] and pump.cfg["ui"]["require_button_confirm"] is True


def test_other_ui_settings_need_no_button():
    con, pump, flash, out, confirm = _rig()
    r = _reply(con, out, "config set ui.log_level warn")
    assert r["ok"] and confirm.asked == []


# ---- item 4: temp, profile select/edit, calibrate mass wait for OK ----------

def test_temp_waits_for_ok_and_not_confirmed_starts_nothing():
    con, pump, flash, out, confirm = _rig(answer=False)
    r = _reply(con, out, "temp 150% 1h")
    assert r["code"] == "not_confirmed" and pump.engine.temp is None
    r = _reply(con, out, "temp 1.2 90m")
    assert r["code"] == "not_confirmed" and pump.engine.temp is None
    assert len(confirm.asked) == 2
    confirm.answer = True
    assert _reply(con, out, "temp 0.5 1h")["ok"] and pump.engine.temp is not None
    # Ending a temp below the schedule raises basal: it asks too.
    confirm.answer = False
    assert _reply(con, out, "temp cancel")["code"] == "not_confirmed"
    assert pump.engine.temp is not None and len(confirm.asked) == 4


def test_temp_above_the_cap_is_refused_before_asking():
    con, pump, flash, out, confirm = _rig(answer=True)
    r = _reply(con, out, "temp 35 1h")  # max temp 5 U/h by default
    assert r["code"] == "max_temp_basal" and confirm.asked == []
    r = _reply(con, out, "temp 250% 1h")  # 0.8 x 2.5 = 2 U/h: allowed
    assert r["ok"] and len(confirm.asked) == 1


def test_profile_select_and_edit_wait_for_ok():
    con, pump, flash, out, confirm = _rig(answer=True)
    assert _reply(con, out, "profile edit work 00:00=0.5")["ok"]  # asked once
    assert len(confirm.asked) == 1
    confirm.answer = False
    r = _reply(con, out, "profile select work")
    assert r["code"] == "not_confirmed" and pump.engine.profile_name == "default"
    r = _reply(con, out, "profile edit default 00:00=2.5")
    assert r["code"] == "not_confirmed"
    assert pump.engine.profiles["default"] == [[0, 800]]
    assert pump.cfg["profiles"]["default"] == [[0, 800]]
    assert len(confirm.asked) == 3
    assert _reply(con, out, "profile select default")["ok"]  # already active: no change
    assert len(confirm.asked) == 3


def test_profile_refusals_come_before_the_question():
    con, pump, flash, out, confirm = _rig(answer=True)
    assert _reply(con, out, "profile select nosuch")["code"] == "no_profile"
    assert _reply(con, out, "profile edit x 00:00=9")["code"] == "max_basal"  # max 3 U/h
    assert _reply(con, out, "profile edit x 00:00=1 00:10=1")["code"] in ("bad_profile", "usage")
    assert confirm.asked == []


def _dispense(con, pump, out, confirm, amount="10"):
    # Suspend, dispense and let the motor finish (as the motor task would).
    confirm.answer = True
    assert _reply(con, out, "suspend")["ok"]
    r = _reply(con, out, "calibrate " + amount)
    assert r["ok"], r
    eng = pump.engine
    t = pump.clock.now_ms()
    while eng.prime_stream is not None:
        t += 1000
        pump.clock.t = t
        _d, k, _hz, _w = eng.plan(t)
        eng.confirm(t, k)
    pump.journal_events(t)


def test_calibrate_mass_waits_for_ok():
    con, pump, flash, out, confirm = _rig()
    _dispense(con, pump, out, confirm)
    confirm.answer = False
    r = _reply(con, out, "calibrate mass 0.0998")
    assert r["code"] == "not_confirmed"
    assert pump.cfg["mechanics"]["calibration_ppm"] == 1000000
    assert con.calibration == 10000  # weigh result can be given again
    confirm.answer = True
    r = _reply(con, out, "calibrate mass 0.0998")
    assert r["ok"] and r["data"]["new_ppm"] == 1000000 * 1000 // 998
    assert pump.cfg["mechanics"]["calibration_ppm"] == 1002004
    assert _flash_cfg(flash)["mechanics"]["calibration_ppm"] == 1002004


def test_calibrate_mass_out_of_range_is_refused_before_asking():
    con, pump, flash, out, confirm = _rig()
    confirm.answer = True
    assert _reply(con, out, "config set mechanics.calibration_ppm 1900000")["ok"]
    _dispense(con, pump, out, confirm)
    n = len(confirm.asked)
    r = _reply(con, out, "calibrate mass 0.09")  # would need 2111111 ppm, above 2000000
    assert r["code"] == "invalid" and "2000000" in r["error"]
    r = _reply(con, out, "calibrate mass 0.3")  # 3x the 0.1 g expected: weigh again
    assert r["code"] == "usage"
    assert len(confirm.asked) == n
    assert pump.cfg["mechanics"]["calibration_ppm"] == 1900000 and con.calibration == 10000


# ---- item 8: refused before asking ------------------------------------------

def test_calibrate_50_is_refused_before_asking():
    con, pump, flash, out, confirm = _rig(answer=True)
    assert _reply(con, out, "suspend")["ok"]
    r = _reply(con, out, "calibrate 50")  # 50 U is above the 30 U prime ceiling
    assert r["code"] == "max_prime" and "30000" in r["error"]
    assert confirm.asked == [] and con.calibration is None


def test_prime_and_calibrate_while_delivering_are_refused_before_asking():
    con, pump, flash, out, confirm = _rig(answer=True)
    for line in ("prime 2", "calibrate 10", "rewind"):
        r = _reply(con, out, line)
        assert r["code"] == "not_suspended", (line, r)
        assert "while suspended" in r["error"]
    assert _reply(con, out, "resume")["code"] == "not_suspended"
    assert confirm.asked == []
    assert pump.engine.prime_stream is None


def test_prime_more_than_the_reservoir_is_refused_before_asking():
    con, pump, flash, out, confirm = _rig(answer=True)
    assert _reply(con, out, "refill 1")["ok"]
    assert _reply(con, out, "suspend")["ok"]
    assert _reply(con, out, "prime 2")["code"] == "reservoir"
    assert confirm.asked == []


# ---- item 9: config changes that raise delivery -----------------------------

def test_raising_limits_and_mechanics_waits_for_ok():
    con, pump, flash, out, confirm = _rig(answer=False)
    before = json.dumps(pump.cfg)
    for line in ("config set limits.max_temp_basal_mu_per_h 10000",
                 "config set limits.max_per_hour_mu 50000",
                 'config set limits {"max_bolus_mu":12000}',
                 "config set mechanics.units_per_ml 10",
                 "config set mechanics.lead_um 2000",
                 "config set delivery.bolus_rate_mu_per_min 30000",
                 "config set insulin.dia_min 300",
                 'config set profiles.default [[0,3000]]',
                 'config set active_profile "default"'):
        r = _reply(con, out, line)
        if line.endswith('"default"'):
            assert r["ok"], r  # no change at all: nothing to confirm
            continue
        assert r["code"] == "not_confirmed", (line, r)
    assert json.dumps(pump.cfg) == before
    assert len(confirm.asked) == 8


def test_lowering_a_limit_needs_no_button():
    con, pump, flash, out, confirm = _rig()
    r = _reply(con, out, "config set limits.max_bolus_mu 5000")
    assert r["ok"] and confirm.asked == [] and pump.cfg["limits"]["max_bolus_mu"] == 5000


def test_invalid_config_is_refused_before_asking():
    con, pump, flash, out, confirm = _rig(answer=True)
    for line in ("config set limits.max_bolus_mu 99000", "config set mechanics.units_per_ml 1",
                 'config set limits {"max_bolus_mu":"x"}', 'config set ui {"nosuch":1}'):
        r = _reply(con, out, line)
        assert r["code"] == "invalid", (line, r)
    assert confirm.asked == []


def test_mechanics_change_during_a_bolus_is_refused_before_asking():
    con, pump, flash, out, confirm = _rig(answer=True)
    assert _reply(con, out, "bolus 0 2 over 1h")["ok"]
    n = len(confirm.asked)
    r = _reply(con, out, "config set mechanics.lead_um 2000")
    assert r["code"] == "busy" and len(confirm.asked) == n
    assert pump.cfg["mechanics"]["lead_um"] == 1250
    assert _flash_cfg(flash).get("mechanics", {}).get("lead_um", 1250) == 1250
