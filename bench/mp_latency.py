# Latency under load, in REAL time, under the micropython binary.
# Usage: micropython bench/mp_latency.py SECONDS
#
# One asyncio loop runs, as on the pump:
# - the stepper task: the real delivery Engine with a bolus running, sleeping
#   until each plan's wake_ms (lateness = how late it woke, in ms);
# - the real button driver (drivers/buttons.py) on simulated pins, with a
#   consumer task standing in for the UI (latency = edge -> event received);
# - the display refresh: the real SSD1306 driver drawing a status frame every
#   100 ms onto a fake I2C bus that blocks as long as 400 kHz would;
# - a busy console: formatting and writing a status line every 20 ms.
# Prints `BENCH name value` lines for bench/m_latency.py.
import asyncio
import os
import sys
import time

_here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
if not _here.startswith("/"):
    _here = os.getcwd() + "/" + _here
_root = _here + "/.."
for p in (_root + "/tools", _root + "/firmware", _root + "/tools/sim"):
    sys.path.insert(0, p)  # tools/sim first: its `machine` stands in for the board's

import clock as clock_mod  # noqa: E402
import machine  # noqa: E402
from drivers.buttons import DOWN, Buttons  # noqa: E402

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
loads = {}


class SlowI2C:
    """Blocks like a 400 kHz bus: 9 bit times per byte (busy-wait, as the
    hardware I2C peripheral does on rp2 without DMA)."""

    def __init__(self):
        self.bytes = 0

    def _wait(self, n):
        self.bytes += n
        end = time.ticks_add(time.ticks_us(), n * 9 * 1000000 // 400000)
        while time.ticks_diff(end, time.ticks_us()) > 0:
            pass

    def writeto(self, addr, buf):
        self._wait(len(buf))

    def writevto(self, addr, bufs):
        self._wait(sum(len(b) for b in bufs))


def percentile(values, pct):
    s = sorted(values)
    k = max(0, min(len(s) - 1, -(-pct * len(s) // 100) - 1))
    return s[k]


async def stepper(eng, clk, lateness):
    while True:
        now = clk.now_ms()
        _d, n, _hz, wake = eng.plan(now)
        eng.confirm(now, n)
        delay = wake - now
        t0 = time.ticks_us()
        await clk.sleep_ms(delay)
        lateness.append(time.ticks_diff(time.ticks_us(), t0) / 1000 - delay)


async def presser(pin, edges):
    seed = 12345
    while True:
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        await asyncio.sleep_ms(120 + seed % 150)
        edges.append(time.ticks_us())
        pin.drive(0)  # active low: pressed, then contact bounce for 2 ms
        await asyncio.sleep_ms(1)
        pin.drive(1)
        await asyncio.sleep_ms(1)
        pin.drive(0)
        await asyncio.sleep_ms(60)
        pin.drive(1)


async def ui(buttons, edges, latency):
    while True:
        await buttons.wake.wait()
        buttons.wake.clear()
        while True:
            ev = buttons.get()
            if ev is None:
                break
            if ev[1] == DOWN and edges:
                latency.append(time.ticks_diff(time.ticks_us(), edges[-1]) / 1000)


async def display(disp, frames):
    n = 0
    while True:
        n += 1
        disp.fill(0)
        disp.text("BOLUS %d" % n, 0, 0, 1)
        disp.text("basal 0.80 U/h", 0, 16, 1)
        disp.rect(0, 40, 128, 10, 1)
        disp.fill_rect(0, 40, n % 128, 10, 1)
        await disp.show_async()
        frames[0] += 1
        await asyncio.sleep_ms(100)


async def console(out, lines):
    while True:
        out.write("status delivering basal=%d iob=%d t=%d\n" % (800, lines[0], time.ticks_ms()))
        lines[0] += 1
        await asyncio.sleep_ms(20)


class Sink:
    def write(self, s):
        return len(s)


def build_engine(now_ms):
    from delivery import settings
    from delivery.engine import Engine

    cfg = settings.validate(settings.DEFAULTS)
    eng = Engine(cfg, now_ms)
    eng.set_wall_clock(now_ms, 1767225600)
    eng.bolus(now_ms, 10000)  # 10 U at the default 1.5 U/min: runs about 6.7 min
    eng.pop_events()
    return eng


async def main():
    clk = clock_mod.real_clock()
    lateness, latency, edges, frames, lines = [], [], [], [0], [0]
    pins = {}
    for name, pid in (("up", 10), ("down", 11), ("ok", 12), ("back", 13)):
        pins[name] = machine.Pin(pid, machine.Pin.IN, machine.Pin.PULL_UP)
    buttons = Buttons(pins, clk, active_low=True)
    tasks = [asyncio.create_task(buttons.run()),
             asyncio.create_task(ui(buttons, edges, latency)),
             asyncio.create_task(presser(pins["ok"], edges))]
    try:
        eng = build_engine(clk.now_ms())
        tasks.append(asyncio.create_task(stepper(eng, clk, lateness)))
        loads["stepper"] = "delivery.engine.Engine, 10 U bolus running"
    except ImportError as e:
        loads["stepper"] = "missing: %r" % (e,)
    try:
        from drivers.ssd1306 import SSD1306_I2C

        disp = SSD1306_I2C(128, 64, SlowI2C())
        tasks.append(asyncio.create_task(display(disp, frames)))
        loads["display"] = "drivers.ssd1306 every 100 ms on a 400 kHz-paced fake I2C"
    except ImportError as e:
        loads["display"] = "missing: %r" % (e,)
    tasks.append(asyncio.create_task(console(Sink(), lines)))
    loads["console"] = "stand-in: a formatted status line every 20 ms"
    await asyncio.sleep_ms(int(SECONDS * 1000))
    for t in tasks:
        t.cancel()
    print("BENCH presses", len(edges))
    print("BENCH button_events", len(latency))
    if latency:
        print("BENCH button_p99_ms", percentile(latency, 99))
        print("BENCH button_max_ms", max(latency))
    print("BENCH plans", len(lateness))
    if lateness:
        print("BENCH jitter_p99_ms", percentile(lateness, 99))
        print("BENCH jitter_max_ms", max(lateness))
    print("BENCH frames", frames[0])
    print("BENCH console_lines", lines[0])
    for k in loads:
        print("LOAD", k, loads[k])


asyncio.run(main())
