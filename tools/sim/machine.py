# Simulated `machine` module for the host simulator (never flashed).
#
# The simulator puts tools/sim first on sys.path, so firmware/main.py's
# `from machine import Pin` gets these classes and the real boot code runs
# unchanged. Each fake keeps its state where the simulator (and tests) can see
# it, through the module-level `pins` registry.

pins = {}  # pin id -> Pin, the simulated board's wiring


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id = id
        self.mode = mode
        self.pull = pull
        self._value = 1 if pull == Pin.PULL_UP else 0
        self._irq = None
        self._trigger = 0
        self.on_change = None  # simulator hook: called with the new value
        pins[id] = self
        if value is not None:
            self.value(value)

    def init(self, mode=-1, pull=-1, value=None):
        if mode != -1:
            self.mode = mode
        if pull != -1:
            self.pull = pull
        if value is not None:
            self.value(value)

    def value(self, v=None):
        if v is None:
            return self._value
        self._set(1 if v else 0)

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self._set(1)

    def off(self):
        self._set(0)

    def irq(self, handler=None, trigger=IRQ_FALLING | IRQ_RISING):
        self._irq = handler
        self._trigger = trigger

    def _set(self, v):
        old = self._value
        self._value = v
        if old != v:
            if self.on_change is not None:
                self.on_change(v)
            if self._irq is not None:
                edge = Pin.IRQ_RISING if v else Pin.IRQ_FALLING
                if self._trigger & edge:
                    self._irq(self)

    def drive(self, v):
        """Simulator side: set an input as the outside world would."""
        self._set(1 if v else 0)


def reset_cause():
    return PWRON_RESET


PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5
