# Piezo buzzer on a PWM pin: tones and patterns that never block. play()
# starts (or replaces) a pattern in a background task and returns at once;
# the alarm pattern repeats until stop() (the user acknowledged).
#
# A pattern is a tuple of (freq_hz, duration_ms); freq 0 is a pause.

import asyncio

CLICK = ((4000, 15),)
CONFIRM = ((2000, 60), (0, 40), (3000, 90))
ALERT = ((2500, 150), (0, 150), (2500, 150))  # low reservoir, low battery
ALARM = ((2000, 250), (0, 120), (2000, 250), (0, 120), (2000, 250), (0, 1000))  # stops delivery
FAULT = ((600, 700), (0, 300))


class Buzzer:
    def __init__(self, pwm, clock, duty_u16=32768):
        self._pwm = pwm
        self._clock = clock
        self._duty = duty_u16
        self._task = None
        self._gen = 0  # which play() a task belongs to
        self._quiet()

    def play(self, pattern, repeat=1):
        """repeat=0: until stop()."""
        self.stop()
        self._task = asyncio.create_task(self._run(pattern, repeat, self._gen))

    def busy(self):
        return self._task is not None

    def stop(self):
        self._gen += 1
        task = self._task
        self._task = None
        if task is not None:
            task.cancel()
        self._quiet()

    def _quiet(self):
        self._pwm.duty_u16(0)

    async def _run(self, pattern, repeat, gen):
        n = 0
        try:
            while repeat == 0 or n < repeat:
                for freq, ms in pattern:
                    if freq:
                        self._pwm.freq(freq)
                        self._pwm.duty_u16(self._duty)
                    else:
                        self._quiet()
                    await self._clock.sleep_ms(ms)
                n += 1
        finally:
            # A replaced pattern's task ends later than play() returns: it
            # must not silence its successor.
            if gen == self._gen:
                self._quiet()
                self._task = None
