"""The console fuzzed in-process under the micropython binary: the real
console on the real pump facade (host_tests/console_fuzzkit.py), 100,000
lines of commands, mutations, invalid UTF-8, escape sequences, control
bytes, Ctrl-C and 10 KB lines with delivery prompts answered at random.
(`fuzz.console_lines` is m_faults' fake-facade fuzz of the synchronous half;
the pty fuzz through the simulator is m_sim's.) heap_growth in the details
includes the fake flash, which lives in RAM and holds the journal."""
import os

import common

KEYS = ("fuzz.console_real_lines", "fuzz.console_internal_errors",
        "fuzz.console_unconfirmed_deliveries")


def measure(ctx):
    if ctx["micropython"] is None:
        return [common.missing(k, "no micropython binary in .venv") for k in KEYS]
    n = 2000 if ctx["quick"] else 100000
    cmd = [ctx["micropython"], os.path.join(common.BENCH, "mp_fuzz_console.py"), str(n)]
    rc, out, wall = common.run_timed(cmd, timeout_s=1800, cwd=common.HOST_TESTS)
    got = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "BENCH":
            got[parts[1]] = int(parts[2])
    details = dict(got, exit=rc, wall_s=round(wall, 1), seed=2026)
    if rc != 0 or "lines" not in got:
        details["output_tail"] = common.tail(out)
        return [common.missing(k, "fuzz run failed (exit %s)" % rc, details=details) for k in KEYS]
    answered = got.get("answers") == 1 and got.get("restarts") == 0
    return [common.figure(KEYS[0], got["lines"], ">= 100000" if not ctx["quick"] else None,
                          got["lines"] >= n and answered, details),
            common.figure(KEYS[1], got["internal"], "0", got["internal"] == 0, details),
            common.figure(KEYS[2], got["violations"], "0", got["violations"] == 0, details)]
