# The app's one path to the journal while the pump runs: engine events,
# commands, alarms, and basal totals at most once an interval (flash wear:
# never a record per basal step). It folds every record it writes, so the
# checkpoint at each new journal segment is always current.

from micropython import const

# Basal delivered is journaled at least this often while it runs, so a reset
# loses at most this long of basal from the journal (recovery counts it back
# at the rate that was in force, store/recovery.py). 9 minutes: at most 160
# records a day, and at 0.8 U/h what a reset can miss (120 mU plus the steps
# that straddle the ends) stays under the basal of 10 minutes (134 mU).
BASAL_RECORD_MS = const(540000)


class Recorder:
    def __init__(self, journal, fold, clock_wall, basal_record_ms=BASAL_RECORD_MS):
        """journal: store.journal.Journal after recover(); fold: the
        JournalState from recovery (Recovery.fold); clock_wall() -> wall_s or
        None."""
        self.journal = journal
        self.fold = fold
        self.wall = clock_wall
        self.basal_record_ms = basal_record_ms
        journal.checkpoint = fold.checkpoint
        self._basal_mu = 0
        self._basal_since_ms = None
        self._basal_total_mu = None

    def record(self, now_ms, kind, data):
        wall_s = self.wall()
        if kind in ("bolus_start", "temp_start", "temp_end", "suspend", "stop"):
            # Settle basal before a rate change, so each basal record covers
            # one rate.
            self.flush_basal(now_ms)
        seq = self.journal.append(wall_s, now_ms, kind, data)
        self.fold.add((seq, wall_s, now_ms, kind, data))
        return seq

    def events(self, now_ms, events):
        """Journal Engine.pop_events() output; call right after every
        command, before the stepper runs (write before you move)."""
        for kind, data in events:
            self.record(now_ms, kind, data)

    def basal(self, now_ms, mu):
        """Basal delivered (confirmed) since the last call; written at most
        once per basal_record_ms."""
        self._basal_mu += mu
        if self._basal_since_ms is None:
            self._basal_since_ms = now_ms
        if now_ms - self._basal_since_ms >= self.basal_record_ms:
            self.flush_basal(now_ms)

    def basal_total(self, now_ms, total_mu):
        """Same, from a running total since boot (for example
        eng.units.steps_to_mu_up(eng.basal_out)): no per-call rounding."""
        if self._basal_total_mu is None:
            self._basal_total_mu = 0
        if total_mu > self._basal_total_mu:
            self.basal(now_ms, total_mu - self._basal_total_mu)
            self._basal_total_mu = total_mu

    def flush_basal(self, now_ms):
        if self._basal_mu:
            mu = self._basal_mu
            self._basal_mu = 0
            self.record(now_ms, "basal", {"mu": mu})
        self._basal_since_ms = now_ms

    def journal_fn(self, now_ms_fn):
        """A journal_fn for AlarmManager: alarm/ack records at now."""
        return lambda kind, data: self.record(now_ms_fn(), kind, data)
