# Test runner for the `micropython` binary (run from host_tests/).
#
# pytest does not exist on MicroPython, so the test files that must pass on
# both runtimes are plain modules of `test_*` functions with bare asserts.
# A file opts in by starting with the line `# plunger-test: both`; the others
# (hypothesis, subprocess, Pillow...) run under CPython only.
#
# Usage: micropython mp_runner.py [FILE_SUBSTRING ...]
# Prints PASS/FAIL per test and a last line `N passed, N failed`; the exit
# status is the number of failures (capped at 255), so 0 means all passed.

import gc
import os
import sys

MARKER = "# plunger-test: both"

sys.path.insert(0, "../firmware")
sys.path.insert(0, "../tools")
sys.path.insert(0, ".")


def marked_files(filters):
    names = []
    for name in sorted(os.listdir(".")):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        if filters and not any(f in name for f in filters):
            continue
        with open(name) as f:
            if f.readline().strip() == MARKER:
                names.append(name)
    return names


def run_module(modname, counts):
    try:
        mod = __import__(modname)
    except Exception as e:  # an import error fails the whole file, loudly
        counts[1] += 1
        print("FAIL", modname, "(import)")
        sys.print_exception(e)
        return
    for name in sorted(dir(mod)):
        if not name.startswith("test_"):
            continue
        fn = getattr(mod, name)
        if not callable(fn):
            continue
        try:
            fn()
        except Exception as e:
            counts[1] += 1
            print("FAIL", modname + "." + name)
            sys.print_exception(e)
        else:
            counts[0] += 1
            print("PASS", modname + "." + name)


def main():
    counts = [0, 0]
    files = marked_files(sys.argv[1:])
    keep = set(sys.modules)
    for name in files:
        run_module(name[:-3], counts)
        # One process runs every file: forget what this file imported (its
        # rigs, fakes, the firmware it loaded) before the next, or the heap
        # fills and fragments and later files fail with a MemoryError that
        # is not theirs. Each file then starts from fresh modules.
        for mod in list(sys.modules):
            if mod not in keep:
                del sys.modules[mod]
        gc.collect()
    if counts[0] + counts[1] == 0:
        print("no tests found")
        sys.exit(1)
    print("%d passed, %d failed" % (counts[0], counts[1]))
    sys.exit(min(counts[1], 255))


main()
