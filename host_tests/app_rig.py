# A pump booted from (fake) flash exactly as the firmware boots, for the app
# tests on both runtimes: boot_state.load over FakeFlash, a settable RTC and
# a manual clock, plus helpers to reboot from the same flash.
import json

import boardfile
import boot_state
from fakes_flash import FakeFlash
from wallclock import MIN_VALID_S, civil_from_days

NOON_S = MIN_VALID_S + 200 * 86400 + 12 * 3600  # a valid wall time, 12:00 UTC


class ManualClock:
    def __init__(self, now_ms=0):
        self.t = now_ms

    def now_ms(self):
        return self.t


class FakeRTC:
    def __init__(self, wall_s=None):
        self.dt = (2021, 1, 1, 4, 0, 0, 0, 0)  # what a Pico reads after power-up
        if wall_s is not None:
            days, rest = divmod(wall_s, 86400)
            y, m, d = civil_from_days(days)
            self.dt = (y, m, d, 0, rest // 3600, rest // 60 % 60, rest % 60, 0)

    def datetime(self, dt=None):
        if dt is None:
            return self.dt
        self.dt = tuple(dt)


def sim_board():
    return boardfile.load("../boards/sim.json")


def boot(flash=None, wall_s=NOON_S, config=None, clock=None, watchdog_reset=False):
    """-> (pump, notes, flash, clock). config: dict written as /config.json first."""
    flash = flash if flash is not None else FakeFlash()
    if config is not None:
        flash.files["/config.json"] = json.dumps(config).encode()
    clock = clock or ManualClock()
    hw = {"fs": flash, "rtc": FakeRTC(wall_s), "watchdog_reset": watchdog_reset}
    pump, notes = boot_state.load(sim_board(), hw, clock, "test")
    return pump, notes, flash, clock


# ---- the serial console on this pump ---------------------------------------


class Confirm:
    """The device's "hold OK" as the console sees it: answers `answer` and
    keeps every prompt it was asked."""

    def __init__(self, answer):
        self.answer = answer
        self.asked = []

    async def __call__(self, prompt, timeout_ms):
        self.asked.append(prompt)
        return self.answer


def console(answer=True):
    """-> (console in JSON mode on a freshly booted pump, pump, flash, out
    list the console writes into, Confirm)."""
    from console.shell import Console

    pump, _, flash, clock = boot()
    out = []
    confirm = Confirm(answer)
    con = Console(pump, clock.now_ms, out.append, confirm)
    con.set_json(True)
    return con, pump, flash, out, confirm


def reply(con, out, line):
    """Run one console line; -> its one reply object (events are skipped)."""
    from testkit import run_async

    del out[:]
    run_async(con.run_line(line))
    objs = [json.loads(x) for x in "".join(out).split("\n") if x.strip().startswith("{")]
    replies = [o for o in objs if "ok" in o]
    assert len(replies) == 1, out
    return replies[0]


def kinds(flash_or_pump):
    pump = flash_or_pump
    return [r[3] for r in pump.journal.read().records]
