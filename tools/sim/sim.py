"""Run the Plunger firmware on the simulated board (`make sim`).

Starts tools/sim/launch.py under the real `micropython` binary from .venv (or
CPython with --runtime cpython). Ctrl-C stops the pump and exits cleanly.
"""
import argparse
import os
import signal
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def micropython_binary():
    exe = os.path.join(os.path.dirname(sys.executable), "micropython")
    return exe if os.path.exists(exe) else "micropython"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runtime", choices=("micropython", "cpython"), default="micropython")
    ap.add_argument("--headless", action="store_true",
                    help="no terminal UI; run as fast as possible (needs --hours)")
    ap.add_argument("--hours", type=float, help="stop after this many simulated hours")
    ap.add_argument("--flash", default=os.path.join(ROOT, "build", "sim-flash"),
                    help="folder that holds the simulated board's filesystem")
    args = ap.parse_args(argv)
    if args.headless and args.hours is None:
        ap.error("--headless needs --hours H")
    interp = micropython_binary() if args.runtime == "micropython" else sys.executable
    cmd = [interp, os.path.join(HERE, "launch.py"), "--flash", os.path.abspath(args.flash)]
    if args.headless:
        cmd.append("--headless")
    if args.hours is not None:
        cmd += ["--hours", str(args.hours)]
    proc = subprocess.Popen(cmd)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        proc.wait()
        print("\nsimulator stopped")
        return 0


if __name__ == "__main__":
    sys.exit(main())
