"""`make bench`: measure what a pump is judged by.

Runs every measurement module (bench/m_*.py), writes bench/results.json and
bench/trumpet.png, and prints a table of figures with their targets. Each
figure comes from a run made here; one whose producer does not exist yet is
null with the reason under "missing".

  python bench/run.py            full run (about 1-10 minutes), writes bench/
  python bench/run.py --quick    tiny sizes, writes to a temp folder (tests)
"""
import argparse
import importlib
import json
import os
import platform
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

# One module a line, so branches that add one do not collide.
MODULES = (
    "m_delivery",
    "m_trumpet",
    "m_sim",
    "m_memory",
    "m_latency",
    "m_flash",
    "m_faults",
    "m_stall",
    "m_fuzz_console",
    "m_motion",
    "m_phantom",
    "m_safety",
    "m_boot",
)


def run_module(name, ctx):
    """One module's figures; a module that crashes reports every key it owns
    as missing with the error, so one broken producer never hides the rest."""
    t0 = time.perf_counter()
    try:
        mod = importlib.import_module(name)
    except Exception as e:
        return [common.missing(name, "bench module failed to import: %r" % (e,))], 0.0
    try:
        figs = mod.measure(ctx)
    except Exception as e:
        tb = traceback.format_exc().strip().splitlines()[-3:]
        figs = [common.missing(k, "measurement crashed: %r" % (e,), details={"traceback": tb})
                for k in mod.KEYS]
    return figs, time.perf_counter() - t0


def fmt_value(v, unit):
    if v is None:
        return "null"
    if isinstance(v, float):
        v = "%.4g" % v
    return "%s%s" % (v, (" " + unit) if unit else "")


def table(figs):
    rows = [("figure", "value", "target", "")]
    for f in figs:
        mark = "" if f["ok"] is None else ("ok" if f["ok"] else "MISSED")
        if f["missing"]:
            mark = "missing: " + f["missing"]
        v = f["value"]
        if isinstance(v, dict) and "windows_min" in v:
            # The trumpet: one row for the overall error, one per window.
            rows.append((f["key"] + ".overall_mean_error_pct",
                         "%+.3f %%" % v["overall_mean_error_pct"], f["target"] or "", mark))
            for p, w in v["windows_min"].items():
                rows.append(("  %s min window max / min" % p,
                             "%+.2f / %+.2f %%" % (w["max_pct"], w["min_pct"]), "", ""))
            rows.append(("  source", v["source"].split(" (")[0], "", ""))
            continue
        rows.append((f["key"], fmt_value(v, f["unit"]), f["target"] or "", mark))
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    w2 = max(len(r[2]) for r in rows)
    return "\n".join("%-*s  %-*s  %-*s  %s" % (w0, a, w1, b, w2, c, d) for a, b, c, d in rows)


def results_json(figs, meta):
    out = {}
    for f in figs:
        out[f["key"]] = f["value"]
    out["targets"] = {f["key"]: f["target"] for f in figs if f["target"]}
    out["missing"] = {f["key"]: f["missing"] for f in figs if f["missing"]}
    out["details"] = {f["key"]: f["details"] for f in figs if f["details"]}
    out["run"] = meta
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="tiny sizes; results go to a temp folder, not bench/")
    ap.add_argument("--out", help="folder for results.json and trumpet.png "
                                  "(default: bench/, or a temp folder with --quick)")
    ap.add_argument("--only", nargs="*", help="run only these modules (e.g. m_trumpet)")
    args = ap.parse_args(argv)
    out_dir = args.out or (tempfile.mkdtemp(prefix="plunger-bench-") if args.quick
                           else common.BENCH)
    os.makedirs(out_dir, exist_ok=True)
    common.setup_cpython_path()
    work = tempfile.mkdtemp(prefix="plunger-bench-work-")
    ctx = {"quick": args.quick, "out_dir": out_dir, "work": work,
           "micropython": common.micropython_binary()}
    t0 = time.perf_counter()
    figs, timings = [], {}
    for name in MODULES:
        if args.only and name not in args.only:
            continue
        got, secs = run_module(name, ctx)
        timings[name] = round(secs, 2)
        figs.extend(got)
        print("%-11s %6.1f s" % (name, secs), file=sys.stderr)
    meta = {"quick": args.quick, "wall_s": round(time.perf_counter() - t0, 1),
            "module_wall_s": timings, "python": platform.python_version(),
            "micropython": ctx["micropython"] and os.path.basename(ctx["micropython"]),
            "machine": platform.machine(), "cpus": os.cpu_count()}
    path = os.path.join(out_dir, "results.json")
    with open(path, "w") as f:
        json.dump(results_json(figs, meta), f, indent=2, sort_keys=False)
        f.write("\n")
    print(table(figs))
    print("\nwrote %s in %.1f s" % (path, meta["wall_s"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
