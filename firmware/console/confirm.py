# The OK-button confirmation the console waits for before any motor-moving
# delivery. Button-source agnostic: take_ok_press() returns True once per
# press of OK (the buttons task sets a flag, this consumes it), so it works
# with any buttons driver and with a fake in tests.

from micropython import const

_POLL_MS = const(50)  # a press is noticed within 50 ms; cheap on the loop


class ButtonConfirmer:
    def __init__(self, clock, take_ok_press, show=None, poll_ms=_POLL_MS):
        """clock: now_ms() and sleep_ms() (firmware clock or VirtualClock);
        show(text or None): optional, puts the prompt on the pump's screen."""
        self.clock = clock
        self.take_ok_press = take_ok_press
        self.show = show
        self.poll_ms = poll_ms

    async def __call__(self, prompt, timeout_ms):
        # A press from before the question must not answer it.
        self.take_ok_press()
        if self.show is not None:
            self.show("OK to confirm:\n" + prompt)
        deadline = self.clock.now_ms() + timeout_ms
        try:
            while self.clock.now_ms() < deadline:
                await self.clock.sleep_ms(self.poll_ms)
                if self.take_ok_press():
                    return True
            return False
        finally:
            if self.show is not None:
                self.show(None)
