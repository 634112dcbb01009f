# Simulated `machine` module for the host simulator (never flashed).
#
# The simulator puts tools/sim first on sys.path, so the firmware's
# `from machine import Pin, I2C, PWM, ADC, UART, WDT` gets these classes and the
# real boot code runs unchanged. The fakes only record what the firmware does
# to pins and buses; the physics (plunger, end stops, load cell, battery,
# display panel) lives in world.py, which attaches through `attach(world)`.
# Without a world every fake still works, so tests can use them bare.

_world = None  # the World the simulator attached, or None
pins = {}  # pin id -> the last Pin object made for it (simulator and tests look here)
_levels = {}  # pin id -> level; shared, because two Pin objects on one GPIO are one wire


def attach(world):
    """Simulator side: route pin and bus activity to a world model. After a
    soft reset the watchdog is still running, so the world sees it again;
    after a reset that loses the RTC, the world's RTC starts over."""
    global _world
    _world = world
    c = _chip
    if c.lose_rtc:
        c.lose_rtc = False
        world.rtc_base_s = RTC_POWER_ON_S
        world.rtc_at_ms = _now()
    if c.wdt_timeout_ms:
        world.wdt = _RunningWDT(c.wdt_timeout_ms)
        world.wdt_last_feed_ms = c.wdt_fed_ms


class _RunningWDT:
    """What the world sees of a watchdog still running after a soft reset."""

    def __init__(self, timeout_ms):
        self.timeout_ms = timeout_ms
        self.feeds = 0


def detach():
    global _world
    _world = None
    pins.clear()
    _levels.clear()
    del _timers[:]


# ---- Pin ---------------------------------------------------------------------

class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    ALT = 3
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, id, mode=-1, pull=-1, value=None, **kwargs):
        self.id = id
        self.mode = mode
        self.pull = pull
        self._irq = None
        self._trigger = 0
        self.on_change = None  # simulator hook: called with the new value
        if id not in _levels:
            _levels[id] = 1 if pull == Pin.PULL_UP else 0
        pins[id] = self
        if value is not None:
            self.value(value)
        if _world is not None:
            _world.pin_created(self)

    def init(self, mode=-1, pull=-1, value=None, **kwargs):
        if mode != -1:
            self.mode = mode
        if pull != -1:
            self.pull = pull
        if value is not None:
            self.value(value)

    def value(self, v=None):
        if v is None:
            if _world is not None:
                _world.pin_read(self.id)
            return _levels.get(self.id, 0)
        self._set(1 if v else 0, True)

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self._set(1, True)

    def off(self):
        self._set(0, True)

    def high(self):
        self._set(1, True)

    def low(self):
        self._set(0, True)

    def toggle(self):
        self._set(1 - _levels.get(self.id, 0), True)

    def irq(self, handler=None, trigger=IRQ_FALLING | IRQ_RISING, **kwargs):
        self._irq = handler
        self._trigger = trigger

    def _set(self, v, by_firmware):
        old = _levels.get(self.id, 0)
        _levels[self.id] = v
        if old == v:
            return
        if self.on_change is not None:
            self.on_change(v)
        if by_firmware and _world is not None:
            _world.pin_written(self.id, v)
        # An edge fires the IRQ of every Pin object on this GPIO that asked.
        p = pins.get(self.id)
        for obj in (self, p) if p is not self else (self,):
            if obj is not None and obj._irq is not None:
                edge = Pin.IRQ_RISING if v else Pin.IRQ_FALLING
                if obj._trigger & edge:
                    obj._irq(obj)

    def drive(self, v):
        """Simulator side: set an input as the outside world would."""
        self._set(1 if v else 0, False)


def drive(pin_id, v):
    """Simulator side: set a GPIO level from outside, whether or not the
    firmware has made a Pin for it yet."""
    p = pins.get(pin_id)
    if p is None:
        _levels[pin_id] = 1 if v else 0
    else:
        p.drive(v)


def level(pin_id):
    return _levels.get(pin_id)


class Signal:
    def __init__(self, pin, invert=False):
        self._pin = pin
        self._invert = invert

    def value(self, v=None):
        if v is None:
            return self._pin.value() ^ (1 if self._invert else 0)
        self._pin.value((1 if v else 0) ^ (1 if self._invert else 0))

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


def _pin_id(p):
    return p.id if isinstance(p, Pin) else p


# ---- I2C ---------------------------------------------------------------------

class I2C:
    """Records every transfer; a device the world put at an address answers."""

    def __init__(self, id=0, scl=None, sda=None, freq=400000, **kwargs):
        self.id = id
        self.scl = _pin_id(scl)
        self.sda = _pin_id(sda)
        self.freq = freq
        self.writes = 0  # number of write transfers, for tests
        self.bytes_written = 0

    def _device(self, addr):
        dev = _world.i2c_device(addr) if _world is not None else None
        if dev is None:
            raise OSError(19)  # ENODEV, as a port says when nothing acknowledges
        return dev

    def scan(self):
        return _world.i2c_addresses() if _world is not None else []

    def writeto(self, addr, buf, stop=True):
        dev = self._device(addr)
        self.writes += 1
        self.bytes_written += len(buf)
        dev.write(bytes(buf))
        return len(buf)

    def writevto(self, addr, vector, stop=True):
        data = b"".join(bytes(b) for b in vector)
        return self.writeto(addr, data, stop)

    def readfrom(self, addr, nbytes, stop=True):
        return self._device(addr).read(nbytes)

    def readfrom_into(self, addr, buf, stop=True):
        data = self.readfrom(addr, len(buf))
        for i in range(len(buf)):
            buf[i] = data[i]

    def writeto_mem(self, addr, memaddr, buf, addrsize=8):
        self.writeto(addr, bytes([memaddr & 0xFF]) + bytes(buf))

    def readfrom_mem(self, addr, memaddr, nbytes, addrsize=8):
        self.writeto(addr, bytes([memaddr & 0xFF]))
        return self.readfrom(addr, nbytes)

    def readfrom_mem_into(self, addr, memaddr, buf, addrsize=8):
        data = self.readfrom_mem(addr, memaddr, len(buf))
        for i in range(len(buf)):
            buf[i] = data[i]


SoftI2C = I2C


# ---- PWM (buzzer) ------------------------------------------------------------

class PWM:
    def __init__(self, pin, freq=0, duty_u16=0, duty_ns=None, **kwargs):
        self.pin = _pin_id(pin)
        self._freq = 0
        self._duty_u16 = 0
        self.init(freq=freq, duty_u16=duty_u16, duty_ns=duty_ns)

    def init(self, freq=None, duty_u16=None, duty_ns=None, **kwargs):
        if freq is not None:
            self._freq = int(freq)
        if duty_u16 is not None:
            self._duty_u16 = int(duty_u16)
        if duty_ns is not None and self._freq:
            self._duty_u16 = min(65535, int(duty_ns) * self._freq * 65535 // 1000000000)
        self._report()

    def _report(self):
        if _world is not None:
            _world.pwm_changed(self.pin, self._freq, self._duty_u16)

    def freq(self, f=None):
        if f is None:
            return self._freq
        self._freq = int(f)
        self._report()

    def duty_u16(self, d=None):
        if d is None:
            return self._duty_u16
        self._duty_u16 = max(0, min(65535, int(d)))
        self._report()

    def duty_ns(self, ns=None):
        if ns is None:
            return self._duty_u16 * 1000000000 // (65535 * self._freq) if self._freq else 0
        self.init(duty_ns=ns)

    def duty(self, d=None):  # esp32's old 10-bit API
        if d is None:
            return self._duty_u16 >> 6
        self.duty_u16(int(d) << 6)

    def deinit(self):
        self._duty_u16 = 0
        self._report()


# ---- ADC (battery) -----------------------------------------------------------

_ADC_FULL_SCALE_MV = 3300


class ADC:
    ATTN_0DB = 0
    ATTN_2_5DB = 1
    ATTN_6DB = 2
    ATTN_11DB = 3
    WIDTH_12BIT = 3

    def __init__(self, pin, atten=None, **kwargs):
        self.pin = _pin_id(pin)

    def _mv(self):
        return _world.adc_mv(self.pin) if _world is not None else 0

    def read_u16(self):
        mv = max(0, min(_ADC_FULL_SCALE_MV, self._mv()))
        return mv * 65535 // _ADC_FULL_SCALE_MV

    def read_uv(self):
        return max(0, min(_ADC_FULL_SCALE_MV, self._mv())) * 1000

    def read(self):  # esp32's 12-bit API
        return self.read_u16() >> 4

    def atten(self, a):
        pass

    def width(self, w):
        pass


# ---- UART (TMC2209, optional) ------------------------------------------------

class UART:
    """A UART whose far end is whatever the world wires to it (a TMC2209 model
    or nothing: then reads time out and return None, as on a board)."""

    def __init__(self, id, baudrate=9600, **kwargs):
        self.id = id
        self.baudrate = baudrate
        self._rx = bytearray()
        self.written = bytearray()

    def init(self, baudrate=None, **kwargs):
        if baudrate:
            self.baudrate = baudrate

    def write(self, buf):
        buf = bytes(buf)
        self.written.extend(buf)
        dev = _world.uart_device(self.id) if _world is not None else None
        if dev is not None:
            self._rx.extend(dev.write(buf))
        return len(buf)

    def any(self):
        return len(self._rx)

    def read(self, n=-1):
        if not self._rx:
            return None
        if n is None or n < 0:
            n = len(self._rx)
        out = bytes(self._rx[:n])
        self._rx = self._rx[n:]
        return out

    def readinto(self, buf, n=-1):
        data = self.read(len(buf) if n < 0 else n)
        if not data:
            return None
        for i in range(len(data)):
            buf[i] = data[i]
        return len(data)

    def readline(self):
        return self.read()

    def flush(self):
        pass

    def txdone(self):
        return True

    def deinit(self):
        pass


# ---- the chip: what survives which reset ------------------------------------
#
# A board keeps some state outside the Python heap, and each chip keeps a
# different part of it across each kind of reset (checked against the
# MicroPython 1.28 sources, the RP2040 datasheet and ESP-IDF's docs):
#
#   state                    rp2 soft  rp2 wdt/reset()  esp32 soft  esp32 wdt/reset()  power
#   watchdog running         kept      stopped          kept        stopped            stopped
#   watchdog scratch 0-7     kept      kept (*)         -           -                  lost
#   RTC time                 kept      lost (2021-01-01) kept       kept               lost
#   RTC.memory() (esp32)     -         -                kept        lost (**)          lost
#   machine.Timer            stopped   stopped          stopped     stopped            stopped
#   reset_cause()            unchanged WDT_RESET (***)  unchanged   WDT / HARD         PWRON
#
# (*) machine.reset() on rp2 is the SDK's watchdog_reboot(0, ...), which
#     writes 0 into scratch 4; scratch 0-3 are the program's.
# (**) official ESP32 builds keep RTC.memory() in RTC_DATA_ATTR memory,
#     which the boot re-initialises on every reset except a soft reset and
#     a wake from deep sleep (MICROPY_HW_RTC_USER_MEM_NOINIT is off).
# (***) micropython issue 19409: a machine.reset() reads back as WDT_RESET.
# A soft reset (Ctrl-D, mpremote entering the raw REPL) restarts only the
# Python VM: boot.py runs again, main.py only in the friendly REPL.

RP2_WDT_MAX_MS = 8388  # the RP2040 watchdog's longest timeout
WATCHDOG_BASE = 0x40058000  # RP2040 watchdog block: CTRL, LOAD, REASON, SCRATCH0..7
_CTRL_ENABLE = 1 << 30
_RTC_MEMORY_MAX = 2048  # MICROPY_HW_RTC_USER_MEM_MAX on esp32


class _Chip:
    def __init__(self, kind):
        self.kind = kind
        self.wdt_timeout_ms = 0  # 0: the watchdog is not running
        self.wdt_fed_ms = 0
        self.scratch = [0] * 8
        self.reason = 0  # rp2 WATCHDOG.REASON: 1 after the watchdog reset the chip
        self.rtc_memory = b""
        self.cause = PWRON_RESET
        self.lose_rtc = False  # the next attach() starts the RTC over
        self.boots = 0


def set_chip(kind):
    """Simulator/tests: which chip the simulated board behaves like (a fresh
    chip, as after power-up). "rp2" (the default) or "esp32"."""
    global _chip
    if kind not in ("rp2", "esp32"):
        raise ValueError("chip must be rp2 or esp32")
    _chip = _Chip(kind)


def chip():
    return _chip.kind


def _now():
    # The world's time; a world that keeps none (a bench's minimal one): 0.
    f = getattr(_world, "now_ms", None)
    return f() if f is not None else 0


class WDT:
    """The watchdog. Once started it cannot be stopped (there is no deinit)
    and not slowed (a second WDT() feeds the one running); it keeps running
    in the REPL and across a soft reset. The simulator bites when a feed is
    late (host's watcher while a program runs, repl_idle() while none does)."""

    def __init__(self, id=0, timeout=5000):
        timeout = int(timeout)
        if _chip.kind == "rp2" and timeout > RP2_WDT_MAX_MS:
            raise ValueError("timeout exceeds %d" % RP2_WDT_MAX_MS)
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if not _chip.wdt_timeout_ms:
            _chip.wdt_timeout_ms = timeout
        self.timeout_ms = _chip.wdt_timeout_ms
        self.feeds = 0
        _chip.wdt_fed_ms = _now()
        if _world is not None:
            try:
                _world.wdt_started(self)
            except RuntimeError:
                pass  # no event loop runs (the REPL, on CPython): repl_idle() bites

    def feed(self):
        self.feeds += 1
        _chip.wdt_fed_ms = _now()
        if _world is not None:
            _world.wdt_fed(self)


def wdt_running():
    """Simulator/tests: the running watchdog's timeout in ms, 0 if none."""
    return _chip.wdt_timeout_ms


def _bite(late_ms):
    hook = getattr(_world, "on_wdt_late", None) if _world is not None else None
    if hook is not None:
        hook(late_ms)  # the simulator counts it and raises SimReset itself
    raise SimReset(WDT_RESET, "watchdog")


def repl_idle(ms, advance):
    """Simulator/tests: the board sits in the REPL (or anywhere no Python
    program runs) for ms. advance(dt) moves the simulator's clock; timer
    callbacks run when due, as the port's scheduler runs them while the REPL
    waits for input, and an unfed watchdog resets the board at its deadline
    (SimReset(WDT_RESET))."""
    end = _now() + int(ms)
    while True:
        now = _now()
        nxt = end
        for t in _timers:
            nxt = min(nxt, t._next_ms)
        if _chip.wdt_timeout_ms:
            deadline = _chip.wdt_fed_ms + _chip.wdt_timeout_ms
            if deadline < nxt:
                if deadline > now:
                    advance(deadline - now)
                advance(1)
                _bite(1)
        if nxt > now:
            advance(nxt - now)
        if _now() >= end:
            return
        for t in list(_timers):
            if t in _timers and t._next_ms <= _now():
                t._next_ms += t.period_ms
                if t.mode == Timer.ONE_SHOT:
                    t.deinit()
                if t.callback is not None:
                    t.callback(t)


class _Mem32:
    """machine.mem32: on rp2 the watchdog block is modelled (CTRL's enable
    bit, REASON, the eight scratch registers); any other address is an
    error here, as it would be a bus fault or nonsense on the chip."""

    def _index(self, addr):
        if _chip.kind != "rp2":
            raise ValueError("sim: no model of memory at 0x%08x on %s" % (addr, _chip.kind))
        off = addr - WATCHDOG_BASE
        if off in (0, 8) or (0x0C <= off <= 0x28 and off % 4 == 0):
            return off
        raise ValueError("sim: no model of memory at 0x%08x" % addr)

    def __getitem__(self, addr):
        off = self._index(addr)
        if off == 0:
            return _CTRL_ENABLE if _chip.wdt_timeout_ms else 0
        if off == 8:
            return _chip.reason
        return _chip.scratch[(off - 0x0C) // 4]

    def __setitem__(self, addr, value):
        off = self._index(addr)
        if off in (0, 8):
            raise ValueError("sim: writing watchdog CTRL/REASON is not modelled")
        _chip.scratch[(off - 0x0C) // 4] = int(value) & 0xFFFFFFFF


mem32 = _Mem32()


# ---- RTC -----------------------------------------------------------------------

def _days_from_civil(y, m, d):
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def _civil_from_days(z):
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    m = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (m <= 2), m, doy - (153 * mp + 2) // 5 + 1


RTC_POWER_ON_S = 1609459200  # 2021-01-01T00:00:00Z, where an RP2040's RTC starts


class RTC:
    """The board's real-time clock. It runs on the simulator's time and is
    kept by the world, so it survives a watchdog reset but not a power cut
    (then it starts again at 2021-01-01, as an RP2040's does)."""

    def __init__(self, id=0):
        pass

    def datetime(self, dt=None):
        if dt is None:
            t = _world.rtc_wall_s() if _world is not None else RTC_POWER_ON_S
            days, rest = divmod(t, 86400)
            y, mo, d = _civil_from_days(days)
            return (y, mo, d, (days + 3) % 7, rest // 3600, rest // 60 % 60, rest % 60, 0)
        y, mo, d, _wd, h, mi, sec = dt[:7]
        wall_s = _days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec
        if _world is not None:
            _world.rtc_set(wall_s)

    def init(self, dt):
        self.datetime(dt)

    def memory(self, data=None):
        """ESP32 only: a few bytes kept across a soft reset (see the table
        above for what loses them)."""
        if _chip.kind != "esp32":
            raise AttributeError("'RTC' object has no attribute 'memory'")
        if data is None:
            return _chip.rtc_memory
        data = bytes(data)
        if len(data) > _RTC_MEMORY_MAX:
            raise ValueError("buffer too long")
        _chip.rtc_memory = data


# ---- Timer -------------------------------------------------------------------

_timers = []  # running Timer objects; the simulator fires them on its clock


class Timer:
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, id=-1, **kwargs):
        self.id = id
        self.period_ms = 0
        self.mode = Timer.PERIODIC
        self.callback = None
        if kwargs:
            self.init(**kwargs)

    def init(self, mode=PERIODIC, period=-1, freq=-1, callback=None, **kwargs):
        self.mode = mode
        if freq is not None and freq > 0:
            period = max(1, 1000 // int(freq))
        self.period_ms = max(1, int(period))
        self.callback = callback
        self._next_ms = _now() + self.period_ms
        if self not in _timers:
            _timers.append(self)
        if _world is not None:
            try:
                _world.timer_started(self)
            except RuntimeError:
                pass  # no event loop runs (the REPL, on CPython): repl_idle() fires it

    def deinit(self):
        if self in _timers:
            _timers.remove(self)


def timers():
    return _timers


# ---- module functions --------------------------------------------------------

PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5


class SimReset(SystemExit):
    """Raised by reset()/soft_reset() and by the simulator's power cut and
    watchdog. A SystemExit, because asyncio on both runtimes lets that out of
    the loop at once instead of handing it to the exception handler: the boot
    ends there, as on a board. The simulator catches it and boots again."""

    def __init__(self, cause, why=""):
        super().__init__(why)
        self.cause = cause
        self.why = why


_chip = _Chip("rp2")


def reset_cause():
    return _chip.cause


def set_reset_cause(event):
    """Simulator side, at each boot: the board starts again after event
    (PWRON_RESET: power; WDT_RESET: the watchdog bit; HARD_RESET:
    machine.reset(); SOFT_RESET: Ctrl-D or machine.soft_reset()). Applies what
    this chip keeps and loses (the table above) and what reset_cause() will
    say."""
    c = _chip
    c.boots += 1
    del _timers[:]  # every reset, soft ones too, stops the timers
    if event == SOFT_RESET:
        return  # the VM restarts; the hardware (watchdog too) carries on
    c.wdt_timeout_ms = 0
    if event == PWRON_RESET:
        c.scratch = [0] * 8
        c.reason = 0
        c.rtc_memory = b""
        c.cause = PWRON_RESET
        c.lose_rtc = c.boots > 1  # the first power-up: the world's RTC is fresh anyway
        return
    c.rtc_memory = b""
    if c.kind == "rp2":
        c.reason = 1
        c.lose_rtc = True
        c.cause = WDT_RESET  # a machine.reset() too: micropython issue 19409
        if event == HARD_RESET:
            c.scratch[4] = 0  # watchdog_reboot(0, ...) clears the boot vector
    else:
        c.cause = WDT_RESET if event == WDT_RESET else HARD_RESET


def reset():
    raise SimReset(HARD_RESET, "machine.reset()")


def soft_reset():
    raise SimReset(SOFT_RESET, "machine.soft_reset()")


def freq(hz=None):
    return 125000000 if hz is None else None


def unique_id():
    return b"SIMPUMP1"


def idle():
    pass


def disable_irq():
    return 0


def enable_irq(state=0):
    pass


def bootloader():
    pass
