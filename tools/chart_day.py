"""`make chart-day`: the README's delivery chart, made the way a maker
would make it, against the simulator.

1. A simulated day of the real firmware on a flash folder of its own
   (headless, fast): tools/sim/sim.py --script docs/chart_day.txt.
2. The same simulated board booted again, with its console on a pty.
3. `tools/pumpctl chart` over that console, as against a board.

  .venv/bin/python tools/chart_day.py [--out docs/chart_day.png]
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "sim"))

DAY = "2026-06-01"
SCENARIO = os.path.join(ROOT, "docs", "chart_day.txt")
# A little past the day, so the basal record that covers its last minutes
# (the pump journals basal at most hourly) is on flash.
HOURS = 24.7
REBOOT_WALL_S = 1780272000 + int(HOURS * 3600) + 60


def run(cmd, **kw):
    print("$ " + " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in cmd),
          flush=True)
    return subprocess.run(cmd, **kw)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "chart_day.png"))
    ap.add_argument("--flash", default=os.path.join(ROOT, "build", "chart-day"))
    args = ap.parse_args(argv)
    shutil.rmtree(args.flash, ignore_errors=True)
    res = run([sys.executable, os.path.join(HERE, "sim", "sim.py"), "--headless", "--hours",
               str(HOURS), "--wall", DAY + "T00:00", "--flash", args.flash, "--script", SCENARIO],
              capture_output=True, text=True)
    if res.returncode not in (0, 3):  # 3: the scenario's occlusion alarm
        sys.stderr.write(res.stdout[-2000:] + res.stderr[-2000:])
        sys.stderr.write("chart_day: the simulated day failed (exit %d)\n" % res.returncode)
        return 1
    import link as link_mod

    pty_link = os.path.join(os.path.dirname(args.flash), "chart-day.pty")
    sim = link_mod.SimLink(headless=False, flash=args.flash, wall=REBOOT_WALL_S, pty_link=pty_link)
    try:
        time.sleep(2)  # let it boot; pumpctl waits for replies anyway
        res = run([sys.executable, os.path.join(HERE, "pumpctl"), "--port", pty_link,
                   "--timeout", "30", "--keep-clock", "chart", "--since", DAY, "--hours", "24",
                   "--title", "A simulated day on Plunger (docs/chart_day.txt)", "-o", args.out])
    finally:
        sim.stop()
    return res.returncode


if __name__ == "__main__":
    sys.exit(main())
