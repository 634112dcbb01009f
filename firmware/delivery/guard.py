# The limits as invariants of what is delivered, not only checks on
# commands. Engine (engine.py) inherits these.
#
# - Rates: the basal rate in force is never above max basal and a temp basal
#   never above max temp basal, at every instant (engine._scheduled/_rate),
#   so a percent temp is re-capped when the profile under it changes.
# - Amounts: no step goes to the motor that would take the delivery record
#   of any rolling hour or 24 h over max per hour / max per 24 h. Basal and
#   bolus steps both count (prime does not: it goes into the air or a cup).
#   When a window is full, basal steps are held back and never owed again
#   ("limit" event, then "limit_end" with what was held back), and a bolus
#   that meets the limit ends there (bolus_end with "why": the limit).
# - Missed basal: when the motor task was held for more than one record
#   interval (a 5-minute bucket: a stalled loop, a long flash write), the
#   basal owed from before the last interval is dropped, never handed out
#   as a burst ("basal_missed" event). At most one interval's worth at the
#   basal rate goes out at once; while the motor task is held, commands and
#   status() leave basal owed rather than queueing it for the motor. A bolus
#   or prime stream that the stepper times by itself is not a hold: the gap
#   counts from the later of the last plan() and the stream's end.
#
# Counting the record costs a loop over its buckets, so it is done only when
# the steps due do not fit in self.room: the room counted last time, minus
# the steps handed out since. Old buckets only leave the windows, so that is
# never more than the true room.

from micropython import const

from delivery import limits
from delivery.profile import max_rate
from delivery.record import BUCKET_MS

# The windows the limits count: one record bucket longer than the hour and
# the day. Steps are recorded when handed to the stepper and leave it a
# little later (a batch takes seconds); the extra bucket keeps a step counted
# until well after it physically left the window, so the limits hold for the
# steps' real times, not only for the record's.
HOUR_WINDOW_MS = const(3900000)  # 1 h + BUCKET_MS
DAY_WINDOW_MS = const(86700000)  # 24 h + BUCKET_MS


class Guard:
    def room_now(self, now_ms):
        """-> (steps, code): steps that fit both rolling windows now, and the
        limit that leaves the least room."""
        u = self.units
        rec = self.record
        rh = u.mu_to_steps(limits.limit(self.cfg, "max_per_hour_mu")) \
            - rec.sum_total(now_ms, HOUR_WINDOW_MS)
        rd = u.mu_to_steps(limits.limit(self.cfg, "max_per_24h_mu")) \
            - rec.sum_total(now_ms, DAY_WINDOW_MS)
        if rh <= rd:
            return (rh if rh > 0 else 0), "max_per_hour"
        return (rd if rd > 0 else 0), "max_per_24h"

    def _fit(self, now_ms, basal, now, ext):
        # The steps due do not fit the room counted before: count again, and
        # if they still do not fit, give basal first, then the bolus, and
        # hold back the rest. A full window only frees room when its oldest
        # bucket leaves it, at a bucket boundary (both windows are whole
        # buckets long): until then the room left is not counted again.
        if now_ms < self.recount_ms:
            room, code = self.room, self.room_code
        else:
            room, code = self.room_now(now_ms)
        self.room = room
        if basal + now + ext <= room:
            if self.capped is not None:
                self.events.append(("limit_end", {
                    "at_ms": now_ms, "limit": self.capped,
                    "held_mu": self.units.steps_to_mu(self.capped_steps)}))
                self.capped = None
                self.capped_steps = 0
            return basal, now, ext
        self.recount_ms = (now_ms // BUCKET_MS + 1) * BUCKET_MS
        self.room_code = code
        give = basal if basal < room else room
        room -= give
        held = basal - give
        if held:
            self.basal.due -= held  # not owed again: it would catch up as a burst
            if self.capped is None:
                self.events.append(("limit", {"at_ms": now_ms, "limit": code, "holds": "basal"}))
                self.capped = code
            self.capped_steps += held
        b = self.active_bolus
        if b is not None and now + ext > room:
            n = now if now < room else room
            room -= n
            e = ext if ext < room else room
            # The bolus ends with what it was given (bolus_end says why).
            b.now.total = b.now.out + n
            b.ext.total = b.ext.out + e
            b.cut = code
            now, ext = n, e
        return give, now, ext

    def _temp_peak_cmu(self):
        # The highest rate the running temp basal asks for on the active
        # profile, 0.01 mU/h, before the cap.
        tb = self.temp
        if tb is None:
            return 0
        return tb.rate_cmu_per_h(max_rate(self.profiles[self.profile_name]))

    def _note_temp_cap(self, now_ms):
        # After a change under a running temp basal (profile selected or
        # edited, max temp basal lowered): say when it is now held at the cap.
        if self._temp_peak_cmu() > self.cap_temp_cmu:
            self.events.append(("temp_capped", {"at_ms": now_ms,
                                                "cap_mu_per_h": self.cap_temp_cmu // 100}))

    def _cut_bolus_to_limits(self, now_ms):
        # After new limits: a running bolus that no longer fits max bolus or
        # max IOB ends now (the steps already given stay given).
        b = self.active_bolus
        if b is None:
            return
        cfg = self.cfg
        left = self.units.steps_to_mu_up(b.steps_total() - b.steps_out())
        why = None
        if b.now_mu + b.extended_mu > limits.limit(cfg, "max_bolus_mu"):
            why = "max_bolus"
        elif self.iob_mu(now_ms) + left > limits.limit(cfg, "max_iob_mu"):
            why = "max_iob"
        if why is not None:
            b.cut = why
            self._end_bolus(now_ms, True)

    def _drop_missed(self, now_ms):
        # plan() after more than one record interval without one: what fell
        # due before the last interval was never given and never will be.
        cut = now_ms - BUCKET_MS
        if self.t_ms < cut:
            self._advance(cut)
        k = self.pending_basal  # handed out by syncs just after the last plan
        if k:
            self.record.take_back_basal(self.plan_ms, k)
            self.basal_out -= k
            self.pending -= k
            self.pending_basal = 0
            self.steps_commanded -= k
            if self.reservoir_steps is not None:
                self.reservoir_steps += k
            if self.position_steps is not None:
                self.position_steps -= k
        owed = self.basal.due - self.basal_out
        self.basal.rem = 0  # the part-step owed goes too: no more than the interval
        if owed > 0:
            self.basal.due = self.basal_out
            self.events.append(("basal_missed", {
                "at_ms": now_ms, "since_ms": self.plan_ms if self.plan_ms > self.busy_until
                else self.busy_until, "steps": owed,
                "mu": self.units.steps_to_mu(owed)}))

    def _busy(self, end_ms):
        # A stream the stepper times until end_ms: the motor task may plan
        # again only after it, and is not held meanwhile.
        if end_ms > self.busy_until:
            self.busy_until = end_ms

    def _held(self, now_ms):
        # No plan() for over an interval (checked by the caller) and no
        # stream ran within the last interval either.
        return now_ms - self.busy_until > BUCKET_MS
