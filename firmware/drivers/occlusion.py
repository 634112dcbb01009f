# Occlusion detection policy: a blocked line shows up as force on the
# plunger (HX711 load cell) and, at speed, as motor load (TMC2209
# StallGuard on its DIAG pin). Use whatever the board has; with neither,
# say so plainly ("no occlusion sensor") so the status screen and the
# README can tell the maker that a blocked line will not be noticed.
#
# Force: tare() while the plunger pushes freely (after priming: the stopper
# friction is in the tare), then a sample at least threshold_g above it on
# `confirm` consecutive samples is an occlusion. The force rises with every
# step pushed into a blocked line, so the amount missed before the alarm is
# about threshold_g / (grams per step) steps, whatever the rate: measured in
# host_tests/test_hw_occlusion.py.
#
# StallGuard only measures load while the motor turns fast enough (the
# TMC2209 needs TCOOLTHRS and real back-EMF), so DIAG is trusted only at or
# above sg_min_rate_hz: it covers prime, rewind and fast boluses, never basal.

from micropython import const

NONE = "none"
FORCE = "force"
STALLGUARD = "stallguard"
BOTH = "force+stallguard"

_CONFIRM = const(2)


class Occlusion:
    def __init__(self, force=None, diag=None, threshold_g=300, counts_per_g=400,
                 confirm=_CONFIRM, diag_active_high=True, sg_min_rate_hz=1000):
        self._force = force  # HX711-like: read() -> raw counts or None
        self._diag = diag  # Pin or None
        self._threshold_g = threshold_g
        self._counts_per_g = counts_per_g
        self._confirm = confirm
        self._diag_on = 1 if diag_active_high else 0
        self._sg_min_rate_hz = sg_min_rate_hz
        self._tare = None
        self._last_g = None
        self._over = 0
        self._tripped = None

    def mode(self):
        if self._force is not None and self._diag is not None:
            return BOTH
        if self._force is not None:
            return FORCE
        if self._diag is not None:
            return STALLGUARD
        return NONE

    def tare(self):
        """Take the current force as zero. Returns False if the sensor had no
        sample ready (call again on the next tick)."""
        if self._force is None:
            return False
        raw = self._force.read()
        if raw is None:
            return False
        self._tare = raw
        self._last_g = 0
        self._over = 0
        return True

    def force_g(self):
        """Last force above tare in grams (None before tare / without sensor)."""
        return self._last_g

    def sample(self, rate_hz=0):
        """Call every ~100 ms (the HX711 gives 10 samples/s) with the rate
        the motor is stepping at (0 when idle). Returns FORCE or STALLGUARD
        when an occlusion is detected, else None. Latches until reset()."""
        if self._tripped is not None:
            return self._tripped
        if self._force is not None and self._tare is not None:
            raw = self._force.read()
            if raw is not None:
                g = (raw - self._tare) // self._counts_per_g
                self._last_g = g
                self._over = self._over + 1 if g >= self._threshold_g else 0
                if self._over >= self._confirm:
                    self._tripped = FORCE
        if (self._tripped is None and self._diag is not None
                and rate_hz >= self._sg_min_rate_hz and self._diag.value() == self._diag_on):
            self._tripped = STALLGUARD
        return self._tripped

    def reset(self):
        """After the user cleared the line and acknowledged the alarm."""
        self._tripped = None
        self._over = 0

    def status(self):
        m = self.mode()
        if m == NONE:
            text = "no occlusion sensor"
        elif self._tripped is not None:
            text = "occlusion (%s)" % self._tripped
        elif m != STALLGUARD and self._tare is None:
            text = "%s: not tared" % m
        else:
            text = "%s ok" % m
        return {"mode": m, "text": text, "force_g": self._last_g,
                "threshold_g": self._threshold_g if self._force is not None else None,
                "tripped": self._tripped}
