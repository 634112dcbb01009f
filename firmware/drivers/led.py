# Status LED heartbeat: a short blink every two seconds says the event loop
# is alive; a blink every second says an alarm is waiting; off when asked.
# Slow on purpose: each blink wakes the scheduler twice, on the board and in
# simulated days alike.

OK = "ok"
ALARM = "alarm"
OFF = "off"

# (on_ms, off_ms) per mode
_PATTERNS = {OK: (50, 1950), ALARM: (500, 500)}


class Heartbeat:
    def __init__(self, pin, clock, active_high=True):
        self._pin = pin
        self._clock = clock
        self._on = 1 if active_high else 0
        self._mode = OK
        pin.value(1 - self._on)

    def set_mode(self, mode):
        if mode not in (OK, ALARM, OFF):
            raise ValueError("led mode %r" % (mode,))
        self._mode = mode

    def mode(self):
        return self._mode

    async def run(self):
        pin = self._pin
        while True:
            if self._mode == OFF:
                pin.value(1 - self._on)
                await self._clock.sleep_ms(1000)
                continue
            on_ms, off_ms = _PATTERNS[self._mode]
            pin.value(self._on)
            await self._clock.sleep_ms(on_ms)
            pin.value(1 - self._on)
            await self._clock.sleep_ms(off_ms)
