# plunger-test: both
# The pump facade as the buttons and the console use it, booted from flash
# like the firmware: first boot, write-before-move, alarm gates, a bad
# config, uncertain delivery after a reset, config changes, time.
import json

from app_rig import NOON_S, boot, kinds
from delivery.errors import Rejected
from testkit import raises


def test_first_boot_writes_defaults_and_delivers_basal():
    pump, notes, flash, _ = boot()
    assert "/config.json" in flash.files
    assert any("wrote the defaults" in n for n in notes)
    s = pump.status(0)
    assert s["state"] == "delivering"
    assert s["basal_mu_per_h"] == 800  # the default profile, 0.8 U/h
    assert s["delivery_blocked"] is False
    assert pump.alarms() == []


def test_bolus_is_journaled_before_any_step():
    pump, _, _, clock = boot()
    clock.t = 1000
    r = pump.bolus(1000, 1500)
    assert r["now_mu"] == 1500
    assert kinds(pump)[-1] == "bolus_start"
    assert pump.engine.steps_confirmed == 0  # nothing moved yet


def test_delivery_stopping_alarm_blocks_motor_commands_until_acked():
    pump, _, _, clock = boot()
    pump.raise_alarm("occlusion", 0, "blocked line")
    before = pump.status(0)
    for call in (lambda: pump.bolus(0, 1000), lambda: pump.preview_bolus(0, 1000),
                 lambda: pump.temp_basal(0, 30, percent=150)):
        e = raises(Rejected, call)
        assert e.code == "alarm_active" and "occlusion" in str(e)
    after = pump.status(0)
    assert after["bolus"] is None and after["temp"] is None
    assert before["steps_commanded"] == after["steps_commanded"]
    e = raises(Rejected, pump.ack_alarm, "empty")
    assert e.code == "not_found"
    pump.ack_alarm("occlusion")
    assert pump.bolus(0, 1000)["now_mu"] == 1000


def test_invalid_config_is_reported_and_nothing_delivers():
    bad = {"version": 1, "limits": {"max_bolus_mu": 99999999}}
    pump, notes, flash, _ = boot(config=bad)
    assert pump.engine is None
    ids = [a["id"] for a in pump.alarms()]
    assert "config_error" in ids
    assert any("limits.max_bolus_mu" in n for n in notes)
    e = raises(Rejected, pump.bolus, 0, 1000)
    assert e.code == "config_error"
    assert pump.status(0)["delivery_blocked"] is True
    # The bad file is never replaced behind the maker's back.
    assert json.loads(flash.files["/config.json"]) == bad


def test_reset_mid_bolus_is_uncertain_delivery_never_resumed():
    pump, _, flash, clock = boot()
    pump.bolus(0, 2000)
    clock.t = 5000
    pump.engine.plan(5000)  # some steps handed out, then the power goes
    pump2, notes, _, _ = boot(flash=flash.reboot(), wall_s=NOON_S + 10)
    ids = [a["id"] for a in pump2.alarms()]
    assert "uncertain_delivery" in ids
    s = pump2.status(0)
    assert s["bolus"] is None  # never resumed
    assert s["iob_mu"] >= 1900  # counted at its full amount
    assert s["delivery_blocked"] is True
    assert raises(Rejected, pump2.bolus, 0, 500).code == "alarm_active"


def test_config_set_validates_persists_and_applies():
    pump, _, flash, _ = boot()
    raw = flash.files["/config.json"]
    e = raises(ValueError, pump.config_set, "limits.max_bolus_mu", 26000)  # above the 25 U ceiling
    assert "limits.max_bolus_mu" in str(e)
    assert flash.files["/config.json"] == raw
    raises(KeyError, pump.config_set, "limits.no_such_limit", 1)
    pump.config_set("limits.max_bolus_mu", 2000)
    assert json.loads(flash.files["/config.json"])["limits"]["max_bolus_mu"] == 2000
    e = raises(Rejected, pump.bolus, 0, 2500)
    assert e.code == "max_bolus"


def test_profile_edits_survive_a_reboot():
    pump, _, flash, _ = boot()
    pump.set_profile(0, "work", [[0, 500], [480, 1200]])
    pump.select_profile(0, "work")
    pump2, _, _, _ = boot(flash=flash.reboot())
    assert pump2.status(0)["profile"] == "work"
    assert pump2.engine.profiles["work"] == [[0, 500], [480, 1200]]


def test_unknown_time_raises_no_time_and_setting_it_clears():
    pump, _, _, _ = boot(wall_s=None)
    assert "no_time" in [a["id"] for a in pump.alarms()]
    assert pump.status(0)["state"] == "no_time"
    pump.set_time(NOON_S)
    assert pump.wall_s() == NOON_S
    assert pump.status(0)["state"] == "delivering"
    assert "no_time" not in [a["id"] for a in pump.alarms()]


def test_history_lists_records_for_ui_and_console():
    pump, _, _, _ = boot()
    pump.bolus(0, 500)
    h = pump.history(3)
    assert h[-1]["kind"] == "bolus_start"
    assert h[-1]["amount_mu"] is None or h[-1]["amount_mu"] >= 0
    assert set(("seq", "wall_s", "now_ms", "kind", "data", "text")) <= set(h[-1])


class _FailingJournal:
    def events(self, now_ms, events):
        raise OSError(28)  # ENOSPC

    def record(self, *a):
        raise OSError(28)

    def basal_total(self, *a):
        pass


def test_journal_failure_stops_delivery_with_storage_error():
    pump, _, _, _ = boot()
    pump.recorder = _FailingJournal()
    e = raises(Rejected, pump.bolus, 0, 1000)
    assert e.code == "storage_error" and "delivery stopped" in str(e)
    s = pump.status(0)
    assert s["bolus"] is None  # stopped: it could not be recorded
    assert "storage_error" in [a["id"] for a in pump.alarms()]
    assert s["delivery_blocked"] is True


def _failing_recorder(pump, kind, exc):
    # The journal write of `kind` fails with exc; everything else is written.
    real = pump.recorder.record

    def record(now_ms, k, data):
        if k == kind:
            raise exc
        return real(now_ms, k, data)

    pump.recorder.record = record


def test_events_leave_ram_only_once_they_are_on_flash():
    pump, _, _, _ = boot()
    seen = []
    real = pump.recorder.record

    def record(now_ms, k, data):
        seen.append((k, [e[0] for e in pump.engine.events]))
        return real(now_ms, k, data)

    pump.recorder.record = record
    pump.bolus(0, 1000)
    assert ("bolus_start", ["bolus_start"]) in seen  # still held while it was written
    assert pump.engine.events == []


def test_out_of_memory_while_journaling_a_bolus_stops_it_before_any_step():
    # A MemoryError during the write left a running bolus with no
    # bolus_start in the journal while the motor delivered it.
    pump, _, _, _ = boot()
    _failing_recorder(pump, "bolus_start", MemoryError("memory allocation failed"))
    e = raises(Rejected, pump.bolus, 0, 2000)
    assert e.code == "storage_error"
    eng = pump.engine
    assert eng.active_bolus is None and eng.mode == "stopped"
    assert "storage_error" in [a["id"] for a in pump.alarms()]
    assert pump.status(0)["delivery_blocked"] is True
    steps = 0
    t = 0
    while t < 10 * 60000:
        d, n, _hz, wake = eng.plan(t)
        steps += n
        t = wake
    assert steps == 0
    assert "bolus_start" not in kinds(pump)


def test_out_of_memory_even_for_the_stop_still_halts_delivery():
    pump, _, _, _ = boot()
    eng = pump.engine
    pump.bolus(0, 0, 2000, 60)
    _failing_recorder(pump, "temp_start", MemoryError())

    def no_memory(now_ms, reason):
        raise MemoryError()

    eng.stop_delivery = no_memory
    raises(Rejected, pump.temp_basal, 1000, 30, percent=150)
    assert eng.active_bolus is None and eng.temp is None and eng.mode == "stopped"
    assert eng.plan(30 * 60000)[1] == 0
    assert eng.events == []


def _run_motor(pump, t, end):
    # The motor task's part that matters here: plan, journal, confirm.
    eng = pump.engine
    while t < end and not pump.alarms_mgr.delivery_blocked():
        d, n, _hz, wake = eng.plan(t)
        pump.journal_events(t)
        eng.confirm(t, n)
        t = wake
    return t


def test_counted_empty_reservoir_raises_the_empty_alarm():
    # It used to stop delivery with no alarm at all.
    pump, _, _, _ = boot()
    pump.new_reservoir(0, 10)  # 4 steps at 0.8 U/h: gone in a minute
    _run_motor(pump, 0, 3600000)
    assert pump.engine.mode == "stopped"
    ids = [a["id"] for a in pump.alarms()]
    assert ids == ["empty"]
    assert "refill" in pump.alarms()[0]["text"]
    assert pump.status(0)["delivery_blocked"] is True


def test_after_a_rewind_resume_asks_for_a_refill_first():
    pump, _, _, _ = boot()
    pump.suspend(0)
    pump.rewind(0)
    pump.engine.at_home(1000)
    e = raises(Rejected, pump.resume, 1000)
    assert e.code == "refill" and "refill" in str(e)
    assert pump.engine.mode == "suspended"
    # an empty syringe is not a refill: refused, nothing changes
    e = raises(Rejected, pump.new_reservoir, 1000, 0)
    assert e.code == "bad_amount"
    assert pump.engine.reservoir_steps == 0
    pump.new_reservoir(1000, 250000)
    pump.resume(1000)
    assert pump.status(1000)["state"] == "delivering"


def test_a_refused_config_change_changes_nothing_in_ram_or_on_flash():
    # During an extended bolus `config set mechanics.lead_um 2000` answered
    # "error: mechanics change while a bolus..." yet config get said 2000 and
    # so did /config.json; the same for calibrate mass during a prime.
    pump, _, flash, _ = boot()
    raw = flash.files["/config.json"]
    pump.bolus(0, 0, 2000, 60)
    e = raises(Rejected, pump.preview_config_set, "mechanics.lead_um", 2000)
    assert e.code == "busy"
    e = raises(Rejected, pump.config_set, "mechanics.lead_um", 2000)
    assert e.code == "busy"
    assert pump.config_get("mechanics.lead_um") == 1250
    assert pump.engine.cfg["mechanics"]["lead_um"] == 1250
    assert flash.files["/config.json"] == raw
    pump.cancel_bolus(0)
    pump.suspend(0)
    pump.prime(0, 1000)
    raises(Rejected, pump.config_set, "mechanics.calibration_ppm", 1020304)
    assert pump.config_get("mechanics.calibration_ppm") == 1000000
    assert flash.files["/config.json"] == raw


def test_a_refused_profile_change_changes_nothing_in_ram_or_on_flash():
    pump, _, flash, _ = boot()
    raw = flash.files["/config.json"]
    before = [list(s) for s in pump.engine.profiles["default"]]
    # 3 U/h all day is within max basal but is 72 U a day: above the 24 h
    # limit once it is lowered to 50 U (and the config would be invalid)
    pump.config_set("limits.max_per_24h_mu", 50000)
    raw = flash.files["/config.json"]
    e = raises(Rejected, pump.set_profile, 0, "default", [[0, 3000]])
    assert e.code == "max_per_24h"
    assert pump.engine.profiles["default"] == before
    assert flash.files["/config.json"] == raw
    e = raises(Rejected, pump.select_profile, 0, "nope")
    assert e.code == "no_profile" and flash.files["/config.json"] == raw


def test_status_says_an_alarm_holds_the_motor():
    # After a power cut during a bolus, status said "state delivering, basal
    # 0.800 U/h" while uncertain_delivery kept the motor still.
    pump, _, flash, clock = boot()
    pump.bolus(0, 2000)
    pump.engine.plan(5000)
    pump2, _, _, _ = boot(flash=flash.reboot(), wall_s=NOON_S + 10)
    s = pump2.status(0)
    assert s["state"] == "stopped" and s["basal_mu_per_h"] == 0
    assert "uncertain_delivery" in s["why"] and "acknowledge" in s["why"]


def test_status_says_waiting_for_a_refill_and_refill_after_empty_works():
    pump, _, _, _ = boot()
    assert pump.status(0)["why"] is None
    pump.suspend(0)
    pump.rewind(0)
    pump.engine.at_home(1000)
    s = pump.status(1000)
    assert s["state"] == "suspended" and "waiting for a refill" in s["why"]
    # refill 0 used to leave the pump stopped even after refill 250
    raises(Rejected, pump.new_reservoir, 1000, 0)
    pump.new_reservoir(1000, 250000)
    pump.resume(1000)
    s = pump.status(1000)
    assert s["state"] == "delivering" and s["basal_mu_per_h"] == 800 and s["why"] is None
    # a counted empty reservoir: stopped by the empty alarm until acked and refilled
    pump.new_reservoir(1000, 10)
    _run_motor(pump, 1000, 3600000)
    s = pump.status(3600000)
    assert s["state"] == "stopped" and "empty" in s["why"]
    pump.ack_alarm("empty")
    s = pump.status(3600000)
    assert s["state"] == "stopped" and s["stop_reason"] == "empty"
    assert "waiting for a refill" in s["why"]
    pump.new_reservoir(3600000, 250000)
    pump.resume(3600000)
    assert pump.status(3600000)["state"] == "delivering"


def test_the_facade_checks_any_command_before_ok_without_doing_it():
    pump, _, flash, _ = boot()
    raw = flash.files["/config.json"]
    assert raises(Rejected, pump.preview_prime, 0, 2000).code == "not_suspended"
    pump.suspend(0)
    assert raises(Rejected, pump.preview, 0, "prime", 50000).code == "max_prime"
    assert pump.preview_prime(0, 1000)["steps"] == 442
    assert pump.engine.prime_stream is None
    pump.resume(0)
    assert pump.preview_temp_basal(0, 60, percent=150)["peak_mu_per_h"] == 1200
    assert pump.engine.temp is None
    pump.raise_alarm("occlusion", 0, "x")
    assert raises(Rejected, pump.preview, 0, "temp_basal", 60, percent=150).code == "alarm_active"
    assert flash.files["/config.json"] == raw
