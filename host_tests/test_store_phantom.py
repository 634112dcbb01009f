# plunger-test: both
# Issue 13 item 3: after a reset only the basal that can really have gone
# unjournaled is counted, at the rate that was in force, never at the
# ceilings: resets must not lock a maker out of boluses.
import app_rig
from store.recorder import BASAL_RECORD_MS


def _run_basal(pump, clock, ms):
    # The motor task's turns, by hand: plan, issue, confirm, journal.
    eng = pump.engine
    end = clock.t + ms
    while clock.t < end:
        now = clock.t
        _d, steps, _hz, wake = eng.plan(now)
        pump.journal_events(now)
        if steps:
            eng.confirm(now, steps)
            pump.recorder.basal_total(now, eng.units.steps_to_mu_up(eng.basal_out))
            pump.journal_events(now)
        clock.t = min(end, wake if wake > now else now + 1)


def _estimates(pump):
    return [r[4]["mu"] for r in pump.journal.read().records
            if r[3] == "basal" and r[4].get("estimate")]


def test_twenty_reboots_in_an_hour_at_0_8_uph_leave_a_1u_bolus_allowed():
    flash = None
    wall = app_rig.NOON_S
    for _ in range(20):
        pump, _notes, flash, clock = app_rig.boot(flash=flash, wall_s=wall)
        assert pump.engine.status(clock.t)["scheduled_mu_per_h"] == 800
        _run_basal(pump, clock, 180000)  # three minutes, then the next reset
        wall += 180
        flash = flash.reboot()
    pump, _notes, flash, clock = app_rig.boot(flash=flash, wall_s=wall)
    est = _estimates(pump)
    assert len(est) == 20
    # Each reset counted at most what 3 minutes (and the second the wall
    # clock rounds away) at 0.8 U/h can have delivered, plus the two steps
    # that can straddle the window: 41 + 6 mU, not 5000.
    assert max(est) <= (800 * 181000 + 3599999) // 3600000 + 2 * 3, est
    res = pump.bolus(clock.t, 1000)
    assert res["now_mu"] == 1000


def test_without_the_wall_gap_a_reset_counts_one_record_interval_at_the_rate():
    pump, _notes, flash, clock = app_rig.boot()
    _run_basal(pump, clock, 3600000)
    # RTC lost by the reset: the gap since the last record is unknown.
    pump, _notes, flash, clock = app_rig.boot(flash=flash.reboot(), wall_s=None)
    est = _estimates(pump)
    assert est[-1] == (800 * BASAL_RECORD_MS + 3599999) // 3600000 + 2 * 3
    assert est[-1] <= 134  # the basal of 10 minutes at 0.8 U/h


def test_a_reset_while_suspended_or_without_time_counts_nothing():
    pump, _notes, flash, clock = app_rig.boot()
    _run_basal(pump, clock, 600000)
    pump.suspend(clock.t)
    pump, _notes, flash, clock = app_rig.boot(flash=flash.reboot())
    assert _estimates(pump) == []
    # No time of day in the last boot: no scheduled basal ran.
    pump, _notes, flash, clock = app_rig.boot(wall_s=None)
    clock.t = 600000
    pump, _notes, flash, clock = app_rig.boot(flash=flash.reboot(), wall_s=None)
    assert _estimates(pump) == []


def test_a_temp_basal_in_force_bounds_the_estimate():
    pump, _notes, flash, clock = app_rig.boot()
    pump.temp_basal(clock.t, 120, percent=200)
    _run_basal(pump, clock, 1800000)
    pump, _notes, flash, clock = app_rig.boot(flash=flash.reboot(), wall_s=None)
    est = _estimates(pump)
    assert est[-1] == (1600 * BASAL_RECORD_MS + 3599999) // 3600000 + 2 * 3
