# tools/flash.sh / tools/flash_plan.py without a board: the dry run's file
# list per board, and the whole flash against a fake board (in memory) and a
# fake mpremote (a script), for every message the maker may see.
import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import flash_plan  # noqa: E402

FLASH_SH = os.path.join(ROOT, "tools", "flash.sh")
MPY_MAGIC = b"M\x06"


def _dry_run(board, stage):
    res = subprocess.run([FLASH_SH, "--dry-run", "--board", board, "--build-dir", stage],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    puts = [line.split()[1] for line in res.stdout.splitlines() if line.startswith("  put ")]
    return res.stdout, puts


def _check_board_files(board, platform, other, tmp_path):
    stage = str(tmp_path / "stage")
    out, puts = _dry_run(board, stage)
    assert "/main.py" in puts and "/main.mpy" not in puts  # boots from source
    assert "/boot.py" in puts and "/boot.mpy" not in puts  # EN inactive before main.py
    assert "/board.json" in puts and "/config.json" in puts
    code = [p for p in puts if p not in ("/main.py", "/boot.py", "/board.json", "/config.json")]
    assert code and all(p.endswith(".mpy") for p in code), code
    assert not any("test" in p or "sim" in p.rsplit("/", 1)[-1] for p in puts), puts
    assert any(p.endswith("_" + platform + ".mpy") for p in puts)
    assert not any(p.endswith("_" + other + ".mpy") for p in puts)
    assert len(puts) == len(set(puts))
    # Every firmware module is there under its own path (no nesting, no gaps).
    want = flash_plan.firmware_files(platform)
    assert sorted(p[1:] for p in code) == sorted(r[:-3] + ".mpy" for r in want
                                            if r not in ("main.py", "boot.py"))
    # The staged build holds exactly the plan, and the .mpy files are real.
    staged = sorted("/" + os.path.relpath(os.path.join(d, n), stage)
                    for d, _, names in os.walk(stage) for n in names)
    assert staged == sorted(puts)
    with open(os.path.join(stage, code[0][1:]), "rb") as f:
        assert f.read(2) == MPY_MAGIC
    with open(os.path.join(stage, "board.json")) as src, \
            open(os.path.join(ROOT, "boards", board + ".json")) as ref:
        assert src.read() == ref.read()
    assert "dry run: built %s, nothing sent" % os.path.relpath(stage, ROOT) in out


def test_dry_run_rpi_pico_ships_rp2_backends_only(tmp_path):
    _check_board_files("rpi_pico", "rp2", "esp32", tmp_path)


def test_dry_run_esp32_ships_esp32_backends_only(tmp_path):
    _check_board_files("esp32_devkitc", "esp32", "rp2", tmp_path)


def test_default_config_is_the_settings_defaults():
    import json

    from delivery import settings

    text = flash_plan.default_config()
    assert json.loads(text) == settings.DEFAULTS
    assert settings.validate(json.loads(text)) is not None


def test_file_selection_skips_tests_sim_and_other_boards(tmp_path):
    fw = tmp_path / "fw"
    for rel in ("main.py", "app.py", "drivers/stepper.py", "drivers/stepper_rp2.py",
                "drivers/stepper_esp32.py", "drivers/test_stepper.py", "tests/test_x.py",
                "sim_clock.py", "drivers/notes.txt", "__pycache__/app.cpython-311.pyc"):
        (fw / rel).parent.mkdir(parents=True, exist_ok=True)
        (fw / rel).write_text("x = 1\n")
    assert flash_plan.firmware_files("rp2", str(fw)) == [
        "app.py", "main.py", "drivers/stepper.py", "drivers/stepper_rp2.py"]
    assert flash_plan.firmware_files("esp32", str(fw)) == [
        "app.py", "main.py", "drivers/stepper.py", "drivers/stepper_esp32.py"]


# ---- against a fake board ---------------------------------------------------------

class FakeBoard:
    """A board's filesystem in memory, with what mpremote would tell."""

    def __init__(self, files=None, free=1400 * 1024, ports=(("/dev/ttyACM0", "Raspberry Pi"),),
                 name="micropython", platform="rp2", mpy=6 | (3 << 8) | (5 << 10)):
        self.files = dict(files or {})
        self.dirs = {"/"}
        self.free = free
        self.ports = list(ports)
        self.name, self.platform, self.mpy = name, platform, mpy
        self.resets = 0
        self.applied = []
        self.console_opened = False

    def find_ports(self):
        return self.ports

    def probe(self, port):
        return {"name": self.name, "version": (1, 28, 0), "mpy": self.mpy,
                "platform": self.platform, "free": self.free, "total": 1408 * 1024,
                "files": dict(self.files)}

    def apply(self, port, mkdirs, puts, removes):
        self.applied.append((list(mkdirs), list(puts), list(removes)))
        for d in mkdirs:
            self.dirs.add(d)
        for r in removes:
            del self.files[r]
        for local, remote in puts:
            assert remote.rsplit("/", 1)[0] in self.dirs | {""}, remote
            with open(local, "rb") as f:
                self.files[remote] = len(f.read())
        self.resets += 1

    def console(self, port):
        self.console_opened = True


def _args(**kw):
    base = dict(board="rpi_pico", port=None, no_mpy=False, dry_run=False, console=False,
                reset_config=False, mpy_cross=None, mpremote=None, build_dir=None)
    base.update(kw)
    return argparse.Namespace(**base)


def _flash(board, **kw):
    import tempfile

    kw.setdefault("build_dir", tempfile.mkdtemp(prefix="plunger-flash-"))
    lines = []
    flash_plan.flash(_args(**kw), device=board, out=lines.append)
    return lines


def _error(board, **kw):
    try:
        _flash(board, **kw)
    except flash_plan.FlashError as e:
        return str(e)
    raise AssertionError("no FlashError")


def test_no_board_and_several_boards_are_clear_errors():
    assert _error(FakeBoard(ports=())).startswith("no board found")
    msg = _error(FakeBoard(ports=(("/dev/ttyACM0", "Raspberry Pi"), ("/dev/ttyUSB0", "CP210x"))))
    assert msg.startswith("several boards found; choose one with --port")
    assert "/dev/ttyACM0" in msg and "/dev/ttyUSB0" in msg
    # --port picks one, so several boards are fine then.
    assert FakeBoard(ports=()).resets == 0
    b = FakeBoard(ports=(("/dev/ttyACM0", "a"), ("/dev/ttyACM1", "b")))
    _flash(b, port="/dev/ttyACM1")
    assert b.resets == 1


def test_not_micropython_and_wrong_platform_are_refused():
    assert "runs circuitpython, not MicroPython" in _error(FakeBoard(name="circuitpython"))
    assert "is for rp2 but the board on /dev/ttyACM0 is esp32" in _error(FakeBoard(platform="esp32"))


def test_not_enough_flash_space_sends_nothing():
    b = FakeBoard(free=20 * 1024)
    assert _error(b).startswith("not enough flash space: need")
    assert b.applied == []


def test_flash_replaces_twins_keeps_user_files_and_a_second_run_changes_nothing():
    user_config = 777
    b = FakeBoard(files={"/app.py": 500, "/delivery/engine.py": 900,
                         "/delivery/gone_module.mpy": 300, "/config.json": user_config,
                         "/journal.bin": 4096, "/lib/other.mpy": 100})
    b.dirs.update({"/delivery", "/lib"})
    lines = _flash(b, console=True)
    assert "/app.py" not in b.files and "/app.mpy" in b.files
    assert "/delivery/engine.py" not in b.files and "/delivery/engine.mpy" in b.files
    assert "/delivery/gone_module.mpy" not in b.files
    assert b.files["/config.json"] == user_config  # never overwritten unasked
    assert b.files["/journal.bin"] == 4096 and b.files["/lib/other.mpy"] == 100
    assert b.files["/main.py"] > 0 and "/main.mpy" not in b.files
    assert any("keep /config.json" in line for line in lines)
    assert b.resets == 1 and b.console_opened
    first = dict(b.files)
    _flash(b)
    assert b.files == first  # same paths, nothing nested, nothing left over
    assert b.applied[-1][2] == []  # no removes on the second run


def test_config_is_sent_when_missing_or_asked_for():
    b = FakeBoard()
    _flash(b)
    assert "/config.json" in b.files
    b.files["/config.json"] = 5
    _flash(b, reset_config=True)
    assert b.files["/config.json"] > 5


def test_mpy_abi_mismatch_falls_back_to_sources_with_a_warning():
    b = FakeBoard(files={"/app.mpy": 1000}, mpy=6 | (1 << 8))
    lines = _flash(b)
    assert any("WARNING" in line and "v6.1" in line for line in lines)
    assert "/app.py" in b.files and "/app.mpy" not in b.files
    assert not any(p.endswith(".mpy") for p in b.files)


def test_no_mpy_copies_sources():
    b = FakeBoard()
    _flash(b, no_mpy=True)
    assert "/app.py" in b.files and not any(p.endswith(".mpy") for p in b.files)


# ---- the mpremote wrapper, against a fake mpremote ---------------------------------

def _fake_mpremote(tmp_path, list_out, exec_out):
    exe = tmp_path / "mpremote"
    exe.write_text("#!%s\nimport sys\nif sys.argv[1:3] == ['connect', 'list']:\n"
                   "    print(%r)\nelse:\n    print(%r)\n" % (sys.executable, list_out, exec_out))
    exe.chmod(0o755)
    return flash_plan.MpremoteDevice(str(exe))


def test_mpremote_port_listing_keeps_usb_boards_only(tmp_path):
    dev = _fake_mpremote(tmp_path, "/dev/ttyS0 None 0000:0000 None None\n"
                         "/dev/ttyACM0 E66 2e8a:0005 MicroPython Board\n", "")
    assert dev.find_ports() == [("/dev/ttyACM0", "Raspberry Pi MicroPython Board")]


def test_mpremote_probe_parses_the_board_or_says_it_is_not_micropython(tmp_path):
    probe = "PLUNGER_PROBE ('micropython', (1, 28, 0), 2822, 'rp2', 1000, 2000, [('/main.py', 12)])"
    dev = _fake_mpremote(tmp_path, "", probe)
    info = dev.probe("/dev/ttyACM0")
    assert info["files"] == {"/main.py": 12} and flash_plan.device_abi(info["mpy"]) == (6, 3)
    dev = _fake_mpremote(tmp_path, "", "could not enter raw repl")
    try:
        dev.probe("/dev/ttyACM0")
    except flash_plan.FlashError as e:
        assert "does not answer like a MicroPython board" in str(e)
    else:
        raise AssertionError("no FlashError")


def test_flash_ends_with_the_host_time_and_a_deliberate_reset_note(tmp_path):
    # What mpremote is asked to do: upload, then (a second connection, so the
    # time is the reset's, not the upload's start) the FINISH exec and reset.
    import time

    log = tmp_path / "calls.txt"
    exe = tmp_path / "mpremote"
    exe.write_text("#!%s\nimport sys\nopen(%r, 'a').write(repr(sys.argv[1:]) + '\\n')\n"
                   % (sys.executable, str(log)))
    exe.chmod(0o755)
    dev = flash_plan.MpremoteDevice(str(exe))
    local = tmp_path / "x.mpy"
    local.write_bytes(b"M")
    dev.apply("/dev/ttyACM0", ["/ui"], [(str(local), "/ui/x.mpy")], [])
    import ast

    calls = [ast.literal_eval(line) for line in log.read_text().splitlines()]
    assert len(calls) == 2
    assert calls[0][-1] != "reset" and "cp" in calls[0]
    assert calls[1][:3] == ["connect", "/dev/ttyACM0", "exec"] and calls[1][-2:] == ["+", "reset"]
    sent = calls[1][3]
    assert sent.startswith("import handover; handover.flash_finish(")
    wall = int(sent.rsplit("(", 1)[1].rstrip(")"))
    assert abs(wall - time.time()) < 5


def test_the_probe_sets_the_board_clock_from_the_host(tmp_path):
    import time

    log = tmp_path / "calls.txt"
    exe = tmp_path / "mpremote"
    exe.write_text("#!%s\nimport sys\nopen(%r, 'a').write(sys.argv[-1])\n"
                   "print(\"PLUNGER_PROBE ('micropython', (1, 28, 0), 2822, 'rp2', 1, 2, [])\")\n"
                   % (sys.executable, str(log)))
    exe.chmod(0o755)
    flash_plan.MpremoteDevice(str(exe)).probe("/dev/ttyACM0")
    code = log.read_text()
    assert "machine.RTC().datetime(" in code
    t = time.gmtime()
    assert "(%d, %d, %d, %d, " % (t.tm_year, t.tm_mon, t.tm_mday, t.tm_wday) in code
