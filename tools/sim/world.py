# The physical world around the simulated board (simulator only).
#
# It sees nothing of the firmware but pins and buses, like real hardware:
# STEP rising edges while EN is active move a virtual plunger (direction from
# DIR), the plunger position drives the end-stop switches, a load-cell model
# answers an HX711 read-out on DOUT/SCK, a battery sits behind the ADC divider,
# the OLED model decodes the I2C stream, and buttons are driven by keys or a
# scenario. Faults (occlusion, stall, stuck button, empty) are injected here.
#
# Runs under MicroPython and CPython.

import oled

# Mechanics of the bench build the defaults describe: BD 3 mL syringe
# (57.89 mm2 inner area) on an M8 rod (1.25 mm lead). Volume per microstep is
# lead / (steps per rev) * area.
SYRINGE_AREA_UMM2 = 57890  # inner area in 1/1000 mm2, so the maths stays integer
LEAD_UM = 1250  # lead-screw travel per revolution, micrometres
SYRINGE_ML = 3

# Load cell behind the plunger: the force it shows, and how the blocked line
# stiffens. 8 g per microstep pushed into a blocked line: 0.5 U (217 steps)
# of missed delivery reads about 1.9 kg.
PRELOAD_G = 150
BLOCKED_G_PER_STEP = 8
STALL_G = 15000  # the motor skips steps above this force
HX711_OFFSET = 8000  # raw counts at zero force
HX711_COUNTS_PER_G = 420
HX711_CONVERSION_MS = 13  # 80 samples per second

# Battery: one LiPo cell, behind the board file's divider.
BATTERY_MV = 4000

BUTTONS = ("up", "down", "ok", "back")
RTC_POWER_ON_S = 1609459200  # 2021-01-01T00:00:00Z: an RP2040's RTC after power-on

# Events a firmware-independent observer reports as physical violations.
VIOLATIONS = ("step_while_disabled", "step_past_empty_stop", "step_past_home_stop")


class World:
    def __init__(self, board, now_ms, emit=None):
        """board: a validated board dict (boardfile.validate); now_ms(): the
        simulator's time in ms (continues across reboots); emit(kind, data):
        where events go (CSV, terminal UI); data is a dict."""
        self.board = board
        self.now_ms = now_ms
        self._emit = emit
        st = board["stepper"]
        self.en_active_low = st["en_active_low"]
        self.invert_dir = st["invert_dir"]
        usteps_per_rev = st["full_steps_per_rev"] * st["microsteps"]
        # steps per mL = steps/rev / lead(mm) * 1000 mm3 / area(mm2)
        self.steps_per_ml_num = usteps_per_rev * 1000 * 1000 * 1000
        self.steps_per_ml_den = LEAD_UM * SYRINGE_AREA_UMM2
        self.travel_steps = SYRINGE_ML * self.steps_per_ml_num // self.steps_per_ml_den
        self.roles = {}
        for role, pin in (("step", st["step"]), ("dir", st["dir"]), ("en", st["en"]),
                          ("empty", board["endstops"]["empty"]),
                          ("home", board["endstops"]["home"]),
                          ("buzzer", board["buzzer"]["pin"]),
                          ("hx_dout", board["force_sensor"]["dout"]),
                          ("hx_sck", board["force_sensor"]["sck"]),
                          ("battery", board["battery"]["adc"]),
                          ("diag", board["tmc2209"]["diag"])):
            if pin is not None:
                self.roles[pin] = role
        for name in BUTTONS:
            self.roles[board["buttons"][name]] = "button_" + name
        # Plunger state, all in microsteps from the home (fully retracted) stop.
        self.pos_steps = 0
        self.delivered_steps = 0  # what left the syringe
        self.blocked_steps = 0  # pushed into an occluded line, not delivered yet
        self.steps_total = 0
        self.dir_level = 0
        self.en_level = 1 if self.en_active_low else 0
        self.occluded = False
        self.stalled = False  # the driver stopped responding: steps do nothing
        self.battery_mv = BATTERY_MV
        self.pressed = {}  # button name -> True
        self.stuck = {}
        self.violations = {}
        self.buzzer = (0, 0)
        self.display = None
        kind = board["display"]["kind"]
        if kind in ("ssd1306", "sh1106"):
            self.display = oled.Oled(kind)
        self.display_addr = board["display"]["addr"]
        # RTC: wall seconds at sim time rtc_at_ms, from power-on or a set.
        self.rtc_base_s = RTC_POWER_ON_S
        self.rtc_at_ms = 0
        self.wdt = None
        self.wdt_last_feed_ms = None
        self.on_wdt = None  # called when the firmware starts the watchdog
        self.on_wdt_late = None  # called with late_ms when a feed comes too late
        self.on_timer = None  # the simulator runs machine.Timer callbacks on its clock
        # HX711 read-out state
        self._hx_bit = 0
        self._hx_word = 0
        self._hx_ready_ms = 0
        self._hx_busy = False
        self._hx_dout = None  # DOUT's pin id, found on the first clock pulse

    # ---- bookkeeping -------------------------------------------------------
    def emit(self, kind, **data):
        if self._emit is not None:
            self._emit(kind, data)

    def violation(self, kind, detail=""):
        self.violations[kind] = self.violations.get(kind, 0) + 1
        # Report the first few of each kind; a motor grinding on a stop would
        # otherwise fill the CSV with one line per step.
        if self.violations[kind] <= 3:
            self.emit("violation", what=kind, detail=detail)

    def remaining_ul(self):
        left = self.travel_steps - self.pos_steps
        return (left * 1000 * self.steps_per_ml_den + self.steps_per_ml_num // 2) // self.steps_per_ml_num

    def delivered_ul(self):
        return self.delivered_steps * 1000 * self.steps_per_ml_den // self.steps_per_ml_num

    def force_g(self):
        return PRELOAD_G + self.blocked_steps * BLOCKED_G_PER_STEP

    def en_active(self):
        return self.en_level == (0 if self.en_active_low else 1)

    def state(self):
        return {"pos_steps": self.pos_steps, "travel_steps": self.travel_steps,
                "delivered_steps": self.delivered_steps, "remaining_ul": self.remaining_ul(),
                "force_g": self.force_g(), "en": 1 if self.en_active() else 0,
                "battery_mv": self.battery_mv, "buzzer_hz": self.buzzer[0] if self.buzzer[1] else 0}

    # ---- pins --------------------------------------------------------------
    def _drive(self, role, active):
        """Set an input the world owns, with the board's polarity."""
        import machine

        for pin, r in self.roles.items():
            if r == role:
                low = (self.board["endstops"]["active_low"] if role in ("empty", "home")
                       else self.board["buttons"]["active_low"] if role.startswith("button_")
                       else False)
                machine.drive(pin, (0 if active else 1) if low else (1 if active else 0))

    def _sync_inputs(self):
        self._drive("empty", self.pos_steps >= self.travel_steps)
        self._drive("home", self.pos_steps <= 0)
        for name in BUTTONS:
            self._drive("button_" + name, self.pressed.get(name) or self.stuck.get(name))
        if "hx_dout" in self.roles.values():
            import machine

            for pin, r in self.roles.items():
                if r == "hx_dout" and not self._hx_busy:
                    machine.drive(pin, 0 if self.now_ms() >= self._hx_ready_ms else 1)

    def pin_created(self, pin):
        if pin.id in self.roles:
            self._sync_inputs()

    def pin_read(self, pin_id):
        if self.roles.get(pin_id) == "hx_dout" and not self._hx_busy:
            import machine

            machine.drive(pin_id, 0 if self.now_ms() >= self._hx_ready_ms else 1)

    def pin_written(self, pin_id, v):
        role = self.roles.get(pin_id)
        if role == "step":
            if v:
                self._step()
        elif role == "dir":
            self.dir_level = v
        elif role == "en":
            self.en_level = v
            self.emit("motor", en=1 if self.en_active() else 0)
        elif role == "hx_sck":
            if v:
                self._hx_clock()

    # ---- stepper and plunger -----------------------------------------------
    def _step(self):
        self.steps_total += 1
        push = (self.dir_level == 1) != self.invert_dir
        direction = 1 if push else -1
        if not self.en_active():
            self.violation("step_while_disabled")
            return
        if self.stalled:
            self.emit("step_lost", dir=direction, why="stalled")
            return
        if push:
            if self.pos_steps >= self.travel_steps:
                self.violation("step_past_empty_stop")
                return
            if self.occluded:
                if self.force_g() + BLOCKED_G_PER_STEP > STALL_G:
                    self.emit("step_lost", dir=1, why="stall force")
                    return
                self.blocked_steps += 1
            else:
                self.delivered_steps += 1
            self.pos_steps += 1
        else:
            if self.pos_steps <= 0:
                self.violation("step_past_home_stop")
                return
            if self.blocked_steps:
                self.blocked_steps -= 1  # retracting relieves the pressure first
            self.pos_steps -= 1
        self.emit("step", dir=direction)
        if self.pos_steps in (0, 1, self.travel_steps - 1, self.travel_steps):
            self._sync_inputs()

    def set_occlusion(self, on):
        self.occluded = bool(on)
        if not on and self.blocked_steps:
            # The line opens: the compressed volume leaves at once.
            self.delivered_steps += self.blocked_steps
            self.blocked_steps = 0
        self.emit("fault", what="occlusion" if on else "occlusion_cleared")

    def set_stalled(self, on):
        self.stalled = bool(on)
        self.emit("fault", what="stall" if on else "stall_cleared")

    def fill(self, ul):
        """A new syringe holding ul microlitres, plunger moved to match."""
        ul = max(0, min(SYRINGE_ML * 1000, ul))
        self.pos_steps = self.travel_steps - ul * self.steps_per_ml_num // (1000 * self.steps_per_ml_den)
        self.blocked_steps = 0
        self._sync_inputs()
        self.emit("fault", what="fill", ul=ul)

    # ---- buttons -----------------------------------------------------------
    def press(self, name):
        self.pressed[name] = True
        self._sync_inputs()
        self.emit("button", name=name, down=1)

    def release(self, name):
        self.pressed[name] = False
        self._sync_inputs()
        self.emit("button", name=name, down=0)

    def set_stuck(self, name, on):
        self.stuck[name] = bool(on)
        self._sync_inputs()
        self.emit("fault", what="stuck_" + name if on else "unstuck_" + name)

    # ---- HX711 ---------------------------------------------------------------
    def _hx_clock(self):
        import machine

        dout = self._hx_dout
        if dout is None:
            dout = self._hx_dout = [p for p, r in self.roles.items() if r == "hx_dout"][0]
        if not self._hx_busy:
            if self.now_ms() < self._hx_ready_ms:
                return  # clocking while not ready: the chip ignores it
            raw = HX711_OFFSET + self.force_g() * HX711_COUNTS_PER_G
            self._hx_word = raw & 0xFFFFFF
            self._hx_bit = 0
            self._hx_busy = True
        if self._hx_bit < 24:
            machine.drive(dout, (self._hx_word >> (23 - self._hx_bit)) & 1)
        else:
            # Pulses 25-27 pick the next gain; DOUT goes high until the next
            # conversion is done.
            machine.drive(dout, 1)
            self._hx_ready_ms = self.now_ms() + HX711_CONVERSION_MS
            self._hx_busy = False
        self._hx_bit += 1

    # ---- buses and analogue ----------------------------------------------------
    def i2c_device(self, addr):
        return self.display if self.display is not None and addr == self.display_addr else None

    def i2c_addresses(self):
        return [self.display_addr] if self.display is not None else []

    def uart_device(self, uart_id):
        return None  # no TMC2209 on its UART: reads time out, as with the wire cut

    def adc_mv(self, pin):
        if self.roles.get(pin) != "battery":
            return 0
        b = self.board["battery"]
        return self.battery_mv * b["divider_den"] // b["divider_num"]

    def set_battery(self, mv):
        self.battery_mv = int(mv)
        self.emit("fault", what="battery", mv=self.battery_mv)

    def pwm_changed(self, pin, freq, duty_u16):
        if self.roles.get(pin) != "buzzer":
            return
        new = (freq, duty_u16)
        if (new[0] if new[1] else 0) != (self.buzzer[0] if self.buzzer[1] else 0):
            self.emit("buzzer", hz=freq if duty_u16 else 0)
        self.buzzer = new

    # ---- watchdog ------------------------------------------------------------
    def wdt_started(self, wdt):
        self.wdt = wdt
        self.wdt_last_feed_ms = self.now_ms()
        self.emit("wdt", timeout_ms=wdt.timeout_ms)
        if self.on_wdt is not None:
            self.on_wdt()

    def wdt_fed(self, wdt):
        # A feed after the deadline is too late: the chip has already reset.
        late_ms = self.now_ms() - (self.wdt_last_feed_ms + wdt.timeout_ms)
        if late_ms > 0 and self.on_wdt_late is not None:
            self.on_wdt_late(late_ms)
        self.wdt_last_feed_ms = self.now_ms()

    def timer_started(self, timer):
        if self.on_timer is not None:
            self.on_timer(timer)

    # ---- real-time clock -------------------------------------------------------
    def rtc_wall_s(self):
        return self.rtc_base_s + (self.now_ms() - self.rtc_at_ms) // 1000

    def rtc_set(self, wall_s):
        self.rtc_base_s = int(wall_s)
        self.rtc_at_ms = self.now_ms()
        self.emit("rtc", wall_s=self.rtc_base_s)

    def power_lost(self):
        """No battery behind the RTC: it starts over at power-on."""
        self.rtc_base_s = RTC_POWER_ON_S
        self.rtc_at_ms = self.now_ms()

    def reboot(self):
        """The board starts again (power cut, watchdog, reset): its RAM is
        gone, the mechanics stay where they were."""
        self.wdt = None
        self.wdt_last_feed_ms = None
        # Every GPIO is an input with its pull-down after a reset, until the
        # firmware drives it: DIR reads low (machine.py forgets the levels
        # too, so a first write of 0 is no edge it would report).
        self.dir_level = 0
        self.en_level = 1 if self.en_active_low else 0
        self.buzzer = (0, 0)
        self.pressed = {}  # a scripted press in progress ends with the power
        self._hx_busy = False
        if self.display is not None:
            self.display = oled.Oled(self.display.kind)
