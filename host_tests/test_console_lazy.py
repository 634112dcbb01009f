# plunger-test: both
# The console loads a command group only when one of its commands is typed
# (issue 12): after boot and a `status`, the bolus, config, calibration and
# help code is not in RAM; help texts are dropped again once printed.
import sys

from app_rig import boot
from console import shell
from console.shell import Console
from testkit import run_async

GROUPS = ("status", "bolus", "temp", "suspend", "reservoir", "profile", "history",
          "alarms", "config", "time", "calibrate", "info", "help", "reset")


def _forget_groups():
    # Other tests in this process used the console already: start clean.
    for g in GROUPS:
        shell.drop(g)


def _loaded():
    return [g for g in GROUPS if ("console.cmd_" + g) in sys.modules]


def _console():
    pump, _, _, clock = boot()
    out = []
    return Console(pump, clock.now_ms, out.append), out


def test_status_loads_only_the_status_group():
    _forget_groups()
    con, out = _console()
    assert _loaded() == []
    run_async(con.run_line("status"))
    assert "state" in "".join(out)
    assert _loaded() == ["status"]
    for g in ("bolus", "config", "calibrate", "help"):
        assert ("console.cmd_" + g) not in sys.modules
    assert con._gates is None  # the confirmation policy loads with the first change


def test_every_command_has_a_group_module_with_run():
    for name, g in shell.GROUPS.items():
        assert g in GROUPS, name
        assert callable(shell.group(g).run), name
    _forget_groups()


def test_help_texts_are_dropped_after_help():
    _forget_groups()
    con, out = _console()
    run_async(con.run_line("help bolus"))
    assert "extended" in "".join(out)
    assert "console.cmd_help" not in sys.modules
    import console

    assert not hasattr(console, "cmd_help")
    run_async(con.run_line("help"))  # and it loads again when asked
    assert "calibrate" in "".join(out)


def test_status_and_bolus_stay_loaded_the_rest_are_dropped_after_use():
    _forget_groups()
    con, out = _console()
    for line in ("version", "status", "bolus 0.5", "history 1", "config get limits", "time"):
        run_async(con.run_line(line))
    assert _loaded() == ["status", "bolus"]
