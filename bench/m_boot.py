"""Deliberate resets on the simulated board: 20 of them, through every path
a maker uses (tools/flash.sh after mpremote's raw REPL, `mpremote reset`,
Ctrl-D at the REPL, the console's reset), each after a minute of pump life
and a Ctrl-C, on the RP2040 and the ESP32 chip models. Counts the boots that
raised watchdog_reset (goal 0) and how far the wall clock came back from the
true time (host_tests/board_life.py drives the real firmware under the
micropython binary)."""
import json
import os
import subprocess
import tempfile

import common

KEYS = ("boot.wdt_alarms_after_deliberate_resets",)
RESETS = 20
WALL = 1780000000


def _session(n):
    # The console reset comes while the app runs; the others from the REPL.
    paths = (["repl:1000", "mpremote", "repl:45000", "flash"], ["repl:1000", "reset"],
             ["repl:1000", "ctrl_d"], None)
    steps = []
    for i in range(n):
        p = paths[i % len(paths)]
        if p is None:
            steps.append("console_reset:60000")
        else:
            steps.append("app:60000")
            steps += p
    steps.append("app:600000")
    return steps


def _run(chip, steps):
    mp = common.micropython_binary()
    with tempfile.TemporaryDirectory(prefix="plunger-boot-") as tmp:
        res = subprocess.run([mp, "board_life.py", os.path.join(tmp, "flash"), chip, str(WALL)]
                             + steps, capture_output=True, text=True, timeout=900,
                             stdin=subprocess.DEVNULL, cwd=common.HOST_TESTS)
    lives = [json.loads(x[5:]) for x in res.stdout.splitlines() if x.startswith("LIFE ")]
    end = [json.loads(x[9:]) for x in res.stdout.splitlines() if x.startswith("LIFE_END ")]
    if not end:
        raise RuntimeError("board_life.py ended early: %s" % (res.stdout + res.stderr)[-500:])
    return lives, end[0]


def measure(ctx):
    if common.micropython_binary() is None:
        return [common.missing(KEYS[0], "no micropython binary", "0")]
    n = 8 if ctx.get("quick") else RESETS
    details = {"resets_per_chip": n, "paths": "flash.sh, mpremote reset, Ctrl-D, console reset"}
    alarms = 0
    for chip in ("rp2", "esp32"):
        lives, end = _run(chip, _session(n))
        after = [lf for lf in lives if lf["boot"] > 1 and not lf.get("raw")]
        bad = [lf for lf in after if "watchdog_reset" in lf["alarms"]
               or lf.get("reset_kind") == "watchdog"]
        alarms += len(bad) + end["watchdog_resets"]
        errs = [abs(lf["wall_err_s"]) for lf in after if "wall_err_s" in lf]
        details[chip] = {"boots": end["boots"], "watchdog_resets": end["watchdog_resets"],
                         "boots_with_watchdog_alarm": len(bad),
                         "max_wall_error_s": max(errs) if errs else None,
                         "no_time_boots": sum(1 for lf in after if "no_time" in lf["alarms"])}
    return [common.figure(KEYS[0], alarms, "0", alarms == 0, details)]
