# End stops: "empty" (plunger at the end of the syringe) and "home" (fully
# retracted). Either may be absent (None) on a board.
#
# The stepper asks blocked(direction) before every step it times itself; on
# boards whose step pulses run in hardware (PIO, RMT) the switch's pin IRQ
# calls stepper.endstop_hit() so the pulse train stops within one step
# instead of at the next poll. Both paths speak in logical levels: the rest of
# the firmware never sees active_low.

EMPTY = "empty"
HOME = "home"


class EndStops:
    def __init__(self, empty=None, home=None, active_low=True):
        self._empty = empty
        self._home = home
        self._on = 0 if active_low else 1

    def fitted(self):
        """Names of the switches this board has."""
        out = []
        if self._empty is not None:
            out.append(EMPTY)
        if self._home is not None:
            out.append(HOME)
        return out

    def empty(self):
        return self._empty is not None and self._empty.value() == self._on

    def home(self):
        return self._home is not None and self._home.value() == self._on

    def blocked(self, direction):
        """EMPTY if delivering (+1) into a closed empty switch, HOME if
        retracting (-1) into a closed home switch, else None."""
        if direction > 0:
            return EMPTY if self.empty() else None
        return HOME if self.home() else None

    def stuck(self):
        """Both switches closed at once cannot happen mechanically: a stuck
        switch or a wiring fault. The app raises motor_fault."""
        return self.empty() and self.home()

    def attach(self, stepper, irq_trigger=None, hard=False):
        """Route switch edges to stepper.endstop_hit(name). irq_trigger is
        the Pin IRQ edge for "closes" (Pin.IRQ_FALLING for active_low); the
        caller passes it because only main.py imports machine."""
        for pin, name in ((self._empty, EMPTY), (self._home, HOME)):
            if pin is None:
                continue
            handler = _Handler(self, stepper, name)
            if hard:
                pin.irq(handler.on_edge, irq_trigger, hard=True)
            else:
                pin.irq(handler.on_edge, irq_trigger)


class _Handler:
    # One small object per switch, made once, so the IRQ allocates nothing.
    def __init__(self, stops, stepper, name):
        self._stops = stops
        self._stepper = stepper
        self._name = name

    def on_edge(self, _pin):
        if (self._stops.empty() if self._name == EMPTY else self._stops.home()):
            self._stepper.endstop_hit(self._name)
