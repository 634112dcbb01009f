"""Render the simulator's terminal UI to a PNG, for the README.

    .venv/bin/python tools/sim/tui_png.py [--out docs/screens/sim.png] [--minutes 0.5]
                                          [--script FILE]

Runs the real firmware headless on the sim board for a while (default: 30
simulated seconds, a press of OK and a status command on the console), then
draws exactly what the terminal UI shows at that moment.
"""
import argparse
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import link as link_mod  # noqa: E402
import view  # noqa: E402

DEFAULT_SCRIPT = "00:00:02 press ok 200\n00:00:05 console status\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "screens", "sim.png"))
    ap.add_argument("--minutes", type=float, default=0.5,
                    help="simulated minutes before the picture (short: the OLED may sleep)")
    ap.add_argument("--script", help="scenario file (default: press OK, type status)")
    ap.add_argument("--firmware", help="firmware folder (default firmware/)")
    ap.add_argument("--runtime", choices=("micropython", "cpython"), default="micropython")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        script = args.script
        if script is None:
            script = os.path.join(tmp, "scenario.txt")
            with open(script, "w") as f:
                f.write(DEFAULT_SCRIPT)
        link = link_mod.SimLink(runtime=args.runtime, headless=True, hours=args.minutes / 60,
                                flash=os.path.join(tmp, "flash"), script=script, pty=False, wall=1780300800,  # 2026-06-01 08:00 UTC
                                firmware=args.firmware)
        code = link.wait(600)
    info = {"board": "sim", "runtime": args.runtime, "speed": "1",
            "pty": "/dev/pts/N  (printed by make sim)"}
    lines = view.screen_lines(link.snapshot(), info, width=132, height=52)
    view.render_png(lines, args.out)
    print("wrote %s (simulator exit %d)" % (os.path.relpath(args.out, ROOT), code))
    return 0


if __name__ == "__main__":
    sys.exit(main())
