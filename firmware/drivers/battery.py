# Battery voltage through a resistor divider into an ADC pin.
#   v_batt = v_adc x divider_num / divider_den   (2/1 for two equal resistors)
# read_u16() is 0..65535 over 0..vref_mv. Averaged over a few samples; the
# level has hysteresis so a sagging battery under motor load does not make
# the low-battery alert flicker.

from micropython import const

OK = "ok"
LOW = "low"
EMPTY = "empty"
_SAMPLES = const(8)


def adc_to_mv(raw_u16, vref_mv, divider_num, divider_den):
    return raw_u16 * vref_mv * divider_num // (65535 * divider_den)


class Battery:
    def __init__(self, adc, divider_num=2, divider_den=1, low_mv=3500, empty_mv=3200,
                 vref_mv=3300, hysteresis_mv=100):
        self._adc = adc
        self._num = divider_num
        self._den = divider_den
        self._low = low_mv
        self._empty = empty_mv
        self._vref = vref_mv
        self._hyst = hysteresis_mv
        self._level = OK

    def read_mv(self):
        total = 0
        for _ in range(_SAMPLES):
            total += self._adc.read_u16()
        return adc_to_mv(total // _SAMPLES, self._vref, self._num, self._den)

    def level(self, mv=None):
        """OK, LOW or EMPTY; a level only improves once mv is hysteresis_mv
        above its threshold."""
        if mv is None:
            mv = self.read_mv()
        lvl = self._level
        if mv <= self._empty:
            lvl = EMPTY
        elif mv <= self._low:
            if lvl != EMPTY or mv > self._empty + self._hyst:
                lvl = LOW
        elif lvl == OK or mv > self._low + self._hyst:
            lvl = OK
        elif lvl == EMPTY and mv > self._empty + self._hyst:
            lvl = LOW
        self._level = lvl
        return lvl
