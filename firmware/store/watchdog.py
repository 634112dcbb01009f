# The watchdog gate: machine.WDT is fed only while every critical task has
# checked in within its deadline, so a hung task (not just a hung loop)
# resets the board. main.py builds the WDT (or passes None when the config's
# development flag leaves it off) and the reset cause; nothing here imports
# machine.

# Default deadlines: how long each critical task may go without checking in.
DEADLINES_MS = {"delivery": 5000, "stepper": 5000, "ui": 5000, "console": 5000}


class WatchdogGate:
    def __init__(self, wdt, now_ms, deadlines_ms=None):
        self.wdt = wdt  # object with .feed(), or None (development: off)
        self.deadlines_ms = deadlines_ms or DEADLINES_MS
        self._seen = {}
        for name in self.deadlines_ms:
            self._seen[name] = now_ms  # every task gets one deadline to start
        self.fed = 0

    def checkin(self, task, now_ms):
        if task not in self._seen:
            raise ValueError("not a critical task: %r" % (task,))
        self._seen[task] = now_ms

    def late(self, now_ms):
        """Tasks that missed their deadline, sorted."""
        out = []
        for name in self._seen:
            if now_ms - self._seen[name] > self.deadlines_ms[name]:
                out.append(name)
        out.sort()
        return out

    def feed(self, now_ms):
        """Feed the WDT if every task is on time; returns the late tasks
        (empty when fed). Call it from a small task more often than the
        WDT timeout."""
        late = self.late(now_ms)
        if not late:
            if self.wdt is not None:
                self.wdt.feed()
            self.fed += 1
        return late


def reset_was_watchdog(reset_cause, wdt_reset):
    """main.py passes machine.reset_cause() and machine.WDT_RESET."""
    return reset_cause == wdt_reset
