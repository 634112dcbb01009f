# plunger-test: both
# The UI task end to end in virtual time: IRQ pins -> Buttons -> UI.run ->
# pump facade and display, and an idle UI that sleeps instead of spinning.
import asyncio

import framebuf
from drivers.buttons import Buttons
from screenshot import FakeBuzzer, FakePump
from testkit import run_async
from ui.controller import UI
from vclock import VirtualClock

from test_buttons import IrqPin


class CountingDisplay(framebuf.FrameBuffer):
    def __init__(self):
        self.buffer = bytearray(1024)
        super().__init__(self.buffer, 128, 64, framebuf.MONO_VLSB)
        self.frames = 0
        self.power = []

    async def show_async(self):
        self.frames += 1
        await asyncio.sleep_ms(0)

    def poweron(self):
        self.power.append(1)

    def poweroff(self):
        self.power.append(0)


def make(clock):
    pins = {"up": IrqPin(), "down": IrqPin(), "ok": IrqPin(), "back": IrqPin()}
    buttons = Buttons(pins, clock, active_low=True)
    pump = FakePump()
    disp = CountingDisplay()
    ui = UI(disp, pump, clock, buzzer=FakeBuzzer())
    return pins, buttons, pump, disp, ui


def test_bolus_through_real_buttons_and_ui_task():
    clock = VirtualClock()
    pins, buttons, pump, disp, ui = make(clock)

    async def press(name, hold_ms):
        pins[name].drive(0)
        await clock.run_until(clock.now_ms() + hold_ms)
        pins[name].drive(1)
        await clock.run_until(clock.now_ms() + 200)

    async def script():
        tasks = [asyncio.create_task(buttons.run()), asyncio.create_task(ui.run(buttons))]
        await clock.run_until(1000)
        for name in ("ok", "ok", "ok", "up", "up", "up", "ok"):  # Menu>Bolus>Manual 0.30U
            await press(name, 100)
        await press("ok", 2000)  # hold to confirm
        await clock.run_until(clock.now_ms() + 1000)
        for t in tasks:
            t.cancel()

    run_async(script())
    bolus = [c for c in pump.commands() if c[0] == "bolus"]
    assert len(bolus) == 1 and bolus[0][2:] == (300, 0, 0)
    assert disp.frames > 8


def test_idle_ui_sleeps_and_an_alarm_wakes_it():
    clock = VirtualClock()
    pins, buttons, pump, disp, ui = make(clock)

    async def script():
        tasks = [asyncio.create_task(buttons.run()), asyncio.create_task(ui.run(buttons))]
        await clock.run_until(3600000)
        frames_hour = disp.frames
        ticks_off = ui.screen_on
        pump.alarm_list.append({"id": "empty", "priority": "high", "text": "Empty",
                                "acked": False})
        await clock.run_until(3600000 + 11000)
        for t in tasks:
            t.cancel()
        return frames_hour, ticks_off

    frames_hour, on_after_hour = run_async(script())
    assert not on_after_hour and disp.power[0] == 0  # screen went off when idle
    assert frames_hour <= 70  # ~1 per second for the first minute, then none
    assert ui.screen_on and disp.power[-1] == 1  # the alarm switched it on
    assert ui.buzzer.played == ["alarm_high"]


def test_first_frame_is_drawn_at_start_and_unchanged_frames_are_not_resent():
    clock = VirtualClock(start_ms=5000)  # mid-minute: the next clock tick is 55 s away
    pins, buttons, pump, disp, ui = make(clock)

    async def script():
        tasks = [asyncio.create_task(buttons.run()), asyncio.create_task(ui.run(buttons))]
        await clock.run_until(5100)
        first = disp.frames
        drawn = bytes(disp.buffer)
        await clock.run_until(30000)  # nothing changes on the status screen
        for t in tasks:
            t.cancel()
        return first, drawn

    first, drawn = run_async(script())
    assert first == 1  # the status screen is up at once, not at the next minute
    assert drawn != bytes(1024)
    assert disp.frames == 1  # the same frame is not sent again
