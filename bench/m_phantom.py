"""Basal counted as delivered after a reset (issue 13 item 3).

boot.phantom_mu_per_reboot: the estimate journaled at each of 20 reboots of
a pump delivering 0.8 U/h, each after 30 minutes of basal (longer than the
basal record interval, so the whole window counts; the RTC keeps time), run
through boot_state on the host. Goal: the basal of one 10-minute interval at
that rate (134 mU), not the ceilings.
"""
import os

import common

KEYS = ("boot.phantom_mu_per_reboot",)
GOAL_MU = 134


def measure(ctx):
    common.setup_cpython_path()
    cwd = os.getcwd()
    os.chdir(common.HOST_TESTS)  # app_rig finds the sim board from there
    try:
        return _measure(ctx)
    finally:
        os.chdir(cwd)


def _measure(ctx):
    import app_rig
    from test_store_phantom import _estimates, _run_basal

    wall = app_rig.NOON_S
    flash = None
    boots = 5 if ctx["quick"] else 20
    for _ in range(boots):
        pump, _notes, flash, clock = app_rig.boot(flash=flash, wall_s=wall)
        _run_basal(pump, clock, 1800000)
        wall += 1800
        flash = flash.reboot()
    pump, _notes, flash, clock = app_rig.boot(flash=flash, wall_s=wall)
    est = _estimates(pump)
    mean = sum(est) / len(est)
    try:
        pump.preview_bolus(clock.t, 1000)
        bolus_ok = True
    except Exception as e:  # noqa: BLE001 - reported, not raised
        bolus_ok = "refused: %s" % e
    return [common.figure(KEYS[0], round(mean, 1), "<= %d mU (0.8 U/h)" % GOAL_MU,
                          max(est) <= GOAL_MU,
                          {"reboots": boots, "estimates_mu": est, "rate_mu_per_h": 800,
                           "run_between_reboots_min": 30, "bolus_1u_after": bolus_ok}, "mU")]
