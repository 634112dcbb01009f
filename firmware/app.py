# The application: owns the asyncio tasks and wires engine, drivers, UI and
# console together. main.py builds the hardware and calls run().

import asyncio
import sys

VERSION = "0.1.0"


def fatal(message, out):
    """A boot failure: say what is wrong on every channel we have and keep
    the motor off. Returns a non-zero exit code (meaningful on the host)."""
    out.write("PLUNGER FATAL: %s\n" % message)
    return 2


class App:
    def __init__(self, board, hw, clock, out):
        self.board = board
        self.hw = hw
        self.clock = clock
        self.out = out
        self.task_error = None

    def log(self, message):
        self.out.write("[%9.1f s] %s\n" % (self.clock.now_ms() / 1000, message))

    def motor_off(self):
        en = self.hw.get("en")
        if en is not None:
            en.value(1 if self.board["stepper"]["en_active_low"] else 0)

    def on_task_exception(self, loop, context):
        # A dying task is never silent: report it and make the motor safe.
        self.motor_off()
        exc = context.get("exception")
        self.task_error = exc
        self.log("task died: %r" % (exc,))
        if exc is not None:
            sys.print_exception(exc, self.out)

    async def heartbeat(self):
        led = self.hw.get("led")
        on = 0
        while True:
            if led is not None:
                on ^= 1
                led.value(on)
            await self.clock.sleep_ms(500)

    async def status_lines(self):
        while True:
            self.log("idle, motor off (board %s)" % self.board["name"])
            await self.clock.sleep_ms(600000)

    async def main(self, run_for_ms):
        asyncio.get_event_loop().set_exception_handler(self.on_task_exception)
        self.log("Plunger %s booting on board %s" % (VERSION, self.board["name"]))
        self.motor_off()
        tasks = [asyncio.create_task(self.heartbeat()), asyncio.create_task(self.status_lines())]
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


def run(board, hw, clock, run_for_ms=None, out=None):
    app = App(board, hw, clock, out or sys.stdout)
    try:
        return asyncio.run(app.main(run_for_ms))
    except KeyboardInterrupt:
        # Ctrl-C hands the board back to the REPL: motor off first.
        app.motor_off()
        app.log("interrupted, motor off")
        return 130
    finally:
        app.motor_off()
        if sys.implementation.name == "micropython":
            asyncio.new_event_loop()  # a fresh loop for the next soft reset
