# Helpers shared by tests that run on both CPython and MicroPython: no pytest
# on the device interpreter, so only plain functions live here.


def raises(exc_type, fn, *args, **kwargs):
    """Call fn and return the exception it raised; fail if it raised nothing
    or something of another type."""
    try:
        fn(*args, **kwargs)
    except exc_type as e:
        return e
    raise AssertionError("expected %s from %s" % (exc_type.__name__, fn))


def run_async(coro):
    """Run a coroutine to completion on a fresh loop (both runtimes)."""
    import asyncio

    return asyncio.run(coro)


# ---- wrapping ticks, as time.ticks_ms() on rp2 and esp32 ----------------------

TICKS_PERIOD = 1 << 30
TICKS_MAX = TICKS_PERIOD - 1
_TICKS_HALF = TICKS_PERIOD // 2


def ticks_diff(a, b):
    return ((a - b + _TICKS_HALF) & TICKS_MAX) - _TICKS_HALF


class FakeTicks:
    """A ticks_ms() stand-in that the test moves forward, wrapping as the
    ports do, so a 12-day wrap takes no time."""

    def __init__(self, start):
        self.t = start

    def __call__(self):
        return self.t

    def advance(self, ms):
        self.t = (self.t + ms) & TICKS_MAX
