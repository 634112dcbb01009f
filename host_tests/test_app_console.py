# plunger-test: both
# The serial console on the real pump facade (engine, journal, alarms on
# fake flash): what a maker types reaches the engine exactly, and every
# refusal leaves the pump as it was.

from app_rig import console, reply


def _console(answer=True):
    return console(answer)


_reply = reply


def test_refill_then_status_reports_the_reservoir():
    con, pump, _, out, _ = _console()
    r = _reply(con, out, "refill 250")
    assert r["ok"] is True
    s = _reply(con, out, "status")["data"]
    assert s["reservoir_mu"] == pump.engine.units.steps_to_mu(pump.engine.units.mu_to_steps(250000))


def test_bolus_needs_ok_and_is_journaled():
    con, pump, _, out, confirm = _console(answer=True)
    r = _reply(con, out, "bolus 1.25")
    assert r["ok"] is True and confirm.asked
    assert pump.status(0)["bolus"]["requested_mu"] == 1250
    assert [x[3] for x in pump.journal.read().records][-1] == "bolus_start"


def test_bolus_without_ok_changes_nothing():
    con, pump, _, out, _ = _console(answer=False)
    before = len(pump.journal.read().records)
    r = _reply(con, out, "bolus 1")
    assert r["ok"] is False and r["code"] == "not_confirmed"
    assert pump.status(0)["bolus"] is None
    assert len(pump.journal.read().records) == before


def test_refusals_name_the_limit_and_change_nothing():
    con, pump, flash, out, _ = _console()
    raw = flash.files["/config.json"]
    r = _reply(con, out, "bolus 12")  # default max bolus 10 U
    assert r["ok"] is False and r["code"] == "max_bolus"
    assert pump.status(0)["bolus"] is None
    r = _reply(con, out, "config set limits.max_bolus_mu 30000")  # ceiling 25 U
    assert r["ok"] is False and "limits.max_bolus_mu" in r["error"]
    assert flash.files["/config.json"] == raw
    for bad in ("bolus 1.2345", "bolus -1", "temp 300% 1h", "frobnicate", "bolus 1e3"):
        r = _reply(con, out, bad)
        assert r["ok"] is False, bad
    assert pump.status(0)["bolus"] is None and pump.status(0)["temp"] is None


def test_temp_basal_and_cancel_reach_the_engine():
    con, pump, _, out, _ = _console()
    assert _reply(con, out, "temp 150% 1h")["ok"] is True
    t = pump.status(0)["temp"]
    assert t["percent"] == 150
    assert pump.status(0)["basal_mu_per_h"] == 1200
    assert _reply(con, out, "temp cancel")["ok"] is True
    assert pump.status(0)["temp"] is None
