# A maker's session with a board, on the simulated board (tools/sim: the
# chip model in machine.py, the world, the host that boots again after every
# reset), under the real micropython binary. What MicroPython's own main
# loop does at each reset is done here: run boot.py, then main.py unless
# the board is in mpremote's raw REPL, then sit in the REPL. Used by
# host_tests/test_board_life.py and bench/m_boot.py:
#
#   micropython board_life.py FLASH_DIR CHIP WALL_S STEP...
#
# Steps, in order (times in simulated ms):
#   app:MS       the pump runs MS, then Ctrl-C arrives on the serial line
#   run:MS       the pump runs MS, then the session ends
#   hang:MS      the pump runs MS, then its motor task hangs (stops checking
#                in with the watchdog gate while the other tasks carry on)
#   console_reset:MS  the pump runs MS, then the console's `reset`
#   repl:MS      the board sits in the REPL for MS
#   ctrl_d       Ctrl-D at the REPL (soft reset: boot.py, main.py)
#   mpremote     mpremote enters its raw REPL (Ctrl-C, soft reset: boot.py only)
#   flash        what tools/flash.sh runs last: the exec that writes the
#                host's time and the reset note, then mpremote's `reset`
#   reset        `mpremote reset` (machine.reset()) from the REPL
#   power:MS     the power is cut for MS
# Prints one "LIFE {json}" line per boot and a final "LIFE_END {json}".
import json
import sys

ROOT = __file__.rsplit("/", 2)[0] if "/" in __file__ else ".."
if not ROOT.startswith("/"):
    import os

    ROOT = os.getcwd() + "/" + ROOT
for p in (ROOT + "/firmware", ROOT + "/tools", ROOT + "/tools/sim"):
    sys.path.insert(0, p)

import asyncio  # noqa: E402
import os  # noqa: E402

import machine  # noqa: E402  (tools/sim/machine.py: first on the path)

FLASH, CHIP, WALL = sys.argv[1], sys.argv[2], int(sys.argv[3])
STEPS = sys.argv[4:]
machine.set_chip(CHIP)

import boardfile  # noqa: E402
import host  # noqa: E402

try:
    os.mkdir(FLASH)
except OSError:
    pass
with open(ROOT + "/boards/sim.json") as f:
    _board_text = f.read()
with open(FLASH + "/board.json", "w") as f:
    f.write(_board_text)
board = boardfile.load(FLASH + "/board.json")
sim = host.SimHost(board, {"headless": True, "hours": None, "wall": WALL})
os.chdir(FLASH)

the_app = [None]
raw_repl = [False]  # mpremote's soft reset leaves the board in the raw REPL
lives = []
life = {}
_orig_start = sim._start_tasks


def _step():
    return STEPS.pop(0) if STEPS else "end"


def _true_wall():
    return WALL + sim.now_ms() // 1000


async def _actor(kind, ms):
    await sim.clock.sleep_ms(ms)
    life["steps_run"] = sim.world.delivered_steps - life["steps_at_boot"]
    life["wall_err_s"] = sim.world.rtc_wall_s() - _true_wall()
    if kind == "app":
        raise KeyboardInterrupt  # the serial line's Ctrl-C, where the code happens to be
    if kind == "hang":
        import motor_loop

        motor_loop.MotorLoop._checkin = lambda self, now_ms: None
        motor_loop.MotorLoop._move = _hung_move
        await sim.clock.sleep_ms(600000)  # the watchdog ends this
    if kind == "console_reset":
        await the_app[0].console.run_line("reset")  # typed at the pump's console
        raise RuntimeError("the console's reset did not reset the board")
    if kind == "run":
        life["ended"] = True
        raise SystemExit(0)


async def _hung_move(self, eng, direction, steps, rate_hz):
    while True:
        await self.clock.sleep_ms(1000)


def _start_tasks():
    _orig_start()
    kind, ms = pending[0]
    asyncio.create_task(_actor(kind, ms))


sim._start_tasks = _start_tasks
pending = [("run", 0)]


def _repl():
    """The board at the REPL until a step resets it or the session ends."""
    while True:
        s = _step()
        if s.startswith("repl:"):
            machine.repl_idle(int(s[5:]), sim.clock.stall)
            life.setdefault("repl_ms", 0)
            life["repl_ms"] += int(s[5:])
        elif s == "ctrl_d":
            raw_repl[0] = False
            raise machine.SimReset(machine.SOFT_RESET, "ctrl-d")
        elif s == "mpremote":
            raw_repl[0] = True
            raise machine.SimReset(machine.SOFT_RESET, "mpremote raw REPL")
        elif s == "flash":
            # flash.sh's last exec (tools/flash_plan.py FINISH), then mpremote reset
            wall = _true_wall()
            code = _flash_finish(wall)
            exec(code, {})
            raw_repl[0] = False
            machine.reset()
        elif s == "reset":
            raw_repl[0] = False
            machine.reset()
        elif s.startswith("power:"):
            sim.off_ms = int(s[6:])
            raise machine.SimReset(machine.PWRON_RESET, "power cut")
        elif s == "end":
            raise SystemExit(0)
        else:
            raise ValueError("step %r cannot happen at the REPL" % s)


def _flash_finish(wall):
    # The very text tools/flash_plan.py sends (its FINISH line).
    with open(ROOT + "/tools/flash_plan.py") as f:
        for line in f:
            if line.startswith("FINISH = "):
                return eval(line[9:]) % wall
    return ""  # a flash.sh that sends nothing before its reset


def _parse(s):
    kind, ms = s.split(":")
    return kind, int(ms)


def rom(clock, run_for_ms, out):
    """MicroPython's main loop after a reset, as in ports/rp2/main.c."""
    global life
    import main as firmware_main

    life = {"boot": len(lives) + 1, "raw": raw_repl[0], "cause": machine.reset_cause(),
            "steps_at_boot": sim.world.delivered_steps, "alarms_before": len(sim.alarms)}
    lives.append(life)
    boot_py = "boot.py" if _has("boot.py") else ROOT + "/firmware/boot.py"
    if _has(boot_py):  # a firmware without one: MicroPython skips it
        with open(boot_py) as f:
            exec(f.read(), {"__name__": "__main__"})
    life["wdt_after_boot_py"] = machine.wdt_running()
    orig_build = firmware_main.build_hardware

    def build_hardware(*a):
        hw = orig_build(*a)
        life["reset_kind"] = hw.get("reset_kind")
        life["time_source"] = hw.get("time_source")
        return hw

    firmware_main.build_hardware = build_hardware
    import app

    orig_tasks = app.App.build_tasks

    def build_tasks(self):
        the_app[0] = self
        return orig_tasks(self)

    app.App.build_tasks = build_tasks
    try:
        import handover
    except ImportError:  # a firmware from before the hand-over
        handover = None
    if handover is not None:
        orig_hand_over = handover.hand_over

        def hand_over(*a):
            # No loop runs from here: the simulator's tasks (its watchdog
            # watcher, timer tasks) must not be queued for the next boot's loop.
            sim._started = False
            return orig_hand_over(*a)

        handover.hand_over = hand_over
    if not raw_repl[0]:
        s = _step()
        if s == "end":
            raise SystemExit(0)
        pending[0] = _parse(s)
        life["app"] = s
        code = firmware_main.main(clock=clock, run_for_ms=30 * 86400000, out=out)
        life["code"] = code
        sim._started = False
    _repl()
    return 0


def _has(name):
    try:
        os.stat(name)
        return True
    except OSError:
        return False


try:
    status = sim.run(rom)
except SystemExit:
    status = None
for i, lf in enumerate(lives):
    upto = lives[i + 1]["alarms_before"] if i + 1 < len(lives) else len(sim.alarms)
    lf["alarms"] = [a for _, a in sim.alarms[lf["alarms_before"]:upto]]
    print("LIFE " + json.dumps(lf))
print("LIFE_END " + json.dumps({"watchdog_resets": sim.watchdog_resets, "boots": sim.boots,
                                "alarms": [a for _, a in sim.alarms]}))
