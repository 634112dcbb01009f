# The UI task: one owner of the screen, fed by button events and a ticker.
#
# It keeps a stack of open screens (empty = the status screen), closes menus
# left alone, turns the display off when idle, pops up new alarms with a
# buzzer pattern by priority and repeats it as a reminder until the alarm is
# acknowledged. It never touches the motor: every command goes through the
# pump facade it is given.
#
# Pump facade (the app implements it over Engine + alarms + journal):
#   status(now_ms) -> Engine.status() dict, plus "wall_s" and "battery_pct"
#   preview_bolus(now_ms, now_mu, extended_mu, duration_min) -> dict
#   bolus(now_ms, now_mu, extended_mu, duration_min) -> dict
#   cancel_bolus(now_ms); cancel_temp_basal(now_ms)
#   temp_basal(now_ms, duration_min, percent=None, rate_mu_per_h=None)
#   suspend(now_ms); resume(now_ms); prime(now_ms, amount_mu); rewind(now_ms)
#   select_profile(now_ms, name); profiles() -> [name]
#   calculate_bolus(now_ms, carbs_g, bg_mg_dl or None) -> {"suggested_mu", ...}
#   alarms() -> [{"id", "priority": "high"|"medium"|"low" (or 3|2|1), "text", "acked"}]
#   ack_alarm(id); history(n) -> [{"kind", "text"?, "amount_mu"?, "wall_s"?}]
#   settings() -> [(label, value_text)]
#   button_stuck(now_ms, name)   (optional: raise the button_stuck alarm)
# A refused command raises an exception with .code (delivery.errors.Rejected);
# the UI shows it and changes nothing.

import asyncio

from ui import menus
from ui.screens import Confirm, Message
from ui.status import draw_status, priority_name, rank

# Reminder interval until an alarm is acknowledged, by priority.
_REMIND_MS = {"high": 60000, "medium": 180000, "low": 600000}


class UI:
    def __init__(self, display, pump, clock, buzzer=None, confirm_hold_ms=1500,
                 menu_timeout_ms=30000, screen_off_ms=60000, refresh_ms=1000,
                 idle_check_ms=10000, bolus_step_mu=100, max_bolus_mu=25000,
                 rate_step_mu_per_h=50, max_rate_mu_per_h=35000, max_temp_percent=250,
                 max_temp_min=1440, max_extended_min=720, max_prime_mu=5000, history_len=20,
                 reminders=True, confirm_required=None, result_ms=4000, wake_hint_ms=3000):
        self.fb = display  # any MONO_VLSB 128x64 framebuf; show*/poweron/off if a display
        self.pump = pump
        self.clock = clock
        self.buzzer = buzzer
        self.hold_ms = confirm_hold_ms or 1500
        # Read at every use, so `ui.require_button_confirm` counts the moment
        # it changes (confirm_required() -> bool; a constant when not given).
        self.confirm_required = confirm_required or (lambda: confirm_hold_ms != 0)
        self.menu_timeout_ms = menu_timeout_ms
        self.screen_off_ms = screen_off_ms
        self.refresh_ms = refresh_ms
        self.idle_check_ms = idle_check_ms
        self.bolus_step_mu = bolus_step_mu
        self.max_bolus_mu = max_bolus_mu
        self.rate_step_mu_per_h = rate_step_mu_per_h
        self.max_rate_mu_per_h = max_rate_mu_per_h
        self.max_temp_percent = max_temp_percent
        self.max_temp_min = max_temp_min
        self.max_extended_min = max_extended_min
        self.max_prime_mu = max_prime_mu
        self.history_len = history_len
        # False when the app already repeats alarm sounds (AlarmManager.due()).
        self.reminders = reminders
        self.stack = []
        self.screen_on = True
        self.last_input_ms = clock.now_ms()
        self._now_ms = self.last_input_ms
        self._swallow = None  # the button that woke the screen: its press does nothing else
        self._announced = {}  # unacked alarm id -> when it last sounded
        self._alarms = []
        self._wake = None
        self.result_ms = result_ms  # a command's result closes by itself after this
        self.wake_hint_ms = wake_hint_ms
        self._woke_ms = None  # when a press woke the screen (and did nothing else)

    @property
    def confirm_hold_ms(self):
        """How long OK must be held to deliver; 0 = confirmation off ("NC")."""
        return self.hold_ms if self.confirm_required() else 0

    # -- stack ----------------------------------------------------------------
    def push(self, screen):
        self.stack.append(screen)

    def pop(self):
        if self.stack:
            self.stack.pop()

    def home(self):
        self.stack = []

    def top(self):
        return self.stack[-1] if self.stack else None

    def status_now(self):
        return self.pump.status(self._now_ms)

    # -- helpers used by menus ---------------------------------------------------
    def confirm(self, title, lines, on_confirm, hold=True):
        self.push(Confirm(title, lines, on_confirm, None if hold else 0))

    def request_confirm(self, title, lines, on_confirm):
        """A delivery asked for from elsewhere (the console): screen on, the
        hold-OK screen on top with a full menu timeout. Returns the screen,
        so the caller can withdraw it when its own wait ends."""
        now = self.clock.now_ms()
        # Alarms waiting to pop up go first, under the question, so a popup
        # can never land on top of it and take the OK press meant for it.
        self._poll_alarms(now)
        if not self.screen_on:
            self._screen(True)
        self._swallow = None  # the next press answers; it does not just wake the screen
        self.last_input_ms = now
        self.confirm(title, lines, on_confirm)
        return self.top()

    def command(self, title, fn, *args, **kwargs):
        """Run one facade command; show what happened, or why not."""
        try:
            result = fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - a refusal is shown, never lost
            self.show_error(e)
            return None
        self.home()
        # It says what started, then gives way to the status screen, whose
        # progress bar tells what is still running.
        self.push(Message(title, _result_lines(result), self._now_ms + self.result_ms))
        return result

    def show_error(self, e):
        from ui.wrap import wrap

        code = getattr(e, "code", None)
        text = str(e) or repr(e)
        self.home()
        self.push(Message("Not done", [code or "Error"] + wrap(text, 16, 4)))

    def ack(self, alarm_id, now_ms):
        self.pump.ack_alarm(alarm_id)
        self._poll_alarms(now_ms)

    # -- input -------------------------------------------------------------------
    def handle(self, button, kind, now_ms):
        """One button event from drivers/buttons.py."""
        self._now_ms = now_ms
        self.last_input_ms = now_ms
        if kind == "stuck":
            report = getattr(self.pump, "button_stuck", None)
            if report is not None:
                report(now_ms, button)
        if not self.screen_on:
            if kind == "down":
                self._screen(True)
                self._swallow = button
                self._woke_ms = now_ms  # say so: this press only woke it
            return
        if kind == "down":
            self._woke_ms = None
        if self._swallow == button:
            if kind in ("short", "up"):
                self._swallow = None
            return
        top = self.top()
        if top is not None:
            top.key(self, button, kind, now_ms)
        elif kind == "short" and button == "ok":
            self.push(menus.main_menu(self))
        elif kind == "short" and button == "back":
            self._popup_top_alarm()

    # -- time ----------------------------------------------------------------------
    def tick(self, now_ms):
        self._now_ms = now_ms
        self._poll_alarms(now_ms)
        top = self.top()
        if top is not None:
            top.tick(self, now_ms)
            if now_ms - self.last_input_ms >= self.menu_timeout_ms and self.top() is top:
                self.home()  # left alone: back to the status screen
        elif (self.screen_on and not self._announced
              and now_ms - self.last_input_ms >= self.screen_off_ms):
            self._screen(False)

    def tick_ms(self):
        """How long the ticker may sleep before the next tick()."""
        if not self.screen_on:
            return self.idle_check_ms
        top = self.top()
        want = top.tick_ms() if top is not None else None
        if want:
            return want
        if self._woke_ms is not None:
            return self.refresh_ms  # the wake hint goes away
        if top is None and not self._moving:
            # The status screen only changes with the minute shown in its
            # clock (commands and alarms wake the UI themselves): redraw at
            # the next whole minute, not every second.
            return 60000 - self._now_ms % 60000
        return self.refresh_ms

    def _screen(self, on):
        self.screen_on = on
        fn = getattr(self.fb, "poweron" if on else "poweroff", None)
        if fn is not None:
            fn()

    # -- alarms --------------------------------------------------------------------
    def _poll_alarms(self, now_ms):
        self._alarms = self.pump.alarms()
        unacked = {}
        for a in self._alarms:
            if not a.get("acked"):
                unacked[a["id"]] = a
        for aid in list(self._announced):
            if aid not in unacked:
                del self._announced[aid]
        new = []
        for aid, a in unacked.items():
            last = self._announced.get(aid)
            if last is None:
                self._announced[aid] = now_ms
                new.append(a)
            elif self.reminders and now_ms - last >= _REMIND_MS[priority_name(a)]:
                self._announced[aid] = now_ms
                self._sound(a)
        if new:
            if not self.screen_on:
                self._screen(True)
            # Lowest first, so the most urgent lands on top; popups already
            # up join the order, and the highest-priority one is on screen.
            new.sort(key=rank)
            for a in new:
                self.push(menus.AlarmScreen(a))
            self._order_popups()
            self._sound(new[-1])
            self.last_input_ms = now_ms  # the popup gets a full timeout
        if not unacked and self.buzzer is not None and self._sounding:
            self.buzzer.stop()
            self._sounding = False

    _sounding = False

    def _order_popups(self):
        """The alarm popups at the top of the stack, sorted so the highest
        priority is the one shown (stable: equal ones keep their order)."""
        st = self.stack
        i = len(st)
        while i and isinstance(st[i - 1], menus.AlarmScreen):
            i -= 1
        run = st[i:]
        run.sort(key=lambda scr: rank(scr.alarm))
        st[i:] = run

    def _sound(self, alarm):
        if self.buzzer is not None:
            self.buzzer.pattern("alarm_" + priority_name(alarm))
            self._sounding = True

    def _popup_top_alarm(self):
        top = None
        for a in self._alarms:
            if not a.get("acked") and (top is None or rank(a) > rank(top)):
                top = a
        if top is not None:
            self.push(menus.AlarmScreen(top))

    # -- drawing -------------------------------------------------------------------
    def render(self, now_ms):
        """Draw the current screen into the framebuf; False if the screen is off."""
        if not self.screen_on:
            return False
        self._now_ms = now_ms
        top = self.top()
        if top is not None:
            top.draw(self.fb, self, now_ms)
        else:
            st = self.pump.status(now_ms)
            self._moving = st.get("bolus") is not None
            draw_status(self.fb, st, self._alarms, self.confirm_hold_ms == 0)
        if self._woke_ms is not None:
            if now_ms - self._woke_ms < self.wake_hint_ms:
                _woke_hint(self.fb)
            else:
                self._woke_ms = None
        return True

    _moving = False  # a bolus runs: its progress bar wants refresh_ms

    def frame_changed(self):
        """True if the framebuffer differs from the last frame sent; a
        display with no `buffer` is always sent. Skipping unchanged frames
        saves a 25 ms I2C transfer per refresh on a board."""
        buf = getattr(self.fb, "buffer", None)
        if buf is None:
            return True
        last = self._last_frame
        if last is None or len(last) != len(buf):
            self._last_frame = bytearray(buf)
            return True
        if last == buf:
            return False
        last[:] = buf
        return True

    _last_frame = None

    # -- the task ------------------------------------------------------------------
    async def run(self, buttons):
        """The UI task. Shares the buttons' wake Event with its own ticker, so
        it sleeps until a button event or the next tick is due."""
        self._wake = buttons.wake
        self._wake.set()  # draw the first frame now, not at the first tick
        ticker = asyncio.create_task(self._ticker())
        show = getattr(self.fb, "show_async", None)
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                interval = self.tick_ms()
                now = self.clock.now_ms()
                while True:
                    ev = buttons.get()
                    if ev is None:
                        break
                    self.handle(ev[0], ev[1], now)
                self.tick(now)
                if self.render(now) and show is not None and self.frame_changed():
                    await show()
                if self.tick_ms() < interval:
                    # A faster cadence is needed now (screen woke, hold started).
                    ticker.cancel()
                    ticker = asyncio.create_task(self._ticker())
        finally:
            ticker.cancel()

    async def _ticker(self):
        while True:
            await self.clock.sleep_ms(self.tick_ms())
            self._wake.set()


def _woke_hint(fb):
    # The press that woke the screen did nothing else: say so where it shows.
    fb.fill_rect(0, 40, 128, 24, 1)
    fb.text("Screen was off:", 0, 44, 0)
    fb.text("press again", 0, 54, 0)


def _result_lines(result):
    if not isinstance(result, dict):
        return ["Done"]
    from ui.fmt import units

    lines = []
    for key in ("now_mu", "extended_mu", "delivered_mu", "cancelled_mu", "amount_mu"):
        v = result.get(key)
        if v:
            lines.append("%s %sU" % (key[:-3].replace("_", " "), units(v)))
    return lines or ["Done"]

