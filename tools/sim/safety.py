# The randomized whole-pump safety run (simulator only; MicroPython or
# CPython): the real firmware on the simulated board, driven for many
# simulated days by random sessions of console commands and button presses,
# with an independent checker (safety_check.py) reading every step the
# simulated plunger makes.
#
#   micropython -X heapsize=8M tools/sim/safety.py --seed 7 --days 30 [--trace FILE] [--csv FILE]
#
# (the checker's records share the heap with the firmware: give it room, or
# the firmware would run short of memory because of the harness)
#
# Prints one JSON line: days run, steps, checks, violations (the first few in
# full, each with the actions that led to it); exit status 0 with no
# violation, 1 with some. A run is repeatable: same seed, same run (the flash
# starts empty in a fresh folder, the wall clock at 2026-06-01).
#
# What the "user" does, at random times 1 min to 3 h apart: boluses (normal,
# extended, combo; some above the limits, some left unconfirmed), cancels,
# temp basals (percent and U/h) and their cancels, profile edits and
# switches, limit changes, suspend and resume, calibration (dispense, weigh,
# store), rewind, refill and prime, button taps on the pump, occlusions,
# watchdog resets and power cuts. After every boot it does what pumpctl does
# on connecting: JSON replies on, the clock set, alarms acknowledged.

import asyncio
import json
import os
import sys

_FILE = __file__ if __file__.startswith("/") else os.getcwd() + "/" + __file__
HERE = _FILE.rsplit("/", 1)[0]
ROOT = HERE.rsplit("/", 2)[0]

WALL0_S = 1780272000  # 2026-06-01T00:00:00Z
CONFIRM_HOLD_MS = 2000  # the pump asks for 1.5 s
REPLY_TIMEOUT_MS = 45000
TRACE_KEEP = 12  # actions quoted with a violation
BOLUS_RATE_MU_PER_MIN = 1500  # the defaults the run never changes
PRIME_RATE_MU_PER_MIN = 10000
CEILINGS = {"max_per_hour_mu": 50000, "max_per_24h_mu": 250000, "max_temp_basal_mu_per_h": 35000,
            "max_basal_mu_per_h": 35000, "max_bolus_mu": 25000}


def setup_path():
    # As launch.py: the simulated `machine` shadows the port's own.
    for p in (ROOT + "/firmware", ROOT + "/tools", HERE):
        if p in sys.path:
            sys.path.remove(p)
        sys.path.insert(0, p)
    if sys.implementation.name != "micropython":
        sys.path.insert(0, ROOT + "/tools/cpython_shims")
        import cpython_compat

        cpython_compat.install()


class Rng:
    """A small LCG, the same on both runtimes (random differs between them)."""

    def __init__(self, seed):
        self.state = (seed * 2654435761 + 1) & 0xFFFFFFFF

    def below(self, n):
        self.state = (self.state * 1103515245 + 12345) & 0x7FFFFFFF
        return (self.state >> 8) % n if n > 0 else 0

    def chance(self, percent):
        return self.below(100) < percent

    def pick(self, seq):
        return seq[self.below(len(seq))]


class FeedStream:
    """The console's input for one boot: what the driver types."""

    def __init__(self):
        self.buf = b""
        self.ev = asyncio.Event()

    async def read(self, n=1):
        while not self.buf:
            self.ev.clear()
            await self.ev.wait()
        b = self.buf[:1]
        self.buf = self.buf[1:]
        return b

    def type(self, text):
        self.buf += text.encode()
        self.ev.set()


def _units(mu):
    return "%d.%03d" % (mu // 1000, mu % 1000)


class Driver:
    def __init__(self, seed, checker, trace=None):
        self.rng = Rng(seed)
        self.checker = checker
        self.trace_file = trace
        self.recent = []  # the last TRACE_KEEP actions: (t_ms, text)
        self.replies = []
        self._partial = ""
        self.stream = None
        self.host = None
        self.counts = {}
        self.suspended = False
        self.seen_violations = 0
        self.reported = []
        self.firmware_errors = 0
        self.task = None  # this boot's session

    # ---- plumbing --------------------------------------------------------------
    def now(self):
        return self.host.now_ms()

    def note(self, text):
        self.recent.append((self.now(), text))
        del self.recent[:-TRACE_KEEP]
        if self.trace_file is not None:
            self.trace_file.write("%d %s\n" % (self.now(), text))
        v = self.checker.violations
        while self.seen_violations < len(v):
            if len(self.reported) < 5:
                self.reported.append({"violation": v[self.seen_violations],
                                      "before": ["%d %s" % a for a in self.recent]})
            self.seen_violations += 1

    def console_out(self, text):
        self._partial += text
        while "\n" in self._partial:
            line, self._partial = self._partial.split("\n", 1)
            line = line.strip()
            i = line.find("{")
            if i >= 0:
                try:
                    self.replies.append(json.loads(line[i:]))
                except ValueError:
                    pass
        return len(text)

    async def sleep(self, ms):
        await self.host.clock.sleep_ms(ms)

    async def hold_ok(self):
        w = self.host.world
        w.press("ok")
        await self.sleep(CONFIRM_HOLD_MS)
        w.release("ok")

    async def cmd(self, line, confirm=True, on_confirm=None):
        """Type line; hold OK when the pump asks (if confirm). -> (reply, confirmed)."""
        self.counts[line.split()[0]] = self.counts.get(line.split()[0], 0) + 1
        self.note("> " + line)
        self.replies = []
        self.stream.type(line + "\r\n")
        deadline = self.now() + REPLY_TIMEOUT_MS
        confirmed = False
        while self.now() < deadline:
            while self.replies:
                r = self.replies.pop(0)
                if r.get("event") == "confirm":
                    if confirm:
                        if on_confirm is not None:
                            on_confirm(self.now())
                        self.note("hold OK")
                        confirmed = True
                        await self.hold_ok()
                    else:
                        self.note("(no OK)")
                elif "ok" in r and "cmd" in r:
                    self.note("< %s" % json.dumps(r)[:160])
                    return r, confirmed
            await self.sleep(100)
        self.note("< (no reply)")
        return None, confirmed

    # ---- one boot's session ----------------------------------------------------
    async def session(self):
        await self.sleep(1500)
        await self.cmd("!json on")  # "!": this reply in JSON too
        wall = WALL0_S + self.now() // 1000
        t = _gmtime(wall)
        await self.cmd("time set %04d-%02d-%02d %02d:%02d:%02d" % t)
        await self.ack_all()
        while True:
            await self.sleep(60000 * (1 + self.rng.below(120)))
            await self.act()

    async def ack_all(self):
        r, _ = await self.cmd("alarms")
        for a in (r or {}).get("data") or ():
            aid = a.get("id") if isinstance(a, dict) else None
            if aid:
                await self.cmd("ack %s" % aid)

    async def act(self):
        rng = self.rng
        roll = rng.below(100)
        if roll < 22:
            await self.bolus()
        elif roll < 27:
            r, _ = await self.cmd(rng.pick(("cancel", "bolus cancel")))
            if r is not None and r.get("ok"):
                self.checker.end_bolus(self.now())
        elif roll < 42:
            await self.temp()
        elif roll < 50:
            await self.profile()
        elif roll < 60:
            await self.limits()
        elif roll < 68:
            await self.suspend_or_resume()
        elif roll < 72:
            await self.calibrate()
        elif roll < 76:
            await self.refill()
        elif roll < 86:
            await self.taps()
        elif roll < 90:
            await self.occlusion()
        elif roll < 95:
            await self.ack_all()
        else:
            await self.reset()

    def _confirm_bolus(self, mu, longest_ms):
        def opened(t_ms):
            self.checker.confirmed_bolus(t_ms, mu, longest_ms)
        return opened

    async def bolus(self):
        rng = self.rng
        lim = self.checker.limits["max_bolus_mu"]
        now_mu = 50 * rng.below(lim * 12 // 10 // 50 + 2)
        confirm = rng.chance(85)
        kind = rng.below(3)
        if kind == 0:
            line, mu, ms = "bolus %s" % _units(now_mu), now_mu, 0
        else:
            ext_mu = 50 * rng.below(lim // 50 + 2)
            hours = 1 + rng.below(8)
            if kind == 1:
                now_mu = 0
            line = "bolus %s %s over %dh" % (_units(now_mu), _units(ext_mu), hours)
            mu, ms = now_mu + ext_mu, hours * 3600000
        longest = ms + mu * 60000 // BOLUS_RATE_MU_PER_MIN + 120000
        await self.cmd(line, confirm, self._confirm_bolus(mu, longest))

    async def temp(self):
        rng = self.rng
        if rng.chance(25):
            await self.cmd("temp cancel")
            return
        dur = rng.pick(("30m", "1h", "2h", "4h", "12h", "24h"))
        if rng.chance(50):
            line = "temp %d%% %s" % (10 * rng.below(26), dur)
        else:
            line = "temp %s %s" % (_units(100 * rng.below(60)), dur)
        await self.cmd(line, rng.chance(90))

    async def profile(self):
        rng = self.rng
        if rng.chance(50):
            await self.cmd("profile select %s" % rng.pick(("default", "alt", "night")), rng.chance(90))
            return
        parts = []
        for hour in sorted(set([0] + [rng.below(24) for _ in range(rng.below(4))])):
            parts.append("%02d:00=%s" % (hour, _units(50 * rng.below(90))))
        await self.cmd("profile edit %s %s" % (rng.pick(("default", "alt", "night")), " ".join(parts)),
                       rng.chance(90))

    async def limits(self):
        rng = self.rng
        name = rng.pick(tuple(CEILINGS))
        value = rng.below(CEILINGS[name] // 500 + 1) * 500
        r, confirmed = await self.cmd("config set limits.%s %d" % (name, value), rng.chance(85))
        if r is not None and r.get("ok"):
            self.checker.limit(name, value, self.now(), confirmed)

    async def suspend_or_resume(self):
        if not self.suspended or self.rng.chance(20):
            r, _ = await self.cmd("suspend")
            if r is not None and r.get("ok"):
                self.suspended = True
                self.checker.suspend(self.now())
            return
        r, _ = await self.cmd("resume", self.rng.chance(90))
        if r is not None and r.get("ok"):
            self.suspended = False
            self.checker.resume(self.now())

    async def _suspend(self):
        if not self.suspended:
            r, _ = await self.cmd("suspend")
            if r is not None and r.get("ok"):
                self.suspended = True
                self.checker.suspend(self.now())

    def _exempt(self, mu):
        def opened(t_ms):
            self.checker.exempt(t_ms, t_ms + CONFIRM_HOLD_MS + mu * 60000 // PRIME_RATE_MU_PER_MIN + 60000)
        return opened

    async def calibrate(self):
        await self._suspend()
        mu = 1000 * (5 + self.rng.below(26))  # 5..30 U: weighing rounds to 1 mg
        w = self.host.world
        before = w.delivered_steps
        r, confirmed = await self.cmd("calibrate %s" % _units(mu), True, self._exempt(mu))
        if r is None or not r.get("ok"):
            return
        await self.sleep(mu * 60000 // PRIME_RATE_MU_PER_MIN + 30000)
        pushed = w.delivered_steps - before
        true_mg_x1000 = pushed * w.steps_per_ml_den * 1000 * 1000 // w.steps_per_ml_num  # ug
        grams_mg = (true_mg_x1000 + 500) // 1000  # the scale shows whole mg
        if grams_mg <= 0:
            return
        r, _ = await self.cmd("calibrate mass %d.%03d" % (grams_mg // 1000, grams_mg % 1000))
        if r is not None and r.get("ok"):
            self.checker.calibrated((grams_mg * 1000 - true_mg_x1000) * 1000000 // true_mg_x1000)

    async def refill(self):
        await self._suspend()
        r, _ = await self.cmd("rewind")
        if r is None or not r.get("ok"):
            return
        await self.sleep(120000)
        self.host.world.fill(3000)  # a fresh 3 mL syringe
        await self.cmd("refill %d" % (200 + self.rng.below(101)))
        mu = 1000 * (1 + self.rng.below(5))
        await self.cmd("prime %s" % _units(mu), True, self._exempt(mu))
        await self.sleep(60000)

    async def taps(self):
        w = self.host.world
        rng = self.rng
        names = []
        for _ in range(1 + rng.below(6)):
            name = rng.pick(("up", "down", "ok", "back"))
            names.append(name)
            w.press(name)
            await self.sleep(80 + rng.below(200))  # short taps: never a confirming hold
            w.release(name)
            await self.sleep(300 + rng.below(700))
        self.note("taps " + " ".join(names))

    async def occlusion(self):
        w = self.host.world
        w.set_occlusion(True)
        self.note("fault occlusion")
        await self.sleep(60000 * (5 + self.rng.below(60)))
        w.set_occlusion(False)
        self.note("fault occlusion_clear")
        await self.ack_all()

    async def reset(self):
        kind = self.rng.pick(("power_cut", "hang", "power_cut"))
        self.note("fault " + kind)
        self.checker.power_lost(self.now())
        if kind == "power_cut":
            await self.host.do("fault", ["power_cut", 1000 + self.rng.below(60000)])
        else:
            await self.host.do("fault", ["hang", 9000])


def _gmtime(s):
    days, rest = divmod(s, 86400)
    import machine

    y, mo, d = machine._civil_from_days(days)
    return (y, mo, d, rest // 3600, rest // 60 % 60, rest % 60)


def parse(argv):
    opts = {"seed": 1, "days": 1.0, "trace": None, "flash": None, "csv": None}
    i = 0
    while i < len(argv):
        key = argv[i][2:]
        if not argv[i].startswith("--") or key not in opts or i + 1 >= len(argv):
            raise SystemExit("safety.py: unknown option %r" % argv[i])
        opts[key] = argv[i + 1]
        i += 2
    opts["seed"] = int(opts["seed"])
    opts["days"] = float(opts["days"])
    return opts


def run(opts):
    setup_path()
    import boardfile
    import host
    import safety_check

    flash = opts["flash"] or "%s/build/safety-flash-%d" % (ROOT, opts["seed"])
    _wipe(flash)
    board_path = ROOT + "/boards/sim.json"
    with open(board_path) as src, open(flash + "/board.json", "w") as dst:
        dst.write(src.read())
    board = boardfile.load(board_path)
    trace = open(opts["trace"], "w") if opts["trace"] else None

    class SafetyHost(host.SimHost):
        def _on_event(self, kind, data):
            if csv_on:
                host.SimHost._on_event(self, kind, data)
            if kind == "step" and data.get("dir", 0) > 0:
                checker.step(self.now_ms())  # (inside the firmware's call: never raises)
            elif kind == "boot":
                checker.power_lost(self.now_ms())  # whatever ran stopped with the reset

        def _start_tasks(self):
            host.SimHost._start_tasks(self)
            old = driver.task
            if old is not None and hasattr(old, "exception") and old.done() and not old.cancelled():
                # CPython: the power cut this task raised was seen (it ended
                # the last boot); say so, or its loop would report it later.
                old.exception()
            driver.task = asyncio.create_task(driver.session())

    csv_on = opts["csv"] is not None
    sim = SafetyHost(board, {"headless": True, "hours": opts["days"] * 24, "wall": WALL0_S,
                             "csv": opts["csv"]})
    w = sim.world
    checker = safety_check.Checker(w.steps_per_ml_num, w.steps_per_ml_den)
    driver = Driver(opts["seed"], checker, trace)
    driver.host = sim
    os.chdir(flash)

    class Sink:
        def write(self, text):
            return len(text)

    def said(line):  # what the firmware prints outside its console (a task's death)
        if "Traceback" in line or "Error" in line or "task died" in line:
            driver.note("firmware: " + line.strip())
            driver.firmware_errors += 1

    def boot(clock, run_for_ms, out):
        import main as firmware_main

        real = firmware_main.build_hardware
        driver.stream = FeedStream()
        driver._partial = ""

        def build(board, en, clock):
            hw = real(board, en, clock)
            hw["console_stream"] = driver.stream
            hw["console_write"] = driver.console_out
            return hw

        firmware_main.build_hardware = build
        return firmware_main.main(clock=clock, run_for_ms=run_for_ms, out=host.TeeOut(Sink(), said))

    sim.run(boot)
    sim.finish()
    driver.note("end")
    if trace is not None:
        trace.close()
    os.chdir(ROOT)
    _wipe(flash, keep=False)
    days = sim.boot_base_ms / 86400000
    return {"seed": opts["seed"], "days": round(days, 3), "boots": sim.boots,
            "steps": checker.steps, "checks": checker.checks,
            "violations": checker.count, "first": driver.reported,
            "actions": driver.counts, "firmware_exit": sim.firmware_code,
            "firmware_errors": driver.firmware_errors,
            "world_violations": w.violations}


def _wipe(path, keep=True):
    """An empty folder at path (the flash of a board just out of the box)."""
    try:
        names = os.listdir(path)
    except OSError:
        names = None
    for name in names or ():
        full = path + "/" + name
        try:
            os.remove(full)
        except OSError:
            _wipe(full, keep=False)
    if names is not None and not keep:
        os.rmdir(path)
    if keep:
        cur = ""
        for part in path.split("/"):
            cur = cur + part + "/" if cur or not part else "/"
            if part:
                try:
                    os.mkdir(cur)
                except OSError:
                    pass


def main():
    result = run(parse(sys.argv[1:]))
    print(json.dumps(result))
    sys.exit(1 if result["violations"] or result["firmware_errors"] else 0)


if __name__ == "__main__":
    main()
