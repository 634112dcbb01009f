# DS3231 battery-backed real-time clock on I2C (a common maker module with a
# coin cell). It keeps the time while the board has no power, which neither
# the RP2040's nor the ESP32's own RTC does. The I2C bus comes from the
# caller (main.py shares the display's bus).
#
# datetime() reads and writes the same tuple as machine.RTC.datetime():
# (year, month, day, weekday 0=Monday, hours, minutes, seconds, subseconds).
# A clock whose oscillator stopped (first power-up, flat coin cell) reads as
# 2000-01-01, which the firmware treats as "time unknown".

from micropython import const

ADDR = const(0x68)
_TIME = const(0x00)  # seconds, minutes, hours, weekday, date, month, year (BCD)
_STATUS = const(0x0F)
_OSF = const(0x80)  # oscillator stop flag: the time cannot be trusted


def _bcd(v):
    return (v >> 4) * 10 + (v & 0x0F)


def _to_bcd(v):
    return (v // 10) << 4 | v % 10


class DS3231:
    def __init__(self, i2c, addr=ADDR):
        self.i2c = i2c
        self.addr = addr
        self._buf = bytearray(7)

    def datetime(self, dt=None):
        if dt is None:
            return self._read()
        y, mo, d, wd, h, mi, s = dt[:7]
        if not 2000 <= y <= 2099:
            raise ValueError("DS3231 holds years 2000-2099, not %d" % y)
        b = self._buf
        b[0] = _to_bcd(s)
        b[1] = _to_bcd(mi)
        b[2] = _to_bcd(h)  # bit 6 clear: 24-hour mode
        b[3] = wd % 7 + 1
        b[4] = _to_bcd(d)
        b[5] = _to_bcd(mo)
        b[6] = _to_bcd(y - 2000)
        self.i2c.writeto_mem(self.addr, _TIME, b)
        st = self.i2c.readfrom_mem(self.addr, _STATUS, 1)[0]
        self.i2c.writeto_mem(self.addr, _STATUS, bytes((st & ~_OSF & 0xFF,)))

    def _read(self):
        if self.i2c.readfrom_mem(self.addr, _STATUS, 1)[0] & _OSF:
            return (2000, 1, 1, 5, 0, 0, 0, 0)  # stopped: unknown, never a wrong time
        b = self._buf
        self.i2c.readfrom_mem_into(self.addr, _TIME, b)
        h = b[2]
        if h & 0x40:  # 12-hour mode (set by another program): bit 5 is PM
            h = _bcd(h & 0x1F) % 12 + (12 if h & 0x20 else 0)
        else:
            h = _bcd(h & 0x3F)
        return (2000 + _bcd(b[6]), _bcd(b[5] & 0x1F), _bcd(b[4] & 0x3F), (b[3] - 1) % 7,
                h, _bcd(b[1] & 0x7F), _bcd(b[0] & 0x7F), 0)
