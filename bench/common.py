"""Shared helpers for the bench modules: paths, figures, subprocess timing.

A measurement module is a file bench/m_*.py with
    KEYS = ("name.figure", ...)          # every figure it can produce
    def measure(ctx) -> [figure(...), ...]
A figure is a dict {"key", "value", "target", "ok", "missing", "details"}.
A figure whose producer does not exist yet has value None and says why in
"missing"; nothing is ever typed in.
"""
import os
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
FIRMWARE = os.path.join(ROOT, "firmware")
TOOLS = os.path.join(ROOT, "tools")
HOST_TESTS = os.path.join(ROOT, "host_tests")


def setup_cpython_path():
    """Make firmware/ and tools/ importable on CPython, as host_tests/conftest
    does: the MicroPython-only names come from tools/cpython_shims."""
    for p in (os.path.join(TOOLS, "cpython_shims"), FIRMWARE, TOOLS, HOST_TESTS):
        if p not in sys.path:
            sys.path.insert(0, p)
    import cpython_compat

    cpython_compat.install()


def micropython_binary():
    exe = os.path.join(os.path.dirname(sys.executable), "micropython")
    if os.path.exists(exe):
        return exe
    exe = os.path.join(ROOT, ".venv", "bin", "micropython")
    return exe if os.path.exists(exe) else None


def figure(key, value, target=None, ok=None, details=None, unit=""):
    return {"key": key, "value": value, "target": target, "ok": ok, "missing": None,
            "details": details or {}, "unit": unit}


def missing(key, reason, target=None, details=None, unit=""):
    return {"key": key, "value": None, "target": target, "ok": None, "missing": reason,
            "details": details or {}, "unit": unit}


def exists(rel_path):
    return os.path.exists(os.path.join(ROOT, rel_path))


def run_timed(cmd, timeout_s, env=None, cwd=None):
    """Run a command; returns (returncode, stdout+stderr text, wall seconds)."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s,
                           env=env, cwd=cwd or ROOT)
        rc, out = p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        rc = None
        out = (e.stdout or b"").decode("utf-8", "replace") if isinstance(e.stdout, bytes) \
            else (e.stdout or "")
        out += "\n[timeout after %s s]" % timeout_s
    return rc, out, time.perf_counter() - t0


def tail(text, lines=6):
    return "\n".join(text.strip().splitlines()[-lines:])


def percentile(values, pct):
    """Nearest-rank percentile (pct in 0..100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(-(-pct * len(s) // 100)) - 1))
    return s[k]
