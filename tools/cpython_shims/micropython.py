# CPython stand-in for MicroPython's `micropython` module (host only, never
# flashed). Only what firmware code uses: const() and the memory probes.


def const(value):
    return value


def native(fn):
    return fn


def viper(fn):
    return fn


def mem_info(*_args):
    pass


def kbd_intr(_char):
    pass


def schedule(fn, arg):
    fn(arg)
    return True
