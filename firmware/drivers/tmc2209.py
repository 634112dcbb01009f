# TMC2209 configuration over its single-wire UART (optional: without it the
# driver runs on its MS1/MS2 pins and current pot). At boot: microsteps and
# run/hold current, then read everything back. Any failure is a TMCError
# with one sentence for the boot screen; nothing here can hang: every wait
# is a bounded poll of uart.any(), whatever timeout the UART was made with.
#
# Datagrams (datasheet section 4.1): write = 05 addr reg|80 d3 d2 d1 d0 crc;
# read request = 05 addr reg crc, reply = 05 FF reg d3 d2 d1 d0 crc. With TX
# and RX on one wire (1 k resistor) our own request comes back as an echo
# first; the reply is found by its header, so both wirings work.

from micropython import const

_GCONF = const(0x00)
_IFCNT = const(0x02)  # counts successful writes: verifies write-only regs
_IHOLD_IRUN = const(0x10)
_CHOPCONF = const(0x6C)
_SGTHRS = const(0x40)
_TCOOLTHRS = const(0x14)

# pdn_disable (UART owns PDN_UART), mstep_reg_select (MRES from CHOPCONF),
# multistep_filt. Analog current scaling off: IRUN sets the current.
_GCONF_VALUE = const(0x1C0)
_VSENSE_BIT = const(1 << 17)
_MRES_SHIFT = const(24)
_MSTEPS = (256, 128, 64, 32, 16, 8, 4, 2, 1)  # index = MRES


class TMCError(Exception):
    pass


def crc8(data):
    """The TMC UART CRC: polynomial x^8+x^2+x+1, bytes fed LSB first."""
    crc = 0
    for byte in data:
        for _ in range(8):
            if ((crc >> 7) ^ (byte & 1)) & 1:
                crc = ((crc << 1) ^ 0x07) & 0xFF
            else:
                crc = (crc << 1) & 0xFF
            byte >>= 1
    return crc


def current_scale(current_ma, rsense_mohm=110):
    """(CS, vsense) for an RMS run current: I = (CS+1)/32 x Vfs/(R+20 mOhm)/sqrt2.
    Uses the low-voltage range (vsense=1, finer steps) when CS would be < 16."""
    for vsense, vfs_mv in ((0, 325), (1, 180)):
        cs = current_ma * 1414 * 32 * (rsense_mohm + 20) // (vfs_mv * 1000000) - 1
        if cs >= 16 or vsense == 1:
            return max(0, min(31, cs)), vsense
    return 0, 1


def mres(microsteps):
    if microsteps not in _MSTEPS:
        raise TMCError("TMC2209 cannot do %r microsteps" % (microsteps,))
    return _MSTEPS.index(microsteps)


class TMC2209:
    def __init__(self, uart, addr=0, timeout_ms=30, sleep_ms=None, rsense_mohm=110):
        self._uart = uart
        self._addr = addr
        self._timeout_ms = timeout_ms
        if sleep_ms is None:
            import time

            sleep_ms = time.sleep_ms
        self._sleep_ms = sleep_ms
        self._rsense = rsense_mohm

    # ---- registers ----
    def write(self, reg, value):
        buf = bytearray(8)
        buf[0] = 0x05
        buf[1] = self._addr
        buf[2] = reg | 0x80
        for i in range(4):
            buf[3 + i] = (value >> (24 - 8 * i)) & 0xFF
        buf[7] = crc8(buf[:7])
        self._flush()
        self._uart.write(buf)
        self._collect(8, want_reply=False)  # swallow the echo if any

    def read(self, reg):
        req = bytearray(4)
        req[0] = 0x05
        req[1] = self._addr
        req[2] = reg
        req[3] = crc8(req[:3])
        self._flush()
        self._uart.write(req)
        data = self._collect(12, want_reply=True, reg=reg)
        for i in range(len(data) - 7):
            if data[i] == 0x05 and data[i + 1] == 0xFF and data[i + 2] == reg:
                frame = data[i:i + 8]
                if crc8(frame[:7]) != frame[7]:
                    raise TMCError("TMC2209 reply CRC error (reg 0x%02X): check UART wiring" % reg)
                return (frame[3] << 24) | (frame[4] << 16) | (frame[5] << 8) | frame[6]
        raise TMCError("TMC2209 at address %d does not answer (reg 0x%02X): "
                       "check power, UART wiring and the 1k resistor" % (self._addr, reg))

    # ---- boot configuration ----
    def configure(self, microsteps, current_ma, hold_percent=50, stall_threshold=None):
        """Set microsteps and current, read them back. Returns a summary dict;
        raises TMCError on no answer or a mismatch."""
        ifcnt0 = self.read(_IFCNT) & 0xFF
        writes = 0
        self.write(_GCONF, _GCONF_VALUE)
        writes += 1
        chop = self.read(_CHOPCONF)
        cs, vsense = current_scale(current_ma, self._rsense)
        chop = (chop & ~(0xF << _MRES_SHIFT) & ~_VSENSE_BIT) | (mres(microsteps) << _MRES_SHIFT)
        if vsense:
            chop |= _VSENSE_BIT
        self.write(_CHOPCONF, chop)
        writes += 1
        hold = cs * hold_percent // 100
        self.write(_IHOLD_IRUN, hold | (cs << 8) | (8 << 16))
        writes += 1
        if stall_threshold is not None:
            self.write(_TCOOLTHRS, 0xFFFFF)  # StallGuard active at every speed it can
            self.write(_SGTHRS, stall_threshold & 0xFF)
            writes += 2
        got = self.read(_GCONF)
        if got & 0x3FF != _GCONF_VALUE:
            raise TMCError("TMC2209 GCONF read back 0x%03X, wrote 0x%03X" % (got & 0x3FF, _GCONF_VALUE))
        got = self.read(_CHOPCONF)
        if got != chop:
            raise TMCError("TMC2209 CHOPCONF read back 0x%08X, wrote 0x%08X" % (got, chop))
        ifcnt = self.read(_IFCNT) & 0xFF
        if (ifcnt - ifcnt0) & 0xFF != writes:
            # IHOLD_IRUN / SGTHRS are write-only: the write counter is the proof.
            raise TMCError("TMC2209 took %d of %d writes" % ((ifcnt - ifcnt0) & 0xFF, writes))
        return {"microsteps": microsteps, "irun": cs, "ihold": hold, "vsense": vsense}

    # ---- bounded UART polling ----
    def _flush(self):
        if self._uart.any():
            self._uart.read()

    def _collect(self, n, want_reply, reg=None):
        data = b""
        waited = 0
        while True:
            if self._uart.any():
                chunk = self._uart.read()
                if chunk:
                    data += chunk
                if len(data) >= n or (want_reply and _has_reply(data, reg)):
                    return data
            if waited >= self._timeout_ms:
                return data
            self._sleep_ms(1)
            waited += 1


def _has_reply(data, reg):
    for i in range(len(data) - 7):
        if data[i] == 0x05 and data[i + 1] == 0xFF and data[i + 2] == reg:
            return True
    return False
