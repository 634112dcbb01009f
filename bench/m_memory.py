"""RAM the full firmware needs under the micropython binary.

memory.min_heap_kib: bisect `micropython -X heapsize=NNk` on a headless 24 h
simulator run until it stops failing with MemoryError.
memory.peak_alloc_kib: the largest heap in use (gc.mem_alloc() right after a
gc.collect(), sampled through the run) at the default heap size.
micropython.mem_peak() exists on this build, but it counts every allocation
and the GC never lowers it, so it is the total allocated during the run; it
is kept in the details as alloc_total_kib (bench/mp_peak.py).
"""
import os
import subprocess

import common

KEYS = ("memory.min_heap_kib", "memory.peak_alloc_kib")
TARGET_KIB = 64


# The simulated RTC at start (2026-06-01T00:00Z): with a valid time the
# scheduled basal runs, as on a set-up pump.
_WALL_S = 1780272000


def build_mpy(ctx):
    """The firmware as a board runs it: every module compiled by mpy-cross
    (main.py stays source), so the heap holds no compiler work."""
    out = os.path.join(ctx["work"], "firmware-mpy")
    src = os.path.join(common.ROOT, "firmware")
    mpy_cross = os.path.join(os.path.dirname(ctx["micropython"]), "mpy-cross")
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        rel = os.path.relpath(dirpath, src)
        os.makedirs(os.path.join(out, rel), exist_ok=True)
        for name in filenames:
            if not name.endswith(".py"):
                continue
            path = os.path.join(dirpath, name)
            if rel == "." and name == "main.py":
                with open(path) as f, open(os.path.join(out, name), "w") as g:
                    g.write(f.read())
                continue
            subprocess.run([mpy_cross, "-o", os.path.join(out, rel, name[:-3] + ".mpy"), path],
                           check=True)
    return out


def launch_cmd(ctx, hours, flash, heap_kib=None, peak=False):
    cmd = [ctx["micropython"]]
    if heap_kib is not None:
        cmd += ["-X", "heapsize=%dk" % heap_kib]
    script = os.path.join(common.BENCH, "mp_peak.py") if peak else \
        os.path.join(common.TOOLS, "sim", "launch.py")
    return cmd + [script, "--headless", "--hours", str(hours), "--flash", flash,
                  "--wall", str(_WALL_S), "--firmware", ctx["firmware_mpy"]]


def runs_at(ctx, heap_kib, hours, flash):
    """(True, None) if the firmware ran the scenario to the end in heap_kib;
    (False, why) if it ran out of memory; raises if it failed otherwise."""
    rc, out, _wall = common.run_timed(launch_cmd(ctx, hours, flash, heap_kib), timeout_s=300)
    if rc == 0:
        return True, None
    if "MemoryError" in out or "memory allocation failed" in out:
        return False, "MemoryError"
    raise RuntimeError("run at %d KiB failed (exit %s) without a MemoryError: %s"
                       % (heap_kib, rc, common.tail(out, 3)))


def measure(ctx):
    if ctx["micropython"] is None:
        return [common.missing(k, "no micropython binary in .venv") for k in KEYS]
    hours = 0.2 if ctx["quick"] else 24.0
    flash = os.path.join(ctx["work"], "sim-flash-memory")
    ctx["firmware_mpy"] = build_mpy(ctx)
    figs = []
    # Peak allocation at the default heap.
    rc, out, wall = common.run_timed(launch_cmd(ctx, hours, flash, peak=True), timeout_s=300)
    got = {}
    for line in out.splitlines():
        if line.startswith("BENCH "):
            got[line.split()[1]] = int(line.split()[2])
    if rc == 0 and "live_peak" in got:
        figs.append(common.figure(KEYS[1], round(got["live_peak"] / 1024, 1), None, None, {
            "hours": hours, "bytes": got["live_peak"],
            "alloc_total_kib": round(got.get("mem_peak", 0) / 1024, 1),
            "alloc_kib_per_sim_hour": round(got.get("mem_peak", 0) / 1024 / hours, 1),
            "how": "max gc.mem_alloc() after gc.collect(), every 64 virtual-clock advances",
        }, "KiB"))
    else:
        figs.append(common.missing(KEYS[1], "mem_peak run failed (exit %s)" % rc,
                                   details={"output_tail": common.tail(out)}))
    # Bisect the smallest heap: lo fails (or is 0), hi succeeds.
    lo, hi = 0, 16
    tried = {}
    while True:
        ok, _why = runs_at(ctx, hi, hours, flash)
        tried[hi] = ok
        if ok:
            break
        lo, hi = hi, hi * 2
        if hi > 4096:
            raise RuntimeError("the firmware did not run even with a 4 MiB heap")
    step = 1
    while hi - lo > step:
        mid = (lo + hi) // 2
        ok, _why = runs_at(ctx, mid, hours, flash)
        tried[mid] = ok
        if ok:
            hi = mid
        else:
            lo = mid
    details = {"hours": hours, "firmware": "mpy-cross .mpy files (main.py as source), as flashed",
               "includes": "the simulator's own modules (tools/sim), compiled from source in the same heap",
               "port": "unix port, 64-bit: objects and bytecode pointers twice the size of rp2/esp32",
               "tried_kib": {str(k): v for k, v in sorted(tried.items())},
               "resolution_kib": step}
    figs.insert(0, common.figure(KEYS[0], hi, "<= %d KiB" % TARGET_KIB, hi <= TARGET_KIB,
                                 details, "KiB"))
    return figs
