# The simulator's side of the simulated board (runs inside the firmware's
# process, under MicroPython or CPython; simulator only).
#
# SimHost owns the world model, boots the firmware again after a power cut or
# a watchdog reset, runs the scenario script on the firmware's clock, writes
# the CSV record, talks to the terminal UI over two pipes, and decides the
# exit status. It learns about the firmware only through `machine` and the
# text the firmware prints.

import asyncio
import io
import sys

import machine
import scenario
from alarmtext import alarm_in
import simclock
import world as world_mod

# Exit status of a simulator run, most serious first when several apply.
EXIT_OK = 0  # ran to the end: no alarm, no watchdog reset, no violation
EXIT_FIRMWARE_ERROR = 1  # the firmware returned an error (a task died, an exception)
EXIT_BOOT_FATAL = 2  # the firmware refused to boot (board or config error)
EXIT_ALARM = 3  # the firmware raised at least one alarm
EXIT_WATCHDOG = 4  # the watchdog reset the board at least once
EXIT_VIOLATION = 5  # physics broken: a step while disabled or past an end stop
STOPPED_BY_USER = 130  # the firmware's code after Ctrl-C: motor off, not a failure
SEVERITY = (EXIT_VIOLATION, EXIT_FIRMWARE_ERROR, EXIT_BOOT_FATAL, EXIT_WATCHDOG, EXIT_ALARM)

# A screenshot of a sleeping screen wakes it first (see do()).
SHOT_PRESS_MS = 150
SHOT_DRAW_MS = 850
SHOT_BEFORE_END_MS = SHOT_PRESS_MS + SHOT_DRAW_MS + 500  # --screenshot of a headless run

CSV_HEADER = "t_ms,event,dir,pos_steps,delivered_steps,force_g,detail\n"


class TeeOut(io.IOBase):
    """The firmware's `out`: passes text through and watches it line by line.
    An io.IOBase, so MicroPython's print(file=) and sys.print_exception()
    accept it as a stream (they hand it memoryviews, copied here at once)."""

    def __init__(self, stream, on_line):
        self._stream = stream
        self._on_line = on_line
        self._buf = ""

    def write(self, text):
        if not isinstance(text, str):
            text = bytes(text).decode()
        self._stream.write(text)
        self._buf += text
        while "\n" in self._buf:
            line, self._buf = self._buf.split("\n", 1)
            self._on_line(line)
        return len(text)

    def flush(self):
        pass


class SimHost:
    def __init__(self, board, opts):
        """opts: dict with headless, hours, speed, csv (path or None),
        script (list of actions), console_feed, events, keys (paths or None)."""
        self.opts = opts
        self.boot_base_ms = 0  # sim time when the current boot started
        self.clock = None
        self.alarms = []  # (t_ms, id)
        self.watchdog_resets = 0
        self.boots = 0
        self.firmware_code = 0
        self.actions = list(opts.get("script") or [])
        if opts.get("shot_at") is not None:
            # sim.py --screenshot: the picture of the end, taken just before it
            # while the firmware still runs (and can wake its screen).
            at = int(opts["shot_at"])
            i = len(self.actions)
            while i and self.actions[i - 1][0] > at:
                i -= 1
            self.actions.insert(i, (at, "screenshot", []))
        self._csv = open(opts["csv"], "w") if opts.get("csv") else None
        if self._csv is not None:
            self._csv.write(CSV_HEADER)
        self._events = open(opts["events"], "wb") if opts.get("events") else None
        self._keys = open(opts["keys"], "rb") if opts.get("keys") else None
        self._feed = open(opts["console_feed"], "wb") if opts.get("console_feed") else None
        self._last_frame_count = -1
        self.world = world_mod.World(board, self.now_ms, self._on_event)
        if opts.get("wall") not in (None, "unset"):
            self.world.rtc_base_s = int(opts["wall"])  # a host set the clock before boot
        self.world.on_timer = self._timer_started
        self.world.on_wdt = self._wdt_started
        self.world.on_wdt_late = self._wdt_reset
        self._pending_timers = []
        self._started = False
        self.next_cause = machine.PWRON_RESET  # of the next boot run() starts
        # The modules loaded before the firmware's: a reboot keeps only these.
        self._keep = dict((name, True) for name in sys.modules)

    # ---- time and records ----------------------------------------------------
    def now_ms(self):
        return self.boot_base_ms + (self.clock.now_ms() if self.clock is not None else 0)

    def _on_event(self, kind, data):
        w = self.world
        if self._csv is not None:
            detail = " ".join("%s=%s" % (k, data[k]) for k in sorted(data) if k != "dir")
            self._csv.write("%d,%s,%s,%d,%d,%d,%s\n" % (
                self.now_ms(), kind, data.get("dir", ""), w.pos_steps, w.delivered_steps,
                w.force_g(), detail))
        if kind != "step" and self._events is not None:
            self._send("E %d %s %s" % (self.now_ms(), kind,
                                        " ".join("%s=%s" % (k, data[k]) for k in sorted(data))))

    def _send(self, line):
        try:
            self._events.write((line + "\n").encode())
        except OSError:  # the terminal UI went away: keep the pump running
            self._events = None

    def on_output_line(self, line):
        a = alarm_in(line)
        if a is not None:
            self.alarms.append((self.now_ms(), a))
            self._on_event("alarm", {"id": a})

    # ---- tasks started inside the firmware's loop ---------------------------------
    def _start_tasks(self):
        self._started = True
        if getattr(self.clock, "hooked", None) is not None and self.clock.hooked():
            self.clock.before_jump = self._wdt_before_jump
        elif self.world.wdt is not None:
            asyncio.create_task(self._watchdog())
        if self.actions:
            asyncio.create_task(self._scenario())
        for t in self._pending_timers:
            asyncio.create_task(self._timer(t))
        self._pending_timers = []
        if not self.opts.get("headless") and (self._events is not None or self._keys is not None):
            asyncio.create_task(self._ui_link())

    def _wdt_started(self):
        if self._started and self.clock.before_jump is None:
            asyncio.create_task(self._watchdog())
        # else: _start_tasks sees world.wdt and starts the watcher

    def _timer_started(self, timer):
        if self._started:
            asyncio.create_task(self._timer(timer))
        else:
            self._pending_timers.append(timer)

    async def _timer(self, t):
        while t in machine.timers():
            await self.clock.sleep_ms(t.period_ms)
            if t in machine.timers() and t.callback is not None:
                if t.mode == machine.Timer.ONE_SHOT:
                    t.deinit()
                t.callback(t)

    async def _watchdog(self):
        # A WDT cannot be stopped once started; a feed later than its timeout
        # resets the board, here as on the chip.
        w = self.world
        while True:
            late_ms = self.now_ms() - (w.wdt_last_feed_ms + w.wdt.timeout_ms)
            if late_ms > 0:
                self._wdt_reset(late_ms)
            await self.clock.sleep_ms(1 - late_ms)

    def _wdt_before_jump(self, target_ms):
        # Virtual time is about to jump to target_ms: a watchdog whose
        # deadline falls on the way resets the board there, 1 ms late.
        w = self.world
        if w.wdt is None:
            return
        deadline = w.wdt_last_feed_ms + w.wdt.timeout_ms - self.boot_base_ms
        if target_ms > deadline:
            self.clock.stall(deadline + 1 - self.clock.now_ms())
            self._wdt_reset(1)

    def _wdt_reset(self, late_ms):
        self.watchdog_resets += 1
        self._on_event("wdt_reset", {"late_ms": late_ms})
        raise machine.SimReset(machine.WDT_RESET, "watchdog")

    async def _scenario(self):
        while self.actions:
            t_ms, verb, args = self.actions[0]
            wait = t_ms - self.now_ms()
            if wait > 0:
                await self.clock.sleep_ms(wait)
                continue
            self.actions.pop(0)
            await self.do(verb, args)

    async def do(self, verb, args):
        """Carry out one scenario action (also used for keys from the UI)."""
        w = self.world
        self._on_event("action", {"do": verb + ("_" + str(args[0]) if args and verb != "console" else "")})
        if verb == "console":
            if self._feed is None:
                print("sim: no console feed; cannot type %r" % args[0])
            else:
                self._feed.write((args[0] + "\r\n").encode())
        elif verb == "press":
            w.press(args[0])
            asyncio.create_task(self._release_later(args[0], args[1]))
        elif verb == "battery":
            w.set_battery(args[0])
        elif verb == "fill":
            w.fill(args[0])
        elif verb == "screenshot":
            d = w.display
            if d is not None and not d.on:
                # A sleeping screen is dark: wake it as a person would, with
                # a short Back press (a first press only wakes it; the
                # firmware swallows it), and give it time to draw.
                w.press("back")
                await self.clock.sleep_ms(SHOT_PRESS_MS)
                w.release("back")
                await self.clock.sleep_ms(SHOT_DRAW_MS)
            self.send_frame(force=True)
            if self._events is not None:
                self._send("S")
        elif verb == "fault":
            kind = args[0]
            if kind in ("occlusion", "occlusion_clear"):
                w.set_occlusion(kind == "occlusion")
            elif kind in ("stall", "stall_clear"):
                w.set_stalled(kind == "stall")
            elif kind == "empty":
                w.fill(0)
            elif kind in ("stuck", "unstuck"):
                w.set_stuck(args[1], kind == "stuck")
            elif kind == "hang":
                # The CPU is stuck: time passes, nobody runs. A running
                # watchdog bites at its deadline, in the middle of the hang.
                ms = args[1]
                if w.wdt is not None:
                    left = w.wdt_last_feed_ms + w.wdt.timeout_ms - self.now_ms()
                    if ms > left:
                        self.clock.stall(max(0, left) + 1)
                        self._wdt_reset(1)
                self.clock.stall(ms)
            elif kind == "power_cut":
                self.off_ms = args[1]
                raise machine.SimReset(machine.PWRON_RESET, "power cut")

    async def _release_later(self, name, ms):
        await self.clock.sleep_ms(ms)
        self.world.release(name)

    # ---- terminal UI link -------------------------------------------------------
    def send_frame(self, force=False):
        d = self.world.display
        if self._events is None or d is None:
            return
        if force or d.data_bytes != self._last_frame_count:
            self._last_frame_count = d.data_bytes
            self._send("F " + "".join("%02x" % b for b in d.frame()))

    def send_state(self):
        s = self.world.state()
        self._send("T %d %d %d %d %d %d %d %d %d" % (
            self.now_ms(), s["pos_steps"], s["travel_steps"], s["delivered_steps"],
            s["remaining_ul"], s["force_g"], s["en"], s["battery_mv"], s["buzzer_hz"]))

    async def _ui_link(self):
        import select

        poll = None
        if self._keys is not None:
            poll = select.poll()
            poll.register(self._keys, select.POLLIN)
        while True:
            if self._events is not None:
                self.send_frame()
                self.send_state()
            while poll is not None and poll.poll(0):
                line = self._keys.readline()
                if not line:
                    poll = None
                    break
                words = line.decode().strip()
                if words:
                    try:
                        acts = scenario.parse("00:00:00 " + words, "key")
                    except scenario.ScenarioError as e:
                        print("sim: %s" % e)
                        continue
                    for _, verb, args in acts:
                        await self.do(verb, args)
            # Real time on purpose: the UI refreshes at 10 Hz whatever --speed is.
            await asyncio.sleep_ms(100)

    # ---- boot loop --------------------------------------------------------------
    def run(self, boot):
        """boot(clock, run_for_ms, out) runs the firmware once and returns its
        exit code. Boots again after power cuts and watchdog resets until the
        run time is used up. Returns the simulator's exit status."""
        hours = self.opts.get("hours")
        end_ms = None if hours is None else int(hours * 3600000)
        cause = self.next_cause
        keep = self._keep
        forget_modules(keep)  # a soft reboot after the REPL starts from the files too
        while True:
            machine.detach()
            machine.set_reset_cause(cause)
            self.world.reboot()
            machine.attach(self.world)
            self._started = False
            self._pending_timers = []
            self.off_ms = 0
            if self.opts.get("headless"):
                self.clock = simclock.VirtualSimClock(self._start_tasks)
            else:
                self.clock = simclock.ScaledClock(self.opts.get("speed") or 1, self._start_tasks)
            self.boots += 1
            self._on_event("boot", {"cause": cause})
            left = None if end_ms is None else max(0, end_ms - self.boot_base_ms)
            out = TeeOut(sys.stdout, self.on_output_line)
            try:
                self.firmware_code = boot(self.clock, left, out) or 0
                break
            except machine.SimReset as e:
                cause = e.cause
                self._on_event("reset", {"why": e.why.replace(" ", "_")})
                self.boot_base_ms += self.clock.now_ms() + self.off_ms
                if cause == machine.PWRON_RESET:
                    self.world.power_lost()
                forget_modules(keep)
                if end_ms is not None and self.boot_base_ms >= end_ms:
                    self.clock = None  # its time is in boot_base_ms already
                    break
        self.stopped()
        return self.status()

    def stopped(self):
        """The boot ended (returned, or interrupted by Ctrl-C): the board's
        time so far goes into boot_base_ms, where the next boot continues."""
        if self.clock is not None:
            self.boot_base_ms += self.clock.now_ms()
            self.clock = None

    def finish(self):
        """The simulator stops: the last frame and state, the CSV closed."""
        self._on_event("end", {"boots": self.boots})
        if self._events is not None:
            self.send_frame(force=True)
            self.send_state()
        if self._csv is not None:
            self._csv.close()
            self._csv = None

    def keys_stream(self):
        return self._keys

    def status(self):
        found = []
        if sum(self.world.violations.get(v, 0) for v in world_mod.VIOLATIONS):
            found.append(EXIT_VIOLATION)
        if self.firmware_code == 2:
            found.append(EXIT_BOOT_FATAL)
        elif self.firmware_code and self.firmware_code != STOPPED_BY_USER:
            found.append(EXIT_FIRMWARE_ERROR)
        if self.watchdog_resets:
            found.append(EXIT_WATCHDOG)
        if self.alarms:
            found.append(EXIT_ALARM)
        for code in SEVERITY:
            if code in found:
                return code
        return EXIT_OK


def forget_modules(keep):
    """A reboot wipes RAM: drop every module imported since the simulator
    started (the firmware's), so the next boot starts from the files again."""
    for name in list(sys.modules):
        if name not in keep:
            del sys.modules[name]
