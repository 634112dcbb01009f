"""Reaction times under load, in real time, under the micropython binary
(bench/mp_latency.py): button edge -> event received by the UI consumer, and
how late the stepper task wakes against its plan, with a bolus running, the
display refreshing and the console busy. Which parts of that load are real
firmware code and which are stand-ins is recorded under details.load."""
import os

import common

KEYS = ("latency.button_to_event_ms_p99", "latency.step_plan_jitter_ms_p99")


def measure(ctx):
    if ctx["micropython"] is None:
        return [common.missing(k, "no micropython binary in .venv") for k in KEYS]
    seconds = 2 if ctx["quick"] else 30
    cmd = [ctx["micropython"], os.path.join(common.BENCH, "mp_latency.py"), str(seconds)]
    rc, out, _wall = common.run_timed(cmd, timeout_s=seconds + 60)
    got, load = {}, {}
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if parts[0] == "BENCH" and len(parts) == 3:
            got[parts[1]] = float(parts[2])
        elif parts[0] == "LOAD" and len(parts) == 3:
            load[parts[1]] = parts[2]
    details = {"seconds": seconds, "load": load, "exit": rc}
    details.update({k: v for k, v in got.items() if not k.endswith("p99_ms")})
    if rc != 0:
        details["output_tail"] = common.tail(out)
    figs = []
    if "button_p99_ms" in got:
        details_b = dict(details, debounce_ms=20,
                         note="lock-out debounce: a press is reported on its first edge and "
                              "the 2 ms of contact bounce the presser adds are ignored")
        v = round(got["button_p99_ms"], 2)
        figs.append(common.figure(KEYS[0], v, "< 20 ms", v < 20, details_b, "ms"))
    else:
        figs.append(common.missing(KEYS[0], "no button events measured (exit %s)" % rc,
                                   "< 20 ms", details))
    if "jitter_p99_ms" in got and not load.get("stepper", "").startswith("missing"):
        v = round(got["jitter_p99_ms"], 2)
        figs.append(common.figure(KEYS[1], v, None, None, details, "ms"))
    else:
        figs.append(common.missing(KEYS[1], "stepper task not measured: %s"
                                   % load.get("stepper", "exit %s" % rc), None, details))
    return figs
