# The pump on the 32-bit measuring stick (runs inside tools/mp32.mjs, the
# MicroPython WebAssembly port; never flashed, never on CPython).
#
#   mp32_pump.py --fw DIR --fakes DIR --flash DIR --wall S MODE [options]
#   MODE pump  --days D [--hours H]     boot + D simulated days of mixed use
#                                       (each H hours long, default 24)
#   MODE basal --start-ms MS [--hours H] H hours (default 24) of basal turns
#                                       at 1 U/h, driven by hand
#   MODE modules --names a,b,c          the heap each module adds
#
# Why it is shaped like this: this port collects garbage only when control
# is back in JavaScript (a gc.collect() inside Python just marks one pending,
# and the heap grows instead). So the work is cut into calls that JavaScript
# makes one after the other (mp32_step); the heap in use at the start of a
# call is what is live after the previous one (an exact figure), and the heap
# in use at the end of a call, before it returns, is that plus everything the
# call allocated (an upper bound of the call's own peak). Results are printed
# as "MP32 key value" lines.

import gc
import io
import os
import sys

_ARGS = {"mode": None}
_argv = sys.argv[1:]
while _argv:
    _a = _argv.pop(0)
    if _a.startswith("--"):
        _ARGS[_a[2:].replace("-", "_")] = _argv.pop(0)
    else:
        _ARGS["mode"] = _a
FW = _ARGS["fw"]
FLASH = _ARGS.get("flash", "/")
WALL0 = int(_ARGS["wall"])
sys.path[:0] = [_ARGS["fakes"], FW]
os.chdir(FLASH)

import asyncio  # noqa: E402  (frozen in the port, like on a board)
from asyncio import core  # noqa: E402

import machine  # noqa: E402  (tools/sim/machine.py: the chip model)


def _no_timer(_dt):
    pass


# The port's scheduler asks JavaScript for a timer on every wake-up; time is
# virtual here and the calls below run the ready tasks themselves.
core._schedule_run_iter = _no_timer
core.new_event_loop()


def out(key, value):
    print("MP32 %s %s" % (key, value))


# ---- a board around the firmware -------------------------------------------

class _Panel:
    """An I2C device that acknowledges every write (the OLED)."""

    def write(self, data):
        pass

    def read(self, n):
        return bytes(n)


class Bench:
    """The hooks tools/sim/machine.py calls when a world is attached: the
    smallest board that lets main.build_hardware() run (a display that
    answers, a charged battery, an RTC on the virtual clock)."""

    def __init__(self, clock):
        self.clock = clock
        self.panel = _Panel()
        self.wall0 = WALL0

    def now_ms(self):
        return self.clock.now_ms()

    def pin_created(self, pin):
        pass

    def pin_read(self, pin_id):
        pass

    def pin_written(self, pin_id, v):
        pass

    def i2c_device(self, addr):
        return self.panel

    def i2c_addresses(self):
        return [60]

    def uart_device(self, uart_id):
        return None

    def adc_mv(self, pin):
        return 2000  # 4.0 V through the 2:1 divider

    def pwm_changed(self, pin, freq, duty):
        pass

    def wdt_started(self, wdt):
        pass

    def wdt_fed(self, wdt):
        pass

    def timer_started(self, timer):
        pass

    def rtc_wall_s(self):
        return self.wall0 + self.clock.now_ms() // 1000

    def rtc_set(self, wall_s):
        self.wall0 = wall_s - self.clock.now_ms() // 1000


class Feed:
    """The console's serial line: the scenario types, the console reads."""

    def __init__(self):
        self.text = ""
        self.ev = asyncio.Event()

    def type(self, line):
        self.text += line + "\r"
        self.ev.set()

    async def read(self, n):
        while not self.text:
            self.ev.clear()
            await self.ev.wait()
        ch = self.text[0]
        self.text = self.text[1:]
        return ch


class Sink(io.IOBase):
    """The serial output: counted and dropped (a terminal far away). An
    io.IOBase, so sys.print_exception() accepts it as a stream."""

    def __init__(self):
        self.lines = 0
        self.died = None
        self.echo = "echo" in _ARGS

    def write(self, text):
        if not isinstance(text, str):
            text = bytes(text).decode()
        if self.echo:
            print(text, end="")
        if "task died" in text and self.died is None:
            self.died = text
        elif self.died is not None and len(self.died) < 2000:
            self.died += text  # the traceback after it
        self.lines += 1
        return len(text)


class StickClock:
    """Virtual time for the stick: now_ms() and sleep_ms() as the firmware's
    clock has them. A sleeping task is parked here (not on an Event, as
    tools/vclock.py does it for any asyncio) and put back on the port's run
    queue when the driver moves time to its wake-up: less work per wake-up
    in the clock, none in the firmware."""

    def __init__(self, start_ms=0):
        self._now = start_ms
        self._waiters = []  # [wake_ms, seq, task], sorted
        self._seq = 0

    def now_ms(self):
        return self._now

    def sleep_ms(self, ms):
        return _Nap(self, self._now + (int(ms) if ms > 0 else 0))

    def _park(self, wake_ms, task):
        self._seq += 1
        w = self._waiters
        i = len(w)
        while i and w[i - 1][0] > wake_ms:
            i -= 1
        w.insert(i, [wake_ms, self._seq, task])
        task.data = self  # Task.cancel() then calls remove(task)

    def remove(self, task):
        w = self._waiters
        for i in range(len(w)):
            if w[i][2] is task:
                del w[i]
                return

    def next_wake_ms(self):
        return self._waiters[0][0] if self._waiters else None

    def wake_due(self):
        w = self._waiters
        q = core._task_queue
        while w and w[0][0] <= self._now:
            task = w.pop(0)[2]
            task.data = None
            q.push(task)


class _Nap:
    # Awaitable: parks the awaiting task on the first step, ends on the next.
    def __init__(self, clock, wake_ms):
        self.clock = clock
        self.wake_ms = wake_ms
        self.parked = False

    def __await__(self):
        return self

    def __iter__(self):
        return self

    def __next__(self):
        if not self.parked:
            self.parked = True
            self.clock._park(self.wake_ms, core.cur_task)
            return None
        raise StopIteration


def run_ready():
    # Every task that can run at this instant runs (virtual time stands still).
    core._run_iter()


# ---- what is measured --------------------------------------------------------

class Meter:
    def __init__(self):
        self.base = None  # heap in use before any firmware module
        self.live_peak = 0  # highest heap in use at a call boundary
        self.live_peak_at = ""
        self.upper_peak = 0  # highest heap in use at the end of a call
        self.upper_peak_at = ""

    def live(self, used, where):
        used -= self.base
        if used > self.live_peak:
            self.live_peak = used
            self.live_peak_at = where
        return used

    def upper(self, used, where):
        used -= self.base
        if used > self.upper_peak:
            self.upper_peak = used
            self.upper_peak_at = where
        return used


M = Meter()
_steps = []  # generator of calls: each next() is one call from JavaScript
_state = {"where": "start"}


def mp32_step():
    """Called by tools/mp32.mjs again and again until it returns False."""
    used = gc.mem_alloc()
    if M.base is None:
        M.base = used
    else:
        M.live(used, _state["where"])
    try:
        more = next(_steps[0])
    except StopIteration:
        more = False
    M.upper(gc.mem_alloc(), _state["where"])
    gc.collect()  # pending: runs when this call returns to JavaScript
    return more is not False


# ---- boot, phase by phase, then the pump running -------------------------------

def _kib(b):
    return "%.1f" % (b / 1024)


def boot_replay():
    """What boot_state.load does before the engine exists, cut into calls:
    config, alarms, then the journal folded a few records per call, so the
    heap at each boundary shows what reading a full journal keeps live."""
    _state["where"] = "replay:modules"
    from delivery import settings
    from store.alarms import AlarmManager
    from store.config import ConfigStore
    from store.fs import DeviceFs
    from store.journal import Journal

    yield True
    fs = DeviceFs("")  # the flash is the root folder, as on a board
    store = ConfigStore(fs, settings.validate, settings.migrate)
    cfg = store.load()
    alarms = AlarmManager(fs)
    alarms.load(0)
    _state["where"] = "replay:journal"
    journal = Journal(fs)
    yield True
    if hasattr(journal, "records"):
        from store.state import JournalState

        fold = JournalState()
        n = 0
        for rec in journal.records():
            fold.add(rec)
            n += 1
            if n % 8 == 0:
                yield True
    else:  # the journal before streaming: everything read at once
        from store.recovery import rebuild

        rep = journal.read()
        n = len(rep.records)
        yield True
        _state["where"] = "replay:rebuild"
        r = rebuild(rep.records, 0, WALL0)
        yield True
        del r
        del rep
    out("journal_records", n)
    del cfg, store, alarms, journal
    _state["where"] = "replay:done"
    yield True


def _forget(keep):
    for name in list(sys.modules):
        if name not in keep:
            del sys.modules[name]


def pump_days(days, seed):
    keep = dict((k, True) for k in sys.modules)
    yield from boot_replay()
    replay_peak = M.live_peak
    out("replay_peak_bytes", replay_peak)
    out("replay_peak_at", M.live_peak_at)
    _forget(keep)  # the real boot loads everything again, as after a reset
    M.live_peak = 0
    M.upper_peak = 0
    yield True
    clock = StickClock(0)
    machine.attach(Bench(clock))
    _state["where"] = "boot"
    import main as fw_main  # main.py stays source, as on a board

    import app
    import boardfile
    from store.fs import DeviceFs

    board = boardfile.load("board.json")
    en = fw_main._disable_motor_early(board)
    hw = fw_main.build_hardware(board, en, clock)
    hw["fs"] = DeviceFs("")
    feed = Feed()
    hw["console_stream"] = feed
    sink = Sink()
    the_app = app.App(board, hw, clock, sink,
                      make_watchdog=lambda on: fw_main.build_watchdog(board, hw, on))
    asyncio.create_task(the_app.main(None))
    run_ready()
    yield True
    _state["where"] = "after boot"
    yield True  # the live figure at this boundary is the heap after boot
    boot_used = M.live(gc.mem_alloc(), "after boot")
    out("boot_used_bytes", boot_used)
    out("boot_upper_bytes", M.upper_peak)
    mods = sorted(k for k in sys.modules if k not in keep)
    out("boot_modules", ",".join(mods))
    pump = the_app.pump
    if sink.died:
        out("error", sink.died.strip())
        return
    # --hours H: each scripted day lasts H hours (the whole day's plan, its
    # times compressed), for short runs that still do everything once.
    day_ms = int(float(_ARGS.get("hours", "24")) * 3600000)
    plan = _day_plan()
    per_day = []
    rnd = seed
    for day in range(days):
        start = day * day_ms
        for at_min, kind, arg in plan:
            at = start + at_min * 60000 * day_ms // 86400000 + rnd % 997
            rnd = (rnd * 1103515245 + 12345) & 0x3FFFFFFF
            for more in _run_to(clock, at):
                yield more
            _state["where"] = "day %d %s" % (day + 1, kind)
            _act(clock, pump, feed, the_app, kind, arg)
            run_ready()
            yield True
        for more in _run_to(clock, start + day_ms):
            yield more
        _state["where"] = "day %d end" % (day + 1)
        yield True
        live = gc.mem_alloc() - M.base
        per_day.append(live)
        out("day_live_bytes", "%d %d" % (day + 1, live))
        if sink.died:
            out("error", sink.died.strip())
            return
    out("peak_live_bytes", M.live_peak)
    out("peak_live_at", M.live_peak_at)
    out("peak_upper_bytes", M.upper_peak)
    out("peak_upper_at", M.upper_peak_at)
    out("output_lines", sink.lines)
    out("instants", _count[0])
    st = pump.status(clock.now_ms())
    out("delivered_24h_mu", st["delivered_24h_mu"])
    out("alarms", ",".join(a["id"] for a in pump.alarms()) or "none")


_CHUNK = 16  # clock advances per call while nothing is scripted
_count = [0]


def _run_to(clock, end_ms):
    n = 0
    while True:
        nxt = clock.next_wake_ms()
        if nxt is None or nxt > end_ms:
            clock._now = end_ms
            return
        if nxt > clock._now:
            clock._now = nxt
        clock.wake_due()
        run_ready()
        n += 1
        _count[0] += 1
        if n % _CHUNK == 0:
            _state["where"] = "running %d ms" % clock._now
            yield True


def _day_plan():
    # (minute of the day, what, argument): every kind of bolus, temp basals,
    # console sessions, walks through the menus.
    return (
        (60, "console", ("status", "history 10", "alarms")),
        (7 * 60, "bolus", (2000, 0, 0)),
        (8 * 60, "menu", ("ok", "down", "down", "ok", "back", "back")),
        (10 * 60, "temp", (120, 150)),
        (12 * 60, "bolus", (1000, 2000, 120)),  # combo
        (13 * 60, "console", ("status", "history since 2h", "config show", "help")),
        (15 * 60, "bolus", (0, 1500, 90)),  # extended
        (16 * 60, "menu", ("down", "ok", "down", "ok", "back", "back", "back")),
        (18 * 60, "temp", (60, 50)),
        (19 * 60, "bolus", (3000, 0, 0)),
        (21 * 60, "console", ("history 50", "status", "board", "version")),
        (22 * 60, "cancel_temp", None),
    )


_BUTTON_PIN = {"up": 10, "down": 11, "ok": 12, "back": 13}


def _act(clock, pump, feed, the_app, kind, arg):
    now = clock.now_ms()
    try:
        if kind == "bolus":
            pump.bolus(now, arg[0], arg[1], arg[2])
        elif kind == "temp":
            pump.temp_basal(now, arg[0], percent=arg[1])
        elif kind == "cancel_temp":
            pump.cancel_temp_basal(now)
        elif kind == "console":
            for line in arg:
                feed.type(line)
        elif kind == "menu":
            # Press and release each button in turn, 200 ms apart.
            t = now
            for name in arg:
                clock._now = t
                machine.drive(_BUTTON_PIN[name], 0)
                run_ready()
                clock._now = t + 100
                machine.drive(_BUTTON_PIN[name], 1)
                run_ready()
                t += 200
        pump.journal_events(clock.now_ms())
    except Exception as e:  # a refused command is part of the day, not a failure
        if getattr(e, "code", None) is None:
            raise


# ---- basal turns by hand, for the allocation per turn -------------------------

class _Clock:
    def __init__(self, t):
        self.t = t

    def now_ms(self):
        return self.t


def basal_day(start_ms):
    _state["where"] = "basal boot"
    import boardfile
    import boot_state
    from store.fs import DeviceFs

    clock = _Clock(start_ms)
    bench = Bench(clock)
    bench.wall0 = WALL0 - start_ms // 1000
    machine.attach(bench)
    board = boardfile.load("board.json")
    hw = {"fs": DeviceFs(""), "rtc": machine.RTC(), "watchdog_reset": False}
    pump, _notes = boot_state.load(board, hw, clock, "bench")
    eng = pump.engine
    rec = pump.recorder
    if eng is None:
        out("error", "no engine (config error)")
        return
    # 1 U/h, from the first turn, as a temp basal would not be: the profile.
    eng.set_profile(clock.t, "bench", [[0, 1000]])
    eng.select_profile(clock.t, "bench")
    pump.journal_events(clock.t)
    yield True
    turns = 0
    alloc = 0
    end = start_ms + int(float(_ARGS.get("hours", "24")) * 3600000)
    _state["where"] = "basal turns"
    while clock.t < end:
        a = gc.mem_alloc()  # nothing is collected inside one call
        for _ in range(200):
            # The motor task's turn, minus the stepper: plan, issue, confirm,
            # journal (basal totals reach the journal once an interval).
            now = clock.t
            direction, steps, _hz, wake = eng.plan(now)
            pump.journal_events(now)
            if steps:
                eng.confirm(now, steps)
                rec.basal_total(now, eng.units.steps_to_mu_up(eng.basal_out))
                pump.journal_events(now)
                turns += 1
            clock.t = wake if wake > now else now + 1
        alloc += gc.mem_alloc() - a
        yield True
    if "parts" in _ARGS:
        # Where a turn allocates: each call alone, on a fresh turn.
        parts = {"plan": 0, "events": 0, "confirm": 0, "basal_total": 0}
        for _ in range(500):
            now = clock.t
            a = gc.mem_alloc()
            direction, steps, _hz, wake = eng.plan(now)
            b = gc.mem_alloc()
            pump.journal_events(now)
            c = gc.mem_alloc()
            if steps:
                eng.confirm(now, steps)
                d = gc.mem_alloc()
                rec.basal_total(now, eng.units.steps_to_mu_up(eng.basal_out))
                e = gc.mem_alloc()
                parts["confirm"] += d - c
                parts["basal_total"] += e - d
            parts["plan"] += b - a
            parts["events"] += c - b
            clock.t = wake if wake > now else now + 1
        out("basal_parts", parts)
    out("basal_turns", turns)
    out("basal_alloc_bytes", alloc)
    out("basal_journal_bytes", pump.journal.bytes_written)


def modules(names):
    """Each module imported in its own call, in the order given: the heap
    it adds (its bytecode, constants and module-level objects, plus what it
    imports that is not loaded yet)."""
    yield True
    for name in names:
        before = gc.mem_alloc()
        __import__(name)
        yield True
        out("module_bytes", "%s %d" % (name, gc.mem_alloc() - before))


mode = _ARGS["mode"]
if mode == "pump":
    _steps.append(pump_days(int(_ARGS.get("days", "1")), int(_ARGS.get("seed", "1"))))
elif mode == "basal":
    _steps.append(basal_day(int(_ARGS["start_ms"])))
elif mode == "modules":
    _steps.append(modules(_ARGS["names"].split(",")))
else:
    raise SystemExit("mp32_pump.py: MODE is pump, basal or modules")
