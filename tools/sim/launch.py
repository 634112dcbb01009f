# Boot the real firmware on the simulated board. Runs under the `micropython`
# binary (default) or CPython. tools/sim/sim.py starts it; tests run it
# directly. Options:
#   --headless --hours H   run H simulated hours as fast as possible, then exit
#   --flash DIR            the simulated board's filesystem (default build/sim-flash)
import os
import sys

HERE = os.getcwd() if not __file__.startswith("/") else __file__.rsplit("/", 1)[0]
ROOT = HERE.rsplit("/", 2)[0]


def setup_path():
    # The simulated `machine` must shadow the port's own, so tools/sim goes first.
    for p in (ROOT + "/firmware", ROOT + "/tools", HERE):
        if p in sys.path:
            sys.path.remove(p)
        sys.path.insert(0, p)
    if sys.implementation.name != "micropython":
        sys.path.insert(0, ROOT + "/tools/cpython_shims")
        import cpython_compat

        cpython_compat.install()


def parse(argv):
    opts = {"headless": False, "hours": None, "flash": ROOT + "/build/sim-flash"}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--headless":
            opts["headless"] = True
        elif a == "--hours" and i + 1 < len(argv):
            i += 1
            opts["hours"] = float(argv[i])
        elif a == "--flash" and i + 1 < len(argv):
            i += 1
            opts["flash"] = argv[i]
        else:
            raise SystemExit("launch.py: unknown option %r" % a)
        i += 1
    if opts["headless"] and opts["hours"] is None:
        raise SystemExit("launch.py: --headless needs --hours H")
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


def prepare_flash(flash):
    """Give the simulated board a filesystem like a flashed one: board.json
    copied from boards/sim.json."""
    makedirs(flash)
    with open(ROOT + "/boards/sim.json") as src:
        data = src.read()
    with open(flash + "/board.json", "w") as dst:
        dst.write(data)


def main():
    opts = parse(sys.argv[1:])
    setup_path()
    prepare_flash(opts["flash"])
    os.chdir(opts["flash"])
    import main as firmware_main

    clock = None
    run_for_ms = None
    if opts["headless"]:
        import vclock

        clock = vclock.VirtualClock()
        run_for_ms = int(opts["hours"] * 3600000)
    elif opts["hours"] is not None:
        run_for_ms = int(opts["hours"] * 3600000)
    code = firmware_main.main(clock=clock, run_for_ms=run_for_ms)
    sys.exit(code or 0)


main()
