# HX711 24-bit load-cell ADC, bit-banged on two pins (DOUT in, SCK out).
#
# Non-blocking: read() returns None until the chip says a sample is ready
# (DOUT low, 10 or 80 per second depending on its RATE pin), so a caller in
# an asyncio loop never waits for it. Channel A, gain 128 (25 clocks).
# SCK must not stay high over 60 us or the chip powers down; 25 short pulses
# take well under a millisecond in MicroPython.

from micropython import const

_BITS = const(24)
_GAIN_128_PULSES = const(1)


class HX711:
    def __init__(self, dout, sck):
        self._dout = dout
        self._sck = sck
        sck.value(0)  # low = powered up

    def ready(self):
        return self._dout.value() == 0

    def read(self):
        """Signed raw counts, or None if no new sample yet."""
        if self._dout.value():
            return None
        sck = self._sck
        dout = self._dout
        v = 0
        for _ in range(_BITS):
            sck.value(1)
            sck.value(0)
            v = (v << 1) | dout.value()
        for _ in range(_GAIN_128_PULSES):
            sck.value(1)
            sck.value(0)
        if v & 0x800000:  # two's complement
            v -= 0x1000000
        return v

    def power_down(self):
        self._sck.value(1)
