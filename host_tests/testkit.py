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
