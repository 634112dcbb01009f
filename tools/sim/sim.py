"""Run the Plunger firmware on the simulated board (`make sim`).

Starts tools/sim/launch.py under the real `micropython` binary from .venv (or
CPython with --runtime cpython) and shows the pump in the terminal: the OLED,
the buttons (keys), the plunger and reservoir, alarms, and the path of a
pseudo-terminal that behaves like the board's USB serial port
(`tools/pumpctl --port PATH` or `screen PATH`). Ctrl-C or q stops it cleanly.

Headless runs (--headless --hours H) go as fast as possible on virtual time,
can follow a scenario script (--script, format in tools/sim/scenario.py) and
record every step and event (--csv).

Exit status: 0 ran to the end with no alarm; 1 the firmware returned an error
(a task died); 2 the firmware refused to boot; 3 the firmware raised an alarm;
4 the watchdog reset the board; 5 a physical violation (a step while the
driver was disabled or past an end stop); 64 bad scenario file. When several
apply, the first in the order 5, 1, 2, 4, 3 is reported.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import link as link_mod  # noqa: E402
import view  # noqa: E402


def parse(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runtime", choices=("micropython", "cpython"), default="micropython")
    ap.add_argument("--headless", action="store_true",
                    help="no terminal UI; run as fast as possible on virtual time (needs --hours)")
    ap.add_argument("--hours", type=float, help="stop after this many simulated hours")
    ap.add_argument("--speed", type=float, default=1.0,
                    help="with the UI: run this many times faster than real time")
    ap.add_argument("--script", help="scenario file: timed presses, console lines, faults")
    ap.add_argument("--csv", help="write every step and event to this CSV file")
    ap.add_argument("--screenshot", help="save the display to this PNG at the end "
                                         "(and on `p` / scenario `screenshot`)")
    ap.add_argument("--chart", help="at the end, draw the delivery record to this PNG/SVG (pumpctl chart)")
    ap.add_argument("--board", default=os.path.join(ROOT, "boards", "sim.json"),
                    help="board file to simulate (default boards/sim.json)")
    ap.add_argument("--wall", default=None,
                    help="the board's RTC at start: 'now' (host UTC, default with the UI), "
                         "'unset' (2021-01-01 as after power-on), or YYYY-MM-DDTHH:MM[:SS] UTC "
                         "(headless default 2026-06-01T00:00, so runs repeat exactly)")
    ap.add_argument("--firmware", default=os.path.join(ROOT, "firmware"),
                    help="firmware folder to boot (default firmware/)")
    ap.add_argument("--flash", default=None,
                    help="folder that holds the simulated board's filesystem, kept between "
                         "runs (default: build/sim-flash with the UI; a fresh, empty one "
                         "for each headless run, so runs repeat exactly)")
    ap.add_argument("--plain", action="store_true",
                    help="no curses: print the console here (used when stdout is not a terminal)")
    args = ap.parse_args(argv)
    if args.headless and args.hours is None:
        ap.error("--headless needs --hours H")
    if args.speed <= 0:
        ap.error("--speed must be above 0")
    args.wall = wall_seconds(args.wall, args.headless, ap)
    return args


HEADLESS_WALL_S = 1780272000  # 2026-06-01T00:00:00Z


def wall_seconds(text, headless, ap):
    import calendar
    import time

    if text is None:
        return HEADLESS_WALL_S if headless else int(time.time())
    if text == "now":
        return int(time.time())
    if text == "unset":
        return "unset"
    for fmt in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return calendar.timegm(time.strptime(text, fmt))
        except ValueError:
            pass
    ap.error("--wall: %r is not now, unset or YYYY-MM-DDTHH:MM[:SS]" % text)


def save_shots(link, args, taken, headless):
    """Save the frames the scenario asked for, each as it was at its moment
    (NAME-1.png, NAME-2.png...), then NAME.png: in a headless run the frame
    taken just before the end (the screen woken if it slept), else the last."""
    if not args.screenshot:
        return
    shots = link.shots
    root, ext = os.path.splitext(args.screenshot)
    last = link.snapshot()["frame"]
    if headless and shots:
        last = shots.pop()  # the end picture sim.py asked for (--shot-at)
    for i in range(taken, len(shots)):
        view.save_frame_png(shots[i], "%s-%d%s" % (root, i + 1, ext or ".png"))
    view.save_frame_png(last, args.screenshot)


def stop_on_signals():
    """SIGTERM and SIGHUP end the simulator like Ctrl-C: the firmware's
    process is stopped too (motor off), never left running."""
    import signal

    def handler(signum, frame):
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)


def main(argv=None):
    args = parse(argv)
    interactive = not args.headless and not args.plain and sys.stdout.isatty() and sys.stdin.isatty()
    fresh = None
    if args.flash is None and args.headless:
        import tempfile

        fresh = args.flash = tempfile.mkdtemp(prefix="plunger-sim-flash-")
    elif args.flash is None:
        args.flash = os.path.join(ROOT, "build", "sim-flash")
    shot_at = None
    if args.headless and args.screenshot:
        shot_at = max(0, int(args.hours * 3600000) - SHOT_BEFORE_END_MS)
    stop_on_signals()
    try:
        return run(args, interactive, shot_at)
    finally:
        if fresh is not None:
            import shutil

            shutil.rmtree(fresh, ignore_errors=True)


SHOT_BEFORE_END_MS = 1500  # tools/sim/host.py: wake press, drawing time, margin


def run(args, interactive, shot_at):
    link = link_mod.SimLink(runtime=args.runtime, headless=args.headless, hours=args.hours,
                            speed=args.speed, flash=args.flash, board=args.board,
                            script=args.script, csv=args.csv, pty=not args.headless, firmware=args.firmware,
                            pty_link=os.path.join(ROOT, "build", "sim.pty"), wall=args.wall,
                            echo_stdout=not interactive, shot_at_ms=shot_at)
    info = {"board": os.path.splitext(os.path.basename(args.board))[0],
            "runtime": args.runtime, "speed": "%g" % args.speed, "pty": link.pty_path}
    if link.pty_path and not interactive:
        print("sim: console on %s (also build/sim.pty): tools/pumpctl status, or screen %s"
              % (link.pty_path, link.pty_path), flush=True)
    try:
        if interactive:
            import tui

            tui.Tui(link, info, args.screenshot).run()
            code = link.stop()
        else:
            code = link.wait()
    except KeyboardInterrupt:
        code = link.stop()
    if not args.headless and code == 130:
        code = 0  # stopped by the user: not a failure
    if code == 0 and link.alarms_on_console:
        code = 3  # an alarm the firmware printed outside its `out` stream
    save_shots(link, args, link.screenshot_requests if interactive else 0, args.headless)
    if args.chart:  # the run's journal, from its flash folder (tools/pumpchart.py)
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        import pumpchart
        print(pumpchart.chart_run(args.flash, args.chart), flush=True)
    if interactive:
        snap = link.snapshot()
        for line in view.status_lines(snap, info, 100)[:2]:
            print(line)
        print("simulator stopped (exit %d)" % code)
    return code


if __name__ == "__main__":
    sys.exit(main())
