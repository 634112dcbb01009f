# Boot the real firmware on the simulated board. Runs under the `micropython`
# binary (default) or CPython. tools/sim/sim.py starts it; tests may run it
# directly. Options:
#   --headless --hours H   run H simulated hours as fast as possible, then exit
#   --hours H              (not headless) stop after H simulated hours
#   --speed N              real time, N times faster (not headless)
#   --flash DIR            the simulated board's filesystem (default build/sim-flash)
#   --firmware DIR         firmware to boot (default firmware/; tests use stubs)
#   --wall S|unset         RTC at start, seconds since 1970 UTC (default unset:
#                          2021-01-01, as a board after power-on)
#   --board FILE           board file copied to DIR/board.json (default boards/sim.json)
#   --script FILE          scenario actions (see scenario.py)
#   --csv FILE             record of every step and event
#   --console-feed PATH    write end of the pipe that is this process's stdin
#                          (scenario `console` lines are typed into it)
#   --events PATH, --keys PATH   the terminal UI's side channel (sim.py)
#   --shot-at MS           a screenshot action at MS (sim.py --screenshot, headless)
#   --repl                 Ctrl-C leaves a REPL on the console (repl.py), as on a
#                          board, instead of ending the run
# The exit status is host.py's EXIT_* code.
import os
import sys

_FILE = __file__ if __file__.startswith("/") else os.getcwd() + "/" + __file__
HERE = _FILE.rsplit("/", 1)[0] if "/" in __file__ else os.getcwd()
ROOT = HERE.rsplit("/", 2)[0]


def setup_path(firmware):
    # The simulated `machine` must shadow the port's own, so tools/sim goes first.
    for p in (firmware, ROOT + "/tools", HERE):
        if p in sys.path:
            sys.path.remove(p)
        sys.path.insert(0, p)
    if firmware != ROOT + "/firmware":
        sys.path.append(ROOT + "/firmware")  # boardfile, for a stub firmware
    if sys.implementation.name != "micropython":
        sys.path.insert(0, ROOT + "/tools/cpython_shims")
        import cpython_compat

        cpython_compat.install()


_VALUE_OPTS = ("firmware", "wall", "hours", "speed", "flash", "board", "script", "csv", "console-feed",
               "events", "keys", "shot-at")


def parse(argv):
    opts = {"firmware": ROOT + "/firmware", "headless": False, "hours": None, "speed": 1, "flash": ROOT + "/build/sim-flash",
            "board": ROOT + "/boards/sim.json", "script": None, "csv": None,
            "console_feed": None, "events": None, "keys": None, "wall": None, "repl": False,
            "shot_at": None}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--headless":
            opts["headless"] = True
        elif a == "--repl":
            opts["repl"] = True
        elif a.startswith("--") and a[2:] in _VALUE_OPTS and i + 1 < len(argv):
            i += 1
            key = a[2:].replace("-", "_")
            opts[key] = float(argv[i]) if key in ("hours", "speed") else argv[i]
        else:
            raise SystemExit("launch.py: unknown option %r" % a)
        i += 1
    if opts["headless"] and opts["hours"] is None:
        raise SystemExit("launch.py: --headless needs --hours H")
    if not opts["speed"] > 0:
        raise SystemExit("launch.py: --speed must be above 0")
    return opts


def makedirs(path):
    cur = ""
    for part in path.split("/"):
        cur = cur + part + "/" if cur or not part else "/"
        if part:
            try:
                os.mkdir(cur)
            except OSError:
                pass


def prepare_flash(flash, board_path):
    """Give the simulated board a filesystem like a flashed one: the board
    file as board.json. Anything else there (config, journal) survives from
    the last run, as on a real board."""
    makedirs(flash)
    with open(board_path) as src:
        data = src.read()
    with open(flash + "/board.json", "w") as dst:
        dst.write(data)


def run_boots(sim, boot, opts):
    """Boot the firmware until the run ends. With --repl (a terminal on the
    pty), Ctrl-C leaves a REPL on the console instead of ending the
    simulator, as on a board; Ctrl-D there boots the pump again."""
    import machine

    while True:
        interrupted = False
        try:
            code = sim.run(boot)
        except KeyboardInterrupt:  # Ctrl-C outside the app's own handler
            sim.stopped()
            interrupted = True
            code = 0
        if not (interrupted or sim.firmware_code == 130):
            return code
        if not opts["repl"]:
            if interrupted:
                print("sim: interrupted")
            return code
        import repl

        def write(text):
            sys.stdout.write(text)
            if hasattr(sys.stdout, "flush"):
                sys.stdout.flush()

        import time

        board = opts["board"].rsplit("/", 1)[-1].rsplit(".", 1)[0]
        t0 = time.ticks_ms()
        verdict = repl.Repl(sys.stdin, sim.keys_stream(), write, board).run()
        # The board's clock ran on while its REPL waited.
        sim.boot_base_ms += int(time.ticks_diff(time.ticks_ms(), t0) * (opts["speed"] or 1))
        if verdict != "reboot":
            return code
        sim.next_cause = machine.SOFT_RESET


def main():
    opts = parse(sys.argv[1:])
    if not opts["firmware"].startswith("/"):
        opts["firmware"] = os.getcwd() + "/" + opts["firmware"]
    setup_path(opts["firmware"])
    import boardfile
    import host
    import scenario

    if opts["script"]:
        try:
            opts["script"] = scenario.load(opts["script"])
        except (OSError, scenario.ScenarioError) as e:
            print("sim: scenario: %s" % e)
            sys.exit(64)
    # Paths given relative to where we were started stay valid after the chdir.
    cwd = os.getcwd()
    for key in ("csv", "flash", "board"):
        if opts[key] and not opts[key].startswith("/"):
            opts[key] = cwd + "/" + opts[key]
    prepare_flash(opts["flash"], opts["board"])
    try:
        board = boardfile.load(opts["board"])
    except boardfile.BoardError as e:
        print("sim: cannot simulate this board: %s" % e)
        sys.exit(host.EXIT_BOOT_FATAL)
    sim = host.SimHost(board, opts)
    os.chdir(opts["flash"])

    def boot(clock, run_for_ms, out):
        import main as firmware_main

        return firmware_main.main(clock=clock, run_for_ms=run_for_ms, out=out)

    code = run_boots(sim, boot, opts)
    sim.finish()
    w = sim.world
    print("sim: %d boot(s), %d steps delivered (%d uL), %d uL left, alarms: %s, watchdog resets: %d, violations: %s"
          % (sim.boots, w.delivered_steps, w.delivered_ul(), w.remaining_ul(),
             ",".join(a for _, a in sim.alarms) or "none", sim.watchdog_resets,
             ",".join("%s=%d" % (k, w.violations[k]) for k in sorted(w.violations)) or "none"))
    sys.exit(code)


main()
