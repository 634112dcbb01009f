# Bridge the few APIs where MicroPython and CPython differ, on CPython only.
# Firmware code is written against MicroPython; this adds the MicroPython names
# to CPython's modules so the same source runs under pytest and the simulator.
import asyncio
import sys
import time

_TICKS_PERIOD = 1 << 30  # the wrap period of ticks_ms on rp2/esp32 ports
_TICKS_MAX = _TICKS_PERIOD - 1
_TICKS_HALF = _TICKS_PERIOD // 2


def ticks_ms():
    return int(time.monotonic() * 1000) & _TICKS_MAX


def ticks_us():
    return int(time.monotonic() * 1000000) & _TICKS_MAX


def ticks_add(ticks, delta):
    return (ticks + delta) & _TICKS_MAX


def ticks_diff(a, b):
    return ((a - b + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF


def sleep_ms(ms):
    time.sleep(ms / 1000)


def _async_sleep_ms(ms):
    return asyncio.sleep(ms / 1000)


def print_exception(exc, file=None):
    import traceback

    traceback.print_exception(type(exc), exc, exc.__traceback__, file=file or sys.stdout)


def install():
    for name, fn in (("ticks_ms", ticks_ms), ("ticks_us", ticks_us), ("ticks_add", ticks_add),
                     ("ticks_diff", ticks_diff), ("sleep_ms", sleep_ms)):
        if not hasattr(time, name):
            setattr(time, name, fn)
    if not hasattr(asyncio, "sleep_ms"):
        asyncio.sleep_ms = _async_sleep_ms
    if not hasattr(sys, "print_exception"):
        sys.print_exception = print_exception
