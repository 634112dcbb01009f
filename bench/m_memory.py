"""RAM the whole pump needs on a 32-bit MicroPython (the measuring stick:
MicroPython's WebAssembly port, 32-bit, run by tools/mp32.mjs; see
bench/mp32.py and bench/mp32_pump.py for how).

memory.boot_used_kib_32: heap in use after boot with a full journal (every
  segment full), firmware as tools/flash.sh puts it on a Pico (.mpy), the
  board's objects built by main.build_hardware() on the simulator's chip
  model, all tasks started.
memory.peak_kib_32: the highest heap in use over the boot (its journal read
  replayed record by record with the same reader and fold) and the days of
  mixed use after it: basal, boluses of every kind, temp basals, console
  sessions, menu walks.
memory.growth_kib_per_day_32: heap in use at the end of the last day minus
  the end of day 1, per day.
memory.alloc_bytes_per_basal_turn: bytes allocated per basal step turn (plan,
  confirm, journal) at 1 U/h over a day, the worse of a day from boot and a
  day starting past 2**30 ms of uptime.
The heap is measured where this port can collect garbage (between calls
from JavaScript), so "in use" is live data; the details give, as upper
bounds, the heap at the end of each call (live plus that call's garbage).
"""
import os

import common
import mp32

KEYS = ("memory.boot_used_kib_32", "memory.peak_kib_32", "memory.growth_kib_per_day_32",
        "memory.alloc_bytes_per_basal_turn")
BOOT_KIB = 80
PEAK_KIB = 96
GROWTH_KIB = 0.1
ALLOC_B = 64


def _kib(b):
    return round(int(b) / 1024, 1)


def basal_alloc(st, hours, timeout_s):
    """-> {start: (bytes per turn, turns)} for a day from boot and one past 2**30 ms."""
    out = {}
    for start in (1000, 2 ** 30 + 1000):
        rc, got, text = mp32.run(st, "basal", ["--start-ms", str(start), "--hours", str(hours)],
                                 timeout_s)
        if rc != 0 or "basal_turns" not in got:
            raise RuntimeError("basal run from %d ms failed: %s" % (start, common.tail(text)))
        turns = int(got["basal_turns"])
        out[start] = (round(int(got["basal_alloc_bytes"]) / max(1, turns), 1), turns,
                      int(got["basal_journal_bytes"]))
    return out


def measure(ctx):
    why = mp32.available()
    if why:
        return [common.missing(k, why) for k in KEYS]
    quick = ctx["quick"]
    days = int(os.environ.get("PLUNGER_MEMORY_DAYS", "2" if quick else "30"))
    hours = 0.5 if quick else 24.0
    st = mp32.stage(os.path.join(ctx["work"], "mp32"))
    rc, got, text = mp32.run(st, "pump", ["--days", str(days), "--hours", str(hours)],
                             timeout_s=600 if quick else 4 * 3600)
    if rc != 0 or "peak_live_bytes" not in got or "error" in got:
        return [common.missing(k, "stick run failed (exit %s): %s"
                               % (rc, got.get("error") or common.tail(text)))
                for k in KEYS]
    days_live = [int(line.split()[1]) for line in got["day_live_bytes"].split("\n")]
    boot = int(got["boot_used_bytes"])
    replay = int(got["replay_peak_bytes"])
    live = int(got["peak_live_bytes"])
    peak = max(replay, live)
    common_details = {
        "stick": "MicroPython 1.28.0 WebAssembly port (npm, 32-bit) under Node",
        "firmware": "tools/flash_plan.py plan for rpi_pico (.mpy, main.py as source), "
                    "board boards/sim.json (soft stepper) on tools/sim/machine.py",
        "journal": "%d records, %d segments, %d bytes" % (int(got["journal_records"]),
                                                          st["journal"][0], st["journal"][1]),
    }
    figs = [
        common.figure(KEYS[0], _kib(boot), "<= %d KiB" % BOOT_KIB, _kib(boot) <= BOOT_KIB,
                      dict(common_details, boot_call_upper_kib=_kib(got["boot_upper_bytes"]),
                           modules_at_boot=got.get("boot_modules", "").split(",")), "KiB"),
        common.figure(KEYS[1], _kib(peak), "<= %d KiB" % PEAK_KIB, _kib(peak) <= PEAK_KIB,
                      dict(common_details, days=days, hours_per_day=hours,
                           journal_read_peak_kib=_kib(replay),
                           running_peak_kib=_kib(live), running_peak_at=got["peak_live_at"],
                           call_upper_bound_kib=_kib(got["peak_upper_bytes"]),
                           call_upper_bound_at=got["peak_upper_at"]), "KiB"),
    ]
    if len(days_live) >= 2:
        growth = (days_live[-1] - days_live[0]) / 1024 / (len(days_live) - 1) * 24 / hours
        figs.append(common.figure(KEYS[2], round(growth, 3), "<= %s KiB/day" % GROWTH_KIB,
                                  growth <= GROWTH_KIB,
                                  {"live_kib_at_each_day_end": [_kib(b) for b in days_live],
                                   "hours_per_day": hours}, "KiB/day"))
    else:
        figs.append(common.missing(KEYS[2], "needs two days at least"))
    per_turn = basal_alloc(st, 1 if quick else 24, 600 if quick else 1800)
    worst = max(v[0] for v in per_turn.values())
    figs.append(common.figure(KEYS[3], worst, "<= %d B" % ALLOC_B, worst <= ALLOC_B, {
        "from_boot": {"bytes_per_turn": per_turn[1000][0], "turns": per_turn[1000][1],
                      "journal_bytes": per_turn[1000][2]},
        "past_2_30_ms": {"bytes_per_turn": per_turn[2 ** 30 + 1000][0],
                         "turns": per_turn[2 ** 30 + 1000][1]},
        "hours": 1 if quick else 24, "rate_mu_per_h": 1000}, "B"))
    return figs
