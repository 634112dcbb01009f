"""The randomized whole-pump safety run (tools/sim/safety.py): the real
firmware in the simulator, random console sessions, button taps, faults and
resets over many simulated days, an independent checker on every step.

Runs seeds of SEED_DAYS days each until DAYS days are done, two at a time
(the machine's cores), odd seeds under the micropython binary, even ones
under CPython.
PLUNGER_SAFETY_DAYS overrides DAYS. Every violation is reported with its
seed and the actions before it: `tools/sim/safety.py --seed N --days D`
repeats the run exactly."""
import json
import os
import subprocess
import sys
import time

import common

KEYS = ("safety.random_days", "safety.violations")
DAYS = 300
SEED_DAYS = 10
TIMEOUT_S = 3600


def _command(seed, days, flash):
    # Odd seeds under the micropython binary (the firmware's runtime), even
    # ones under CPython (faster per day): both runtimes get their share.
    mp = common.micropython_binary()
    exe = [mp, "-X", "heapsize=8M"] if mp and seed % 2 else [sys.executable]
    return exe + [os.path.join(common.TOOLS, "sim", "safety.py"), "--seed", str(seed),
                  "--days", str(days), "--flash", flash]


def _result(proc, seed):
    out, err = proc.communicate()
    lines = [s for s in out.splitlines() if s.startswith("{")]
    if not lines:
        return {"seed": seed, "error": common.tail(out + err)}
    r = json.loads(lines[-1])
    r["runtime"] = "micropython" if "micropython" in proc.args[0] else "cpython"
    return r


def measure(ctx):
    total = 0.5 if ctx["quick"] else float(os.environ.get("PLUNGER_SAFETY_DAYS", DAYS))
    per = min(SEED_DAYS, total)
    jobs = []
    seed = 1
    left = total
    while left > 0:
        jobs.append((seed, min(per, left)))
        left -= per
        seed += 1
    t0 = time.perf_counter()
    results, running = [], []
    parallel = max(1, min(2, os.cpu_count() or 1))
    while jobs or running:
        while jobs and len(running) < parallel:
            s, d = jobs.pop(0)
            flash = os.path.join(ctx["work"], "safety-flash-%d" % s)
            running.append((s, time.perf_counter(),
                            subprocess.Popen(_command(s, d, flash), stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE, text=True, cwd=common.ROOT)))
        time.sleep(0.5)
        for item in list(running):
            s, started, proc = item
            if proc.poll() is None and time.perf_counter() - started < TIMEOUT_S:
                continue
            if proc.poll() is None:
                proc.kill()
            running.remove(item)
            results.append(_result(proc, s))
    wall = time.perf_counter() - t0
    days = sum(r.get("days", 0) for r in results)
    violations = sum(r.get("violations", 0) for r in results)
    errors = [r for r in results if "error" in r or r.get("firmware_errors")]
    repro = [{"seed": r["seed"], "days": r["days"], "first": r["first"][:2]}
             for r in results if r.get("violations")]
    details = {"seeds": len(results), "days_per_seed": per, "wall_s": round(wall, 1),
               "steps": sum(r.get("steps", 0) for r in results),
               "boots": sum(r.get("boots", 0) for r in results),
               "runs_with_firmware_errors": [{"seed": r["seed"],
                                              "error": r.get("error", r.get("firmware_errors"))}
                                             for r in errors],
               "violations_by_seed": dict((str(r["seed"]), r.get("violations")) for r in results),
               "days_by_runtime": dict((rt, sum(r.get("days", 0) for r in results
                                               if r.get("runtime") == rt))
                                       for rt in ("micropython", "cpython")),
               "reproductions": repro[:5],
               "rules": "README, Simulator: randomized safety run"}
    target_days = ">= 300 simulated days"
    return [common.figure(KEYS[0], round(days, 2), target_days,
                          None if ctx["quick"] else days >= 300, details, "days"),
            common.figure(KEYS[1], violations, "0", violations == 0 and not errors,
                          {"note": "steps that broke a rule; see safety.random_days details"})]
