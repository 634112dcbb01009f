"""Simulated pump hours per second of a full-firmware headless run
(tools/sim/sim.py --headless), on CPython and on the micropython binary: per
CPU second of the run's processes (on an idle machine, its wall time; the
wall-clock figure is in the details)."""
import os
import resource
import sys

import common

KEYS = ("sim.hours_per_s_cpython", "sim.hours_per_s_micropython")
# Issue 9: 72 h in under 3 s on CPython.
TARGET_CPYTHON = 24.0


def _children_cpu_s():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_sim(runtime, hours, flash):
    """-> (exit, output, wall s, CPU s of the run's processes)."""
    cmd = [sys.executable, os.path.join(common.TOOLS, "sim", "sim.py"), "--runtime", runtime,
           "--headless", "--hours", str(hours), "--flash", flash]
    cpu0 = _children_cpu_s()
    rc, out, wall = common.run_timed(cmd, timeout_s=600)
    return rc, out, wall, _children_cpu_s() - cpu0


def measure(ctx):
    hours = 0.5 if ctx["quick"] else 72.0  # issue 9: 72 h in under 3 s
    figs = []
    for runtime, key in (("cpython", KEYS[0]), ("micropython", KEYS[1])):
        target = ">= 24 h/s (72 h in 3 s)" if runtime == "cpython" else None
        if runtime == "micropython" and ctx["micropython"] is None:
            figs.append(common.missing(key, "no micropython binary in .venv", target))
            continue
        flash = os.path.join(ctx["work"], "sim-flash-" + runtime)
        rc, out, wall, cpu = run_sim(runtime, hours, flash)
        details = {"hours": hours, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "exit": rc,
                   "per": "CPU second of the simulator's processes (sim.py and the "
                          "firmware's): on a busy machine wall time measures the others",
                   "hours_per_wall_s": round(hours / wall, 2)}
        if rc != 0:
            details["output_tail"] = common.tail(out)
            figs.append(common.missing(key, "headless run failed (exit %s)" % rc, target,
                                       details))
            continue
        rate = hours / max(cpu, 1e-3)
        ok = rate >= TARGET_CPYTHON if runtime == "cpython" else None
        figs.append(common.figure(key, round(rate, 2), target, ok, details, "h/s"))
    return figs
