"""Prove MicroPython can run the firmware.

1. `mpy-cross` compiles every .py under firmware/ (syntax MicroPython lacks
   fails here).
2. The real `micropython` binary imports every firmware module except the
   board-specific hardware backends (`*_rp2.py`, `*_esp32.py`, which need the
   board's own modules) and `main.py` (which boots the pump). A module that
   needs something MicroPython does not have (dataclasses, typing at runtime,
   enum...) fails here.
"""
import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIRMWARE = os.path.join(ROOT, "firmware")
BOARD_ONLY_SUFFIXES = ("_rp2.py", "_esp32.py")


def firmware_files(firmware):
    for dirpath, dirnames, filenames in os.walk(firmware):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield os.path.relpath(os.path.join(dirpath, name), firmware)


def module_name(rel):
    parts = rel[:-3].split(os.sep)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def importable(rel):
    return rel != "main.py" and not rel.endswith(BOARD_ONLY_SUFFIXES)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mpy-cross", required=True)
    ap.add_argument("--micropython", required=True)
    ap.add_argument("--firmware", default=FIRMWARE, help="firmware folder to check")
    args = ap.parse_args()
    firmware = os.path.abspath(args.firmware)

    files = list(firmware_files(firmware))
    failures = 0
    with tempfile.TemporaryDirectory() as out:
        for rel in files:
            target = os.path.join(out, rel[:-3] + ".mpy")
            os.makedirs(os.path.dirname(target), exist_ok=True)
            res = subprocess.run([args.mpy_cross, "-o", target, os.path.join(firmware, rel)],
                                 capture_output=True, text=True)
            if res.returncode:
                failures += 1
                print("mpy-cross FAILED firmware/%s\n%s" % (rel, res.stderr.strip()))
    print("mpy-cross: compiled %d of %d firmware files" % (len(files) - failures, len(files)))

    modules = [module_name(rel) for rel in files if importable(rel)]
    script = (
        "import sys\nsys.path.insert(0, %r)\nbad = 0\n"
        "for m in %r:\n"
        "    try:\n        __import__(m)\n"
        "    except Exception as e:\n"
        "        bad += 1\n        print('micropython cannot import', m, '->', repr(e))\n"
        "print('micropython: imported', len(%r) - bad, 'of', len(%r), 'modules')\n"
        "sys.exit(1 if bad else 0)\n" % (firmware, modules, modules, modules)
    )
    res = subprocess.run([args.micropython, "-c", script], cwd=ROOT)
    if res.returncode:
        failures += 1
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
