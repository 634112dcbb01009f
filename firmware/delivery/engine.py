# The delivery engine: the one owner of the motor. Commands (commands.py)
# change what should be delivered; plan() turns that into steps due now and
# the exact time the next one falls due; confirm() takes back what the stepper
# issued. Pure logic: every method takes now_ms, nothing reads a clock.
#
# Engine(cfg, now_ms, full_steps_per_rev=200, microsteps=16): cfg is a config
# from settings.validate(); the two drive figures come from the board file.
#
# Time of day comes from set_wall_clock(); without it the state is "no_time"
# and the scheduled basal is 0 (no guessing which segment is in force);
# absolute temp basals and boluses still run.

from micropython import const

from delivery import limits, mechanics
from delivery.basal import BasalIntegrator
from delivery.commands import Commands
from delivery.guard import Guard
from delivery.iob import Curve
from delivery.profile import DAY_MS, span_at
from delivery.record import BUCKET_MS, DeliveryRecord
from delivery.report import Reports

_IDLE_MS = const(60000)  # longest plan() sleep when nothing is due sooner
_FAR_MS = const(86400000)  # "no change within a day" when the rate is constant
_CATCHUP_HZ = const(100)  # slowest pace for steps that are already due
_HOUR_MS = const(3600000)


class Engine(Commands, Reports, Guard):
    """The delivery engine. Commands are in commands.py, status() and
    restore() in report.py, the limits on what is delivered in guard.py.

    restore(now_ms, state) rebuilds what a reset lost. `state` is a dict
    (the persistence code builds it from the journal); every key is optional:
      "deliveries":   [(age_ms, amount_mu, kind), ...]  past deliveries, age
                      counted back from now_ms; kind "bolus" (IOB and totals),
                      "basal" (totals only) or "prime" (ignored)
      "uncertain":    None or {"age_ms": int, "amount_mu": int}: a bolus that
                      started and never finished; counted at its full amount
                      for IOB and limits, never resumed
      "suspended":    bool: basal resumes only when this is False
      "temp":         None or {"percent": int} or {"rate_mu_per_h": int}, plus
                      "left_ms": what remains of its original window (resumed
                      only if > 0 and not suspended)
      "reservoir_mu": None (unknown, not tracked) or int
      "profile":      None or the name of the active profile
    """

    def __init__(self, cfg, now_ms, full_steps_per_rev=200, microsteps=16):
        self.cfg = cfg
        self.drive = (full_steps_per_rev, microsteps)
        mech = cfg["mechanics"]
        num, den = mechanics.steps_per_mu(mech, full_steps_per_rev, microsteps)
        self.units = mechanics.Units(num, den)
        self.mu_per_step = den / num  # float, only for the IOB estimate
        self.travel_steps = mechanics.travel_steps(mech, full_steps_per_rev, microsteps)
        self.curve = Curve(cfg["insulin"]["dia_min"], cfg["insulin"]["peak_min"])
        self.profiles = {}
        for name in cfg["profiles"]:
            self.profiles[name] = [list(s) for s in cfg["profiles"][name]]
        self.profile_name = cfg["active_profile"]
        self.offset_ms = None  # local time of day = (now_ms + offset_ms) % DAY_MS
        self.events = []
        self.steps_commanded = 0
        self.steps_confirmed = 0
        self.reservoir_steps = None  # None: unknown, not tracked
        self.position_steps = None  # forward steps since the last rewind
        self._set_caps()
        self._reset_runtime(now_ms)

    def _set_caps(self):
        # The rate caps in 0.01 mU/h, read on every rate lookup (kept here so
        # the hot path does no dict lookups): no basal above max basal, no
        # temp basal above max temp basal, whatever the profile under it.
        cfg = self.cfg
        self.cap_basal = limits.limit(cfg, "max_basal_mu_per_h")
        self.cap_temp_cmu = limits.limit(cfg, "max_temp_basal_mu_per_h") * 100
        self.room = 0  # recount the 1 h / 24 h room before the next step
        self.recount_ms = 0

    def _reset_runtime(self, now_ms):
        self.mode = "delivering"  # or "suspended", "stopped"
        self.stop_reason = None  # why it is "stopped": an alarm id or "empty"
        self.t_ms = now_ms  # the basal integral is complete up to here
        self.basal = BasalIntegrator(self.units.num, self.units.den)
        self.basal_out = 0
        self.basal_mu_base = 0  # basal mU handed out before the last mechanics change
        self.temp = None
        self.active_bolus = None
        self.prime_stream = None
        self.rewind_left = 0  # reverse steps not yet handed out
        self.rewinding = False
        self.pending = 0  # forward steps handed out by _sync, not yet by plan()
        self.pending_basal = 0  # of which basal and bolus steps, so that
        self.pending_now = 0  # stop_delivery can take them back
        self.pending_ext = 0
        self.last_basal = self.last_now = self.last_ext = 0
        self.last_bolus = None  # the last bolus_end data
        # The motor task's last plan() (see guard._drop_missed); before the
        # first one there is no motor task to be late.
        self.plan_ms = None
        self.busy_until = 0  # end of the bolus or prime stream the stepper times
        self.record = DeliveryRecord()
        self.room = 0  # steps that surely fit the 1 h and 24 h limits (see _fit)
        self.recount_ms = 0  # while a window is full: when to count its room again
        self.room_code = None  # the limit that filled it
        self.capped = None  # the window limit holding basal back, if any
        self.capped_steps = 0  # basal steps it held back so far
        self._invalidate()

    # --- time of day and the rate in force ---

    def _invalidate(self):
        self.change_ms = 0
        self._seg_from = 0
        self._seg_to = 0
        self._seg_rate = 0

    def set_wall_clock(self, now_ms, wall_s):
        """Set the local time of day (wall_s: UTC seconds, None = unknown)."""
        self._advance(now_ms)
        if wall_s is None:
            self.offset_ms = None
        else:
            self.offset_ms = wall_s * 1000 + self.cfg["ui"]["utc_offset_min"] * 60000 - now_ms
        self._invalidate()

    def time_of_day_ms(self, now_ms):
        if self.offset_ms is None:
            return None
        return (now_ms + self.offset_ms) % DAY_MS

    # _scheduled() and _rate() return the rate and leave the time it may next
    # change in self.change_ms: no tuple per call on the hot path.

    def _scheduled(self, t):
        """Scheduled rate mU/h at t."""
        if self._seg_from <= t < self._seg_to:
            self.change_ms = self._seg_to
            return self._seg_rate
        if self.offset_ms is None:
            self.change_ms = t + _FAR_MS
            return 0
        segs = self.profiles[self.profile_name]
        tod = (t + self.offset_ms) % DAY_MS
        i, start, end = span_at(segs, tod)
        self._seg_from = t - (tod - start)
        self._seg_to = t + (end - tod)
        rate = segs[i][1]
        self._seg_rate = rate if rate < self.cap_basal else self.cap_basal
        self.change_ms = self._seg_to
        return self._seg_rate

    def _rate(self, t):
        """Effective basal rate in 0.01 mU/h at t."""
        if self.mode != "delivering":
            self.change_ms = t + _FAR_MS
            return 0
        sched = self._scheduled(t)
        tb = self.temp
        if tb is not None:
            if tb.end_ms < self.change_ms:
                self.change_ms = tb.end_ms
            r = tb.rate_cmu_per_h(sched)
            return r if r < self.cap_temp_cmu else self.cap_temp_cmu
        return sched * 100

    def _advance(self, now_ms):
        # Integrate the basal rate piece by piece up to now_ms; a temp basal
        # ends exactly at its end time, even inside a step interval.
        t = self.t_ms
        while True:
            tb = self.temp
            if tb is not None and t >= tb.end_ms:
                self._end_temp(tb.end_ms, "done")
            if t >= now_ms:
                break
            rate = self._rate(t)
            change = self.change_ms
            stop = change if change < now_ms else now_ms
            self.basal.advance(rate, stop - t)
            t = stop
            self.t_ms = t

    # --- the step plan ---

    def _sync(self, now_ms):
        # Bring everything up to now_ms: every step due by then is handed out
        # (into self.pending for the next plan()) and recorded. Commands call
        # this first, so a change at now_ms never loses or adds a due step.
        self._advance(now_ms)
        new_basal = self.basal.due - self.basal_out
        if self.plan_ms is not None and now_ms - self.plan_ms > BUCKET_MS and self._held(now_ms):
            new_basal = 0  # the motor task is held: owed, not handed out (_drop_missed)
        b = self.active_bolus
        p = self.prime_stream
        new_now = new_ext = new_prime = 0
        if b is not None:
            new_now = b.now.due(now_ms) - b.now.out
            new_ext = b.ext.due(now_ms) - b.ext.out
        if p is not None:
            new_prime = p.due(now_ms) - p.out
        n = new_basal + new_now + new_ext + new_prime
        if n > 0:
            if n - new_prime > self.room:  # only near a 1 h / 24 h limit
                new_basal, new_now, new_ext = self._fit(now_ms, new_basal, new_now, new_ext)
                n = new_basal + new_now + new_ext + new_prime
            self.room -= n - new_prime
        if n > 0:
            if self.reservoir_steps is not None and n > self.reservoir_steps:
                # Never push past an empty syringe: stop, hand out nothing,
                # and forget the basal steps owed so none catch up later.
                self.basal.due = self.basal_out
                self._halt(now_ms)
                self.mode = "stopped"
                self.stop_reason = "empty"
                self.events.append(("stop", {"at_ms": now_ms, "reason": "empty",
                                             "counted": True}))
                return
            self.basal_out += new_basal
            self.pending_basal += new_basal
            self.record.add(now_ms, new_basal, False)
            if b is not None:
                b.now.out += new_now
                b.ext.out += new_ext
                self.record.add(now_ms, new_now + new_ext, True)
                self.pending_now += new_now
                self.pending_ext += new_ext
            if p is not None:
                p.out += new_prime
            self.pending += n
            self.steps_commanded += n
            if self.reservoir_steps is not None:
                self.reservoir_steps -= n
            if self.position_steps is not None:
                self.position_steps += n
        if b is not None and b.done():
            self._end_bolus(now_ms, False)
        if p is not None and p.out >= p.total:
            self.prime_stream = None

    def _halt(self, now_ms):
        # End whatever runs, without handing out anything more.
        if self.active_bolus is not None:
            self._end_bolus(now_ms, True)
        if self.temp is not None:
            self._end_temp(now_ms, "stopped")
        self.prime_stream = None
        self.rewind_left = 0
        if self.busy_until > now_ms:
            self.busy_until = now_ms

    def plan(self, now_ms):
        """-> (direction, steps, rate_hz, wake_ms): steps due by now_ms not yet
        handed out, a pace for them (never slower than their nominal rate),
        and when to call again: the exact ms the next step falls due, a rate
        change, or at most 60 s. Forward and reverse steps never mix: pending
        forward steps go first and wake_ms is then now_ms."""
        if self.plan_ms is not None and now_ms - self.plan_ms > BUCKET_MS and self._held(now_ms):
            self._drop_missed(now_ms)
        self.plan_ms = now_ms
        self._sync(now_ms)
        n = self.pending
        if n == 0 and self.rewind_left:
            n = self.rewind_left
            self.rewind_left = 0
            self.steps_commanded += n
            hz = self.cfg["delivery"]["rewind_rate_hz"]
            return -1, n, hz, now_ms + n * 1000 // hz + 1
        self.last_basal = self.pending_basal  # what this plan() gave, for unissued()
        self.last_now = self.pending_now
        self.last_ext = self.pending_ext
        self.pending = 0
        self.pending_basal = 0
        self.pending_now = 0
        self.pending_ext = 0
        if self.rewind_left:
            return 1, n, _CATCHUP_HZ, now_ms
        wake = self._next_wake(now_ms)
        return 1, n, self._wake_hz, wake

    def _next_wake(self, now_ms):
        rate = self._rate(now_ms)
        wake = self.change_ms
        if rate > 0:
            w = now_ms + self.basal.ms_to_next_step(rate)
            if w < wake:
                wake = w
        hz = 0
        b = self.active_bolus
        if b is not None:
            nx = b.now.next_ms()
            if nx is not None:
                hz += b.now.hz()
                wake = nx if nx < wake else wake
            nx = b.ext.next_ms()
            if nx is not None:
                hz += b.ext.hz()
                wake = nx if nx < wake else wake
        p = self.prime_stream
        if p is not None:
            nx = p.next_ms()
            if nx is not None:
                hz += p.hz()
                wake = nx if nx < wake else wake
        if wake > now_ms + _IDLE_MS:
            wake = now_ms + _IDLE_MS
        # The pace goes in an attribute, not a tuple: plan() runs before
        # every step and should allocate as little as it can.
        self._wake_hz = hz if hz > _CATCHUP_HZ else _CATCHUP_HZ
        return wake

    def confirm(self, now_ms, steps):
        """Steps the stepper actually issued since the last confirm."""
        self.steps_confirmed += steps
        if self.rewinding and self.steps_confirmed >= self.steps_commanded:
            self.at_home(now_ms)

    def at_home(self, now_ms):
        """The plunger reached home (the switch, or the full rewind ran)."""
        if self.rewinding:
            self.rewinding = False
            self.rewind_left = 0
            self.position_steps = 0

    # --- records and status ---

    def _end_temp(self, at_ms, why):
        tb = self.temp
        self.temp = None
        self.events.append(("temp_end", {"at_ms": at_ms, "why": why,
                                         "ran_min": (at_ms - tb.start_ms) // 60000}))

    def _end_bolus(self, at_ms, cancelled):
        b = self.active_bolus
        self.active_bolus = None
        if self.busy_until > at_ms:
            self.busy_until = at_ms  # its stream stopped here
        steps = b.steps_out()
        d = {"at_ms": at_ms, "kind": b.kind, "requested_mu": b.now_mu + b.extended_mu,
             "delivered_mu": self.units.steps_to_mu(steps), "steps": steps,
             "cancelled": cancelled or b.cut is not None}
        if b.cut is not None:
            d["why"] = b.cut  # the limit that cut it short
        self.events.append(("bolus_end", d))
        self.last_bolus = d
        return d

    def pop_events(self):
        # The motor task asks after every plan(); most of the time there is
        # nothing, and then no new list is made (no allocation per step).
        ev = self.events
        if not ev:
            return ()
        self.events = []
        return ev
