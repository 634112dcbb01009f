# Fake hardware for driver tests, Adafruit-style: the fakes CHECK the drivers
# the way a real A4988/DRV8825/TMC2209 and a real plunger would, and fail the
# test on anything the hardware would not allow:
#   - a STEP edge while EN is inactive (the driver ignores it: lost steps);
#   - two STEP edges closer than 1 / max_rate_hz (the motor stalls);
#   - a STEP pulse shorter than pulse_us;
#   - a STEP edge less than dir_setup_us after DIR changed;
#   - a step past an end stop (the plunger hits the end: grinding).
# Fault switches inject an occlusion (force rises as the plunger pushes on a
# blocked line), a stall (TMC2209 DIAG), a stuck switch and a driver that
# stops answering on its UART.
#
# Pins speak the same API as tools/sim/machine.Pin (value(), on(), off(),
# irq(), drive()), so drivers see no difference. Runs on both runtimes.


class HardwareViolation(AssertionError):
    pass


class FakePin:
    IN = 0
    OUT = 1
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, name="pin", value=0):
        self.name = name
        self._value = value
        self._stuck = None
        self._irq = None
        self._trigger = 0
        self._watchers = []
        self.writes = 0

    def value(self, v=None):
        if v is None:
            return self._value if self._stuck is None else self._stuck
        self.writes += 1
        self._set(1 if v else 0)

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=IRQ_FALLING | IRQ_RISING, hard=False):
        self._irq = handler
        self._trigger = trigger

    def watch(self, fn):
        """Test side: fn(new_value) runs on every change, before the IRQ."""
        self._watchers.append(fn)

    def drive(self, v):
        """Test side: the outside world sets an input."""
        self._set(1 if v else 0)

    def stick(self, level):
        """Fault switch: the pin reads `level` whatever happens (None frees it)."""
        self._stuck = level

    def _set(self, v):
        old = self._value
        self._value = v
        if old == v or self._stuck is not None:
            return
        for fn in self._watchers:
            fn(v)
        if self._irq is not None:
            edge = self.IRQ_RISING if v else self.IRQ_FALLING
            if self._trigger & edge:
                self._irq(self)


class UsClock:
    """Microsecond time for the observer: the ms clock (real or virtual) plus
    whatever the driver spent in delay_us() within the current ms."""

    def __init__(self, clock):
        self._clock = clock
        self._ms = None
        self._extra_us = 0

    def now_us(self):
        ms = self._clock.now_ms()
        if ms != self._ms:
            self._ms = ms
            self._extra_us = 0
        return ms * 1000 + self._extra_us

    def delay_us(self, us):
        self.now_us()
        self._extra_us += us


class ManualUs:
    """A bare microsecond clock for backends that time pulses in hardware
    (pio_sim's state machine and the fake RMT advance it themselves)."""

    def __init__(self):
        self.t_us = 0

    def now_us(self):
        return self.t_us

    def delay_us(self, us):
        self.t_us += us


def stepper_cfg(**over):
    cfg = {"en_active_low": True, "invert_dir": False, "max_rate_hz": 8000,
           "start_rate_hz": 400, "accel_hz_per_s": 4000, "pulse_us": 3,
           "dir_setup_us": 5, "hold_torque": False}
    cfg.update(over)
    return cfg


class StepperObserver:
    """Watches STEP/DIR/EN like the driver chip and the plunger would.

    position counts microsteps in the delivering direction. The empty switch
    closes when position reaches empty_at; the home switch when it reaches
    home_at. A step beyond either is a violation (the plunger cannot go
    there)."""

    def __init__(self, step, dir, en, cfg, us, empty_pin=None, home_pin=None,
                 position=0, empty_at=None, home_at=None, active_low=True, overtravel=0):
        self.cfg = cfg
        self.us = us
        self.step = step
        self.dir = dir
        self.en = en
        self.position = position
        self.empty_at = empty_at
        self.home_at = home_at
        self.empty_pin = empty_pin
        self.home_pin = home_pin
        self.overtravel = overtravel  # steps the mechanics allow past a switch
        self._on = 0 if active_low else 1
        self.steps = 0  # rising edges seen
        self.net = 0  # +1 / -1 per step
        self.errors = []
        self.step_times_us = []
        self.keep_times = False
        self._last_rise = None
        self._rise_at = None
        self._dir_at = None
        self._min_period_us = 1000000 // cfg["max_rate_hz"]
        step.watch(self._on_step)
        dir.watch(self._on_dir)
        self._update_switches()

    def fail(self, msg):
        self.errors.append(msg)
        raise HardwareViolation(msg)

    def enabled(self):
        en_on = 0 if self.cfg["en_active_low"] else 1
        return self.en.value() == en_on

    def direction(self):
        level = self.dir.value()
        if self.cfg["invert_dir"]:
            level ^= 1
        return 1 if level else -1

    def _on_dir(self, _v):
        if self.step.value():
            self.fail("DIR changed while STEP was high")
        self._dir_at = self.us.now_us()

    def _on_step(self, v):
        now = self.us.now_us()
        if not v:
            if self._rise_at is not None and now - self._rise_at < self.cfg["pulse_us"]:
                self.fail("STEP pulse %d us < pulse_us %d" % (now - self._rise_at, self.cfg["pulse_us"]))
            return
        self._rise_at = now
        if not self.enabled():
            self.fail("STEP edge while EN inactive (step %d)" % self.steps)
        if self._last_rise is not None and now - self._last_rise < self._min_period_us:
            self.fail("STEP edges %d us apart, faster than max_rate_hz %d"
                      % (now - self._last_rise, self.cfg["max_rate_hz"]))
        if self._dir_at is not None and now - self._dir_at < self.cfg["dir_setup_us"]:
            self.fail("STEP %d us after DIR change < dir_setup_us %d"
                      % (now - self._dir_at, self.cfg["dir_setup_us"]))
        self._last_rise = now
        d = self.direction()
        if d > 0 and self.empty_at is not None and self.position >= self.empty_at + self.overtravel:
            self.fail("step past the empty end stop at position %d" % self.position)
        if d < 0 and self.home_at is not None and self.position <= self.home_at - self.overtravel:
            self.fail("step past the home end stop at position %d" % self.position)
        self.position += d
        self.net += d
        self.steps += 1
        if self.keep_times:
            self.step_times_us.append(now)
        self._update_switches()

    def _update_switches(self):
        for pin, at, closed in ((self.empty_pin, self.empty_at, lambda p, a: p >= a),
                                (self.home_pin, self.home_at, lambda p, a: p <= a)):
            if pin is None or at is None:
                continue
            hit = closed(self.position, at)
            pin.drive(self._on if hit else 1 - self._on)


class FakeRMT:
    """esp32.RMT stand-in: write_pulses() is decoded by the documented
    encoding (rmt_check.decode: modes, 1..32767 ticks, idle level after)
    and played onto a FakePin at once, on its own microsecond cursor (it is
    also the observer's clock); the write counts as "in progress" until the
    virtual clock passes its end. Fails on what the real one rejects or
    would block on. `log` keeps every decoded item list when keep_items."""

    def __init__(self, step, clock, resolution_hz=1000000, clock_div=None, idle_level=False):
        import rmt_check

        self._check = rmt_check
        self.step = step
        self.clock = clock
        self.tick_ns = rmt_check.tick_ns(resolution_hz, clock_div)
        self.idle = 1 if idle_level else 0
        self.cursor_ns = 0
        self.busy_until_ns = 0
        self.writes = 0
        self.pulses = 0
        self.keep_items = False
        self.log = []
        self.blocked_us_max = 0

    def now_us(self):
        self.cursor_ns = max(self.cursor_ns, self.clock.now_ms() * 1000000)
        return self.cursor_ns // 1000

    def delay_us(self, us):
        self.now_us()
        self.cursor_ns += us * 1000

    def wait_done(self, timeout=0):
        if timeout > 0:
            return True  # blocking wait: the write ends (cursor already there)
        return self.clock.now_ms() * 1000000 >= self.busy_until_ns

    # write_pulses blocks until a write in flight ends: allowed for this long
    # (the backend queues the next write just before the end), not longer.
    MAX_BLOCK_US = 3000

    def write_pulses(self, duration, data=True):
        if not self.wait_done():
            left_us = (self.busy_until_ns - self.clock.now_ms() * 1000000) // 1000
            if left_us > self.MAX_BLOCK_US:
                raise HardwareViolation("write_pulses %d us before the RMT is free would "
                                        "block the event loop" % left_us)
            self.blocked_us_max = max(self.blocked_us_max, left_us)
            self.cursor_ns = max(self.cursor_ns, self.busy_until_ns)  # back to back
        try:
            items = self._check.decode(duration, data)
        except self._check.RmtEncodingError as e:
            raise HardwareViolation(str(e))
        if self.keep_items:
            self.log.append(items)
        self.now_us()
        for level, ticks in items:
            if level and not self.step.value():
                self.pulses += 1
            self.step.value(level)
            self.cursor_ns += ticks * self.tick_ns
        self.step.value(self.idle)
        self.busy_until_ns = self.cursor_ns
        self.writes += 1


class FakeHX711:
    """Shifts a 24-bit sample out on DOUT as the driver clocks SCK, like the
    chip. counts() supplies the next sample; ready=False holds DOUT high."""

    def __init__(self, dout, sck, counts):
        self.dout = dout
        self.sck = sck
        self.counts = counts
        self.ready = True
        self._bit = -1
        self._word = 0
        self.samples = 0
        dout.drive(0)
        sck.watch(self._on_sck)

    def set_ready(self, ready):
        self.ready = ready
        if self._bit < 0:
            self.dout.drive(0 if ready else 1)

    def _on_sck(self, v):
        if not v:
            return
        if self._bit < 0:
            self._word = self.counts() & 0xFFFFFF
            self._bit = 0
        if self._bit < 24:
            self.dout.drive((self._word >> (23 - self._bit)) & 1)
            self._bit += 1
        else:  # gain pulse ends the conversion; next sample ready at once
            self._bit = -1
            self.samples += 1
            self.dout.drive(0 if self.ready else 1)


class BlockedLine:
    """Force on the plunger: stopper friction plus, once occlude() is called,
    grams_per_step for every step pushed into the blocked line (the line and
    stopper compliance). In HX711 counts: tare_counts + counts_per_g * g."""

    def __init__(self, observer, grams_per_step, friction_g=150, tare_counts=8000,
                 counts_per_g=400, noise_g=0):
        self.obs = observer
        self.grams_per_step = grams_per_step
        self.friction_g = friction_g
        self.tare_counts = tare_counts
        self.counts_per_g = counts_per_g
        self.noise_g = noise_g
        self.occluded_at = None
        self._n = 0

    def occlude(self):
        self.occluded_at = self.obs.position

    def grams(self):
        g = self.friction_g
        if self.occluded_at is not None:
            g += max(0, self.obs.position - self.occluded_at) * self.grams_per_step
        if self.noise_g:
            self._n += 1
            g += self.noise_g if self._n % 2 else -self.noise_g
        return g

    def counts(self):
        return int(self.tare_counts + self.counts_per_g * self.grams())


class FakePWM:
    def __init__(self):
        self._freq = 0
        self._duty = 0
        self.history = []  # (freq, duty_u16) each time either changes

    def freq(self, f=None):
        if f is None:
            return self._freq
        self._freq = f
        self.history.append((self._freq, self._duty))

    def duty_u16(self, d=None):
        if d is None:
            return self._duty
        if not 0 <= d <= 65535:
            raise HardwareViolation("duty_u16 %d out of range" % d)
        self._duty = d
        self.history.append((self._freq, self._duty))


class FakeADC:
    def __init__(self, u16=0):
        self.u16 = u16

    def read_u16(self):
        if not 0 <= self.u16 <= 65535:
            raise HardwareViolation("ADC value out of range")
        return self.u16


class FakeTMCUart:
    """A TMC2209 on a single-wire UART: every byte written is echoed back
    (TX and RX share the wire), then replies to read requests. Registers are
    kept as the chip would; write-only ones read back as 0. responding=False
    is the fault switch for a driver that is unpowered or miswired."""

    WRITE_ONLY = (0x10, 0x11, 0x13, 0x14, 0x22, 0x40, 0x42)

    def __init__(self, addr=0, crc8=None):
        self.addr = addr
        self.regs = {0x00: 0x00000041, 0x02: 0, 0x6C: 0x10000053, 0x06: 0}
        self.responding = True
        self.ignore_writes = False  # fault: reads work, writes do nothing
        self.rx = bytearray()
        self.writes = []
        self._crc8 = crc8

    def write(self, buf):
        buf = bytes(buf)
        if not self.responding:
            return len(buf)
        self.rx.extend(buf)  # single-wire echo
        if len(buf) == 8 and buf[0] & 0x0F == 0x05 and buf[1] == self.addr and buf[2] & 0x80:
            if buf[7] == self._crc8(buf[:7]) and not self.ignore_writes:
                reg = buf[2] & 0x7F
                self.regs[reg] = int.from_bytes(buf[3:7], "big")
                self.regs[0x02] = (self.regs[0x02] + 1) & 0xFF  # IFCNT
                self.writes.append(reg)
        elif len(buf) == 4 and buf[1] == self.addr and buf[3] == self._crc8(buf[:3]):
            reg = buf[2]
            val = 0 if reg in self.WRITE_ONLY else self.regs.get(reg, 0)
            reply = bytes([0x05, 0xFF, reg]) + val.to_bytes(4, "big")
            self.rx.extend(reply + bytes([self._crc8(reply)]))
        return len(buf)

    def any(self):
        return len(self.rx)

    def read(self, n=None):
        if not self.rx:
            return None
        if n is None or n > len(self.rx):
            n = len(self.rx)
        out = bytes(self.rx[:n])
        self.rx = self.rx[n:]
        return out


class VirtualRig:
    """What every stepper test rig shares: run a body in virtual time up to
    end_ms, or start one move and let it finish. Subclasses set self.clock
    (tools/vclock.VirtualClock) and self.st (the stepper under test)."""

    def run(self, body, end_ms):
        import asyncio

        from testkit import run_async

        errors = []

        async def guarded():
            # An assert inside the body fails the test, not just its task.
            try:
                await body()
            except Exception as e:  # noqa: BLE001 - re-raised below
                errors.append(e)

        async def main():
            task = asyncio.create_task(guarded())
            await self.clock.run_until(end_ms)
            task.cancel()
        run_async(main())
        if errors:
            raise errors[0]

    def move_and_wait(self, direction, steps, rate_hz, end_ms):
        async def body():
            self.st.move(direction, steps, rate_hz)
        self.run(body, end_ms)
