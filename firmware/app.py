# The application: boots the pump's state from flash (config, alarms,
# journal), builds the engine and the facade, and runs the asyncio tasks.
# main.py builds the hardware and calls run(); nothing here touches a pin
# directly except through the drivers main.py made.

import asyncio
import sys

VERSION = "0.2.0"
INTERRUPTED = 130  # run()'s code after Ctrl-C: motor off, the board is the REPL's

# The monitor's beat: battery, alarm reminders, watchdog feeding. Half the
# watchdog timeout, so one late turn never lets it bite; at most 4 s.
_MONITOR_MAX_MS = 4000
_BATTERY_EVERY_MS = 60000


def fatal(message, out):
    """A boot failure: say what is wrong and keep the motor off. Returns a
    non-zero exit code (meaningful on the host)."""
    out.write("PLUNGER FATAL: %s\n" % message)
    return 2


class App:
    def __init__(self, board, hw, clock, out, make_watchdog=None):
        self.make_watchdog = make_watchdog
        self.board = board
        self.hw = hw
        self.clock = clock
        self.out = out
        self.task_error = None
        self.pump = None
        self.console = None
        self.ui = None
        self.buttons = None
        self.motor = None
        self.gate = None
        wdt_ms = board["wdt"]["timeout_ms"]
        self.monitor_ms = min(_MONITOR_MAX_MS, wdt_ms // 2) if wdt_ms else _MONITOR_MAX_MS

    # ---- logging and safety -----------------------------------------------

    def log(self, message):
        if self.console is not None:
            self.console.log("info", message)
        else:
            self.out.write("[%9.1f s] %s\n" % (self.clock.now_ms() / 1000, message))

    def motor_off(self):
        # PIO and RMT keep pulsing without the CPU: stop the pulse source
        # first, then drop EN.
        stepper = self.hw.get("stepper")
        if stepper is not None:
            try:
                stepper.fault()
            except Exception:  # noqa: BLE001 - EN below must still go inactive
                pass
        en = self.hw.get("en")
        if en is not None:
            en.value(1 if self.board["stepper"]["en_active_low"] else 0)

    def on_task_exception(self, loop, context):
        # A dying task is never silent: motor off, a persisted alarm, a report.
        self.motor_off()
        exc = context.get("exception")
        self.task_error = exc
        now = self.clock.now_ms()
        pump = self.pump
        if pump is not None:
            if pump.engine is not None:
                pump.engine.stop_delivery(now, "task_died")
                pump.journal_events(now)
            pump.raise_alarm("task_died", now, repr(exc)[:100])
        self.log("task died: %r" % (exc,))
        if exc is not None:
            sys.print_exception(exc, self.out)

    def _wake_ui(self):
        if self.buttons is not None:
            self.buttons.wake.set()

    def _on_alarm(self, aid, detail):
        if self.console is not None:
            self.console.alarm({"id": aid, "message": detail})
        else:
            self.log("ALARM %s: %s" % (aid, detail))
        self._wake_ui()  # the UI pops the alarm up at once

    # ---- boot: state from flash --------------------------------------------

    def boot_state(self):
        import boot_state

        self.pump, notes = boot_state.load(self.board, self.hw, self.clock, VERSION)
        self.pump.on_alarm = self._on_alarm
        self.pump.on_change = self._wake_ui
        for n in notes:
            self.log(n)
        for n in self.hw.get("boot_notes", ()):
            self.log(n)  # what the reset was, where the time came from (timekeep)
        # Alarms from before the reset, or raised while booting, are said
        # once on the console too (the screen pops them up itself).
        for aid, _pri, detail in self.pump.alarms_mgr.active():
            self.log("ALARM %s: %s" % (aid, detail))

    # ---- tasks ----------------------------------------------------------------

    def build_tasks(self):
        tasks = []
        hw = self.hw
        pump = self.pump
        cfg = pump.cfg
        if hw.get("wdt") is not None:
            from store.watchdog import WatchdogGate

            self.gate = WatchdogGate(hw["wdt"], self.clock.now_ms(),
                                     {"delivery": 5000, "stepper": 5000, "monitor": 5000})
        if hw.get("stepper") is not None:
            from motor_loop import MotorLoop

            self.motor = MotorLoop(pump, hw["stepper"], self.clock, hw.get("occlusion"),
                                   hw.get("endstops"), self.gate, self.log)
            pump.on_ack = self.motor.cleared
            pump.motor = self.motor  # commands wake it; stops and alarms halt it
            tasks.append(self.motor.run())
        if hw.get("buttons") is not None:
            tasks += self._ui_tasks(cfg)
        stream = hw.get("console_stream")
        if stream is None and sys.implementation.name == "micropython":
            from console import stdio

            stream = stdio.stdin_stream()
        if stream is not None:
            tasks.append(self._console_task(stream))
        tasks.append(self.monitor())
        if hw.get("heartbeat") is not None:
            tasks.append(hw["heartbeat"].run())
        return tasks

    def _ui_tasks(self, cfg):
        from drivers.buttons import Buttons
        from ui.controller import UI

        b = self.board["buttons"]
        self.buttons = Buttons(self.hw["buttons"], self.clock, active_low=b["active_low"],
                               irq_in_loop=self.board["platform"] == "sim")
        display = self.hw.get("display")
        if display is None:
            import framebuf

            # No screen fitted: the UI still runs (menus over buttons) into RAM.
            display = framebuf.FrameBuffer(bytearray(1024), 128, 64, framebuf.MONO_VLSB)
        kwargs = {}
        if cfg is not None:
            kwargs = {"bolus_step_mu": cfg["delivery"]["bolus_increment_mu"],
                      "max_bolus_mu": cfg["limits"]["max_bolus_mu"],
                      "max_extended_min": cfg["delivery"]["extended_max_min"]}
        self.ui = UI(display, self.pump, self.clock, buzzer=_PatternBuzzer(self.hw.get("buzzer")),
                     confirm_hold_ms=1500, confirm_required=self._confirm_required,
                     reminders=False, **kwargs)
        return [self.buttons.run(), self.ui.run(self.buttons)]

    def _console_task(self, stream):
        from console.shell import Console

        # self.out is sys.stdout on a board; the simulator passes a tee that
        # watches what the pump says (alarms) on its way to the terminal.
        write = self.hw.get("console_write") or self.out.write
        self.console = Console(self.pump, self.clock.now_ms, write, self._confirm_on_device)
        return self.console.serve(stream)

    def _confirm_required(self):
        # Read from the config in force at every use, as the console's gates
        # do: only an explicit false turns the OK hold off.
        cfg = self.pump.cfg
        ui = cfg.get("ui") if isinstance(cfg, dict) else None
        return not (isinstance(ui, dict) and ui.get("require_button_confirm") is False)

    async def _confirm_on_device(self, prompt, timeout_ms):
        """The console's "press OK on the pump": the same hold-OK screen as a
        delivery started from the buttons. No buttons, no confirmation."""
        ui = self.ui
        if ui is None:
            return False
        answer = []
        screen = ui.request_confirm("Console asks", _wrap(prompt),
                                    lambda *_a: answer.append(True))
        self.buttons.wake.set()
        deadline = self.clock.now_ms() + timeout_ms
        while not answer and self.clock.now_ms() < deadline and screen in ui.stack:
            await self.clock.sleep_ms(50)
        if screen in ui.stack:
            ui.stack.remove(screen)
            self.buttons.wake.set()
        return bool(answer)

    async def monitor(self):
        """Battery, alarm reminders, watchdog feeding."""
        clock = self.clock
        pump = self.pump
        battery = self.hw.get("battery")
        buzzer = _PatternBuzzer(self.hw.get("buzzer"))
        heartbeat = self.hw.get("heartbeat")
        note = self.hw.get("reset_note")
        next_battery = clock.now_ms()
        while True:
            now = clock.now_ms()
            if battery is not None and now >= next_battery:
                next_battery = now + _BATTERY_EVERY_MS
                self._read_battery(now, battery)
            occ = self.hw.get("occlusion")
            if occ is not None:
                pump.occlusion_status = occ.status()["text"]
            if pump.engine is not None:
                self._check_reservoir(now)
            due = pump.alarms_mgr.due(now)
            if due:
                buzzer.pattern(_alarm_sound(due[0][1]))
            if heartbeat is not None:
                heartbeat.set_mode("alarm" if pump.alarms_mgr.active() else "ok")
            if self.gate is not None:
                self.gate.checkin("monitor", now)
                late = self.gate.feed(now)
                if late:
                    self.log("watchdog not fed: late tasks %s" % ",".join(late))
                elif note is not None:
                    # Fed: the time of day goes to the reset note with it, so
                    # a bite one timeout from now still boots knowing it.
                    note.write(wall_s=pump.wall_s())
            await clock.sleep_ms(self.monitor_ms)

    def _check_reservoir(self, now):
        pump = self.pump
        low = pump.engine.status(now).get("reservoir_low")
        if low and not pump.alarms_mgr.is_active("low_reservoir"):
            if not self._low_reservoir_raised:
                pump.raise_alarm("low_reservoir", now, "reservoir below %s mU"
                                 % pump.cfg["reservoir"]["low_alert_mu"])
                self._low_reservoir_raised = True  # once per refill
        elif not low:
            self._low_reservoir_raised = False

    _low_reservoir_raised = False

    def _read_battery(self, now, battery):
        mv = battery.read_mv()
        level = battery.level()
        pump = self.pump
        pump.battery_mv = mv
        lo, hi = self.board["battery"]["empty_mv"], 4200
        pump.battery_pct = max(0, min(100, (mv - lo) * 100 // (hi - lo))) if hi > lo else None
        if level in ("low", "empty") and not pump.alarms_mgr.is_active("low_battery"):
            pump.raise_alarm("low_battery", now, "battery %d mV" % mv)

    async def main(self, run_for_ms):
        asyncio.get_event_loop().set_exception_handler(self.on_task_exception)
        self.log("Plunger %s booting on board %s" % (VERSION, self.board["name"]))
        self.motor_off()
        self.boot_state()
        if self.make_watchdog is not None:
            cfg = self.pump.cfg
            self.make_watchdog(cfg is None or cfg["safety"]["watchdog_enabled"])
        tasks = [asyncio.create_task(c) for c in self.build_tasks()]
        try:
            if run_for_ms is None:
                while True:
                    await self.clock.sleep_ms(3600000)
            elif hasattr(self.clock, "run_until"):
                await self.clock.run_until(self.clock.now_ms() + run_for_ms)
            else:
                await self.clock.sleep_ms(run_for_ms)
        finally:
            for t in tasks:
                t.cancel()
            self.motor_off()
        self.log("stopped")
        return 1 if self.task_error is not None else 0


class _PatternBuzzer:
    """The UI and the monitor speak in alarm names; the buzzer driver plays
    tone patterns. No buzzer fitted: silence, never an error."""

    def __init__(self, buzzer):
        self.buzzer = buzzer

    def pattern(self, name):
        if self.buzzer is None:
            return
        from drivers import buzzer as bz

        tones = {"alarm_high": bz.ALARM, "alarm_medium": bz.ALERT, "alarm_low": bz.CLICK}
        self.buzzer.play(tones.get(name, bz.ALERT))

    def stop(self):
        if self.buzzer is not None:
            self.buzzer.stop()


def _alarm_sound(priority):
    return {3: "alarm_high", 2: "alarm_medium"}.get(priority, "alarm_low")


def _wrap(text, width=16):
    """A console prompt as screen rows, broken between words."""
    from ui.wrap import wrap

    lines = []
    for part in text.split("\n"):
        lines += wrap(part, width, 4)
    return lines[:4]


def run(board, hw, clock, run_for_ms=None, out=None, make_watchdog=None):
    app = App(board, hw, clock, out or sys.stdout, make_watchdog)
    try:
        return asyncio.run(app.main(run_for_ms))
    except KeyboardInterrupt:
        # Ctrl-C hands the board back to the REPL: motor off first.
        app.motor_off()
        app.out.write("interrupted, motor off\n")
        return INTERRUPTED
    finally:
        app.motor_off()
        if sys.implementation.name == "micropython":
            asyncio.new_event_loop()  # a fresh loop for the next soft reset
