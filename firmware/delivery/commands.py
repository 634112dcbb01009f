# The engine's commands. Each one checks everything first and raises
# Rejected before changing anything, so a refused command leaves the engine
# exactly as it was. The checks of each command X are its own method
# preview_X(now_ms, ...) (same arguments, no change), so a user interface can
# refuse before it asks for the OK button. Then it brings the basal integral up to now_ms (so the
# change takes effect at that instant), changes state and queues the journal
# event. Engine (engine.py) inherits these.

from micropython import const

from delivery import bolus as bolus_mod
from delivery import calculator, limits, settings
from delivery.errors import ConfigError, Rejected, fmt_u
from delivery.guard import DAY_WINDOW_MS, HOUR_WINDOW_MS
from delivery.profile import max_rate
from delivery.temp_basal import TempBasal

_MIN_MS = const(60000)
_HOUR_MS = const(3600000)
_DAY_MS = const(86400000)
_MAX_PROFILES = const(8)


class Commands:
    # --- shared checks ---

    def _need_delivering(self):
        if self.mode == "suspended":
            raise Rejected("suspended", "delivery is suspended; resume first")
        if self.mode == "stopped":
            raise Rejected("stopped", "delivery was stopped by an alarm; resume first")

    def _need_suspended(self, what):
        if self.mode != "suspended":
            raise Rejected("not_suspended", "%s only while suspended" % what)
        if self.prime_stream is not None or self.rewinding:
            raise Rejected("busy", "a prime or rewind is still running")

    def _need_reservoir(self, steps):
        res = self.reservoir_steps
        if res is not None and steps > res:
            raise Rejected("reservoir", "needs %s but the reservoir holds %s"
                           % (fmt_u(self.units.steps_to_mu(steps)),
                              fmt_u(self.units.steps_to_mu(res))))

    # --- bolus ---

    def preview_bolus(self, now_ms, now_mu, extended_mu=0, duration_min=0):
        """Check a bolus and say exactly what would be delivered; no change.
        -> {"requested_mu", "now_mu", "extended_mu", "duration_min", "steps",
            "deliverable_mu"}: the parts rounded down to the bolus increment,
        the microsteps, and what those steps are in mU (rounded down)."""
        self._need_delivering()
        b = self.active_bolus
        if b is not None:
            raise Rejected("bolus_running", "a bolus is running (%s of %s delivered); cancel it first"
                           % (fmt_u(self.units.steps_to_mu(b.steps_out())),
                              fmt_u(b.now_mu + b.extended_mu)))
        if self.prime_stream is not None or self.rewinding:
            raise Rejected("busy", "a prime or rewind is running")
        limits.check_range("bad_amount", "bolus amount (mU)", now_mu, 0, 10 ** 9)
        limits.check_range("bad_amount", "extended amount (mU)", extended_mu, 0, 10 ** 9)
        cfg = self.cfg
        inc = cfg["delivery"]["bolus_increment_mu"]
        now_r = now_mu // inc * inc
        ext_r = extended_mu // inc * inc
        if extended_mu:
            longest = cfg["delivery"]["extended_max_min"]
            if longest > settings.CEILINGS["extended_min"]:
                longest = settings.CEILINGS["extended_min"]
            limits.check_range("bad_duration", "extended duration (min)", duration_min, 15,
                               longest, 15)
        elif duration_min:
            raise Rejected("bad_request", "a duration needs an extended amount")
        total = now_r + ext_r
        if total <= 0:
            raise Rejected("below_increment", "bolus %s rounds down to 0 U at the %s increment"
                           % (fmt_u(now_mu + extended_mu), fmt_u(inc)))
        limits.check_amount("max_bolus", "max bolus", total, limits.limit(cfg, "max_bolus_mu"))
        limits.check_total("max_per_hour", "max per hour", self.delivered_mu(now_ms, HOUR_WINDOW_MS),
                           total, limits.limit(cfg, "max_per_hour_mu"))
        limits.check_total("max_per_24h", "max per 24 h", self.delivered_mu(now_ms, DAY_WINDOW_MS),
                           total, limits.limit(cfg, "max_per_24h_mu"))
        limits.check_total("max_iob", "max IOB", self.iob_mu(now_ms), total,
                           limits.limit(cfg, "max_iob_mu"))
        steps = self.units.mu_to_steps(now_r) + self.units.mu_to_steps(ext_r)
        self._need_reservoir(steps)
        return {"requested_mu": now_mu + extended_mu, "now_mu": now_r, "extended_mu": ext_r,
                "duration_min": duration_min if ext_r else 0, "steps": steps,
                "deliverable_mu": self.units.steps_to_mu(steps)}

    def bolus(self, now_ms, now_mu, extended_mu=0, duration_min=0):
        """Start a normal, extended or combo bolus (both parts start now).
        Queues bolus_start before any of its steps can be planned."""
        d = self.preview_bolus(now_ms, now_mu, extended_mu, duration_min)
        self._sync(now_ms)
        b = bolus_mod.Bolus(now_ms, d["now_mu"], d["extended_mu"], d["duration_min"], self.cfg,
                            self.units)
        self.active_bolus = b
        if b.now.total:
            self._busy(b.now.end_ms())
        self.events.append(("bolus_start", {"at_ms": now_ms, "kind": b.kind,
                                            "now_mu": d["now_mu"], "extended_mu": d["extended_mu"],
                                            "duration_min": d["duration_min"],
                                            "steps": d["steps"]}))
        return d

    def preview_cancel_bolus(self, now_ms):
        if self.active_bolus is None:
            raise Rejected("no_bolus", "no bolus is running")

    def cancel_bolus(self, now_ms):
        """Stop the bolus now. -> {"delivered_mu", "cancelled_mu", "steps"}:
        exactly the steps handed out so far; none follow."""
        self.preview_cancel_bolus(now_ms)
        self._sync(now_ms)
        if self.active_bolus is None:  # its last step fell due at now_ms
            d = self.last_bolus
        else:
            d = self._end_bolus(now_ms, True)
        return {"delivered_mu": d["delivered_mu"],
                "cancelled_mu": d["requested_mu"] - d["delivered_mu"], "steps": d["steps"]}

    def calculate_bolus(self, now_ms, carbs_g, bg_mg_dl):
        """A suggestion and its parts (see calculator.py); never delivers."""
        limits.check_range("bad_carbs", "carbs (g)", carbs_g, 0, 500)
        if bg_mg_dl is not None:
            limits.check_range("bad_bg", "BG (mg/dL)", bg_mg_dl, 20, 600)
        return calculator.suggest(self.cfg, self.time_of_day_ms(now_ms), carbs_g, bg_mg_dl,
                                  self.iob_mu(now_ms), limits.limit(self.cfg, "max_bolus_mu"))

    # --- temp basal ---

    def preview_temp_basal(self, now_ms, duration_min, percent=None, rate_mu_per_h=None):
        """Check a temp basal; no change. -> {"duration_min", "peak_mu_per_h"}:
        the highest rate it asks for on the active profile."""
        self._need_delivering()
        if (percent is None) == (rate_mu_per_h is None):
            raise Rejected("bad_request", "give either a percent or a rate")
        limits.check_range("bad_duration", "temp basal duration (min)", duration_min, 15,
                           settings.CEILINGS["temp_min"], 15)
        cfg = self.cfg
        cap = limits.limit(cfg, "max_temp_basal_mu_per_h")
        if percent is not None:
            limits.check_range("max_temp_percent", "temp basal percent", percent, 0,
                               settings.CEILINGS["temp_percent"])
            peak = (max_rate(self.profiles[self.profile_name]) * percent + 99) // 100
        else:
            limits.check_range("bad_rate", "temp basal rate (mU/h)", rate_mu_per_h, 0, 10 ** 9)
            peak = rate_mu_per_h
        limits.check_rate("max_temp_basal", "max temp basal", peak, cap)
        # What it delivers by itself must fit the hourly and daily limits
        # (with what else runs, the delivery path holds basal at the limit).
        limits.check_window("max_per_hour", "max per hour", peak,
                            duration_min if duration_min < 60 else 60,
                            limits.limit(cfg, "max_per_hour_mu"))
        limits.check_window("max_per_24h", "max per 24 h", peak, duration_min,
                            limits.limit(cfg, "max_per_24h_mu"))
        return {"duration_min": duration_min, "peak_mu_per_h": peak}

    def temp_basal(self, now_ms, duration_min, percent=None, rate_mu_per_h=None):
        """Percent (0..250) of the scheduled rate or an absolute rate, for
        15 min..24 h in 15-minute steps; replaces a running temp basal."""
        self.preview_temp_basal(now_ms, duration_min, percent, rate_mu_per_h)
        self._sync(now_ms)
        if self.temp is not None:
            self._end_temp(now_ms, "replaced")
        tb = TempBasal(now_ms, now_ms + duration_min * _MIN_MS, percent, rate_mu_per_h)
        self.temp = tb
        d = tb.describe(now_ms)
        d["duration_min"] = duration_min
        ev = dict(d)
        ev["at_ms"] = now_ms
        self.events.append(("temp_start", ev))
        return d

    def preview_cancel_temp_basal(self, now_ms):
        if self.temp is None or self.temp.end_ms <= now_ms:
            raise Rejected("no_temp", "no temp basal is running")

    def cancel_temp_basal(self, now_ms):
        self.preview_cancel_temp_basal(now_ms)
        self._sync(now_ms)
        self._end_temp(now_ms, "cancelled")
        return {"ended_ms": now_ms}

    # --- suspend, resume, alarms ---

    def _stop_all(self, now_ms):
        self._sync(now_ms)
        self._halt(now_ms)

    def preview_suspend(self, now_ms):
        if self.mode == "suspended":
            raise Rejected("already_suspended", "delivery is already suspended")

    def suspend(self, now_ms):
        """Stop all delivery: the bolus and temp basal end (with events)."""
        self.preview_suspend(now_ms)
        self._stop_all(now_ms)
        self.mode = "suspended"
        self.events.append(("suspend", {"at_ms": now_ms}))

    def preview_resume(self, now_ms):
        if self.mode == "delivering":
            raise Rejected("not_suspended", "delivery is not suspended")
        if self.prime_stream is not None or self.rewinding:
            raise Rejected("busy", "a prime or rewind is still running")
        if self.reservoir_steps == 0:
            raise Rejected("refill", "the reservoir is empty: refill it (refill U) first")

    def resume(self, now_ms):
        self.preview_resume(now_ms)
        self._sync(now_ms)
        self.mode = "delivering"
        self.events.append(("resume", {"at_ms": now_ms}))

    def stop_delivery(self, now_ms, reason):
        """An alarm stopped delivery: end bolus and temp, plan nothing more
        until resume(). Unlike suspend, steps that fell due but were not yet
        handed to the stepper are dropped, not issued: the motor must not
        move again after, say, an occlusion."""
        self._advance(now_ms)
        n = self.pending
        if n:
            b = self.active_bolus
            k = self.pending_now + self.pending_ext
            if b is not None:
                b.now.out -= self.pending_now
                b.ext.out -= self.pending_ext
            self.basal_out -= self.pending_basal
            self.record.take_back(now_ms, n, k)
            self.pending = self.pending_basal = self.pending_now = self.pending_ext = 0
            self.steps_commanded -= n
            if self.reservoir_steps is not None:
                self.reservoir_steps += n
            if self.position_steps is not None:
                self.position_steps -= n
        self.basal.due = self.basal_out  # owed basal steps are forgotten, not caught up
        self._halt(now_ms)
        if self.rewinding:  # stopped part-way: where the plunger is is unknown
            self.rewinding = False
            self.position_steps = None
        self.mode = "stopped"
        self.stop_reason = reason
        self.events.append(("stop", {"at_ms": now_ms, "reason": reason}))

    def halt_quietly(self):
        """Last resort when even stop_delivery() failed (out of memory):
        end everything and plan nothing more, allocating nothing and
        journaling nothing. Steps already handed out stay counted."""
        self.mode = "stopped"
        self.stop_reason = "storage"
        self.active_bolus = None
        self.temp = None
        self.prime_stream = None
        self.rewind_left = 0
        self.basal.due = self.basal_out

    # --- reservoir: prime, rewind, refill ---

    def preview_prime(self, now_ms, amount_mu):
        """Check a prime (or a calibration dispense: the same motion into a
        cup) before asking for OK; no change. -> {"amount_mu", "steps"}."""
        self._need_suspended("prime")
        limits.check_range("max_prime", "prime amount (mU)", amount_mu, 1,
                           settings.CEILINGS["prime_mu"])
        steps = self.units.mu_to_steps(amount_mu)
        self._need_reservoir(steps)
        return {"amount_mu": amount_mu, "steps": steps}

    def prime(self, now_ms, amount_mu):
        """Push amount_mu at the prime rate while suspended. Uses the
        reservoir; not insulin on board, not in the daily totals."""
        steps = self.preview_prime(now_ms, amount_mu)["steps"]
        self._sync(now_ms)
        self.prime_stream = bolus_mod.at_rate(now_ms, steps,
                                              self.cfg["delivery"]["prime_rate_mu_per_min"],
                                              self.units)
        self._busy(self.prime_stream.end_ms())
        self.events.append(("prime", {"at_ms": now_ms, "amount_mu": amount_mu, "steps": steps}))
        return {"amount_mu": amount_mu, "steps": steps}

    def preview_rewind(self, now_ms):
        """Check a rewind; no change. -> {"steps"} it would retract."""
        self._need_suspended("rewind")
        return {"steps": self.position_steps if self.position_steps is not None
                else self.travel_steps}

    def rewind(self, now_ms):
        """Retract to home while suspended: the steps pushed since the last
        rewind, or the whole travel when unknown. The reservoir is then empty
        until new_reservoir()."""
        steps = self.preview_rewind(now_ms)["steps"]
        self._sync(now_ms)
        self.rewind_left = steps
        self.rewinding = steps > 0
        if steps == 0:
            self.position_steps = 0
        self.reservoir_steps = 0
        self.events.append(("rewind", {"at_ms": now_ms, "steps": steps}))
        return {"steps": steps}

    def preview_new_reservoir(self, now_ms, amount_mu):
        limits.check_range("bad_amount", "reservoir amount (mU)", amount_mu, 1,
                           self.cfg["reservoir"]["capacity_mu"])
        if self.active_bolus is not None or self.prime_stream is not None:
            raise Rejected("busy", "a bolus or prime is running")

    def new_reservoir(self, now_ms, amount_mu):
        """A refilled syringe holding amount_mu (at least 1 mU: an empty
        syringe is not a refill, it is what rewind leaves)."""
        self.preview_new_reservoir(now_ms, amount_mu)
        self._sync(now_ms)
        self.rewinding = False
        self.rewind_left = 0
        self.reservoir_steps = self.units.mu_to_steps(amount_mu)
        self.events.append(("reservoir", {"at_ms": now_ms, "amount_mu": amount_mu,
                                          "steps": self.reservoir_steps}))

    # --- profiles ---

    def select_profile(self, now_ms, name):
        self.preview_select_profile(now_ms, name)
        self._sync(now_ms)
        self.profile_name = name
        self._invalidate()
        self.events.append(("profile", {"at_ms": now_ms, "name": name}))
        self._note_temp_cap(now_ms)

    def preview_select_profile(self, now_ms, name):
        if name not in self.profiles:
            raise Rejected("no_profile", "no profile named %r" % (name,))

    def preview_set_profile(self, now_ms, name, segments):
        """Check a profile; no change. -> its segments as lists."""
        if not isinstance(name, str) or not 1 <= len(name) <= 16:
            raise Rejected("bad_profile", "profile names are 1..16 characters")
        if name not in self.profiles and len(self.profiles) >= _MAX_PROFILES:
            raise Rejected("bad_profile", "at most %d profiles" % _MAX_PROFILES)
        cap = limits.limit(self.cfg, "max_basal_mu_per_h")
        try:
            segs = settings.check_profile("profile " + name, segments, 10 ** 9)
        except ConfigError as e:
            raise Rejected("bad_profile", str(e))
        for seg in segs:
            limits.check_rate("max_basal", "max basal", seg[1], cap)
        day = settings.daily_mu(segs)
        top = limits.limit(self.cfg, "max_per_24h_mu")
        if day > top:
            raise Rejected("max_per_24h", "profile delivers %s a day, above max per 24 h %s by %s"
                           % (fmt_u(day), fmt_u(top), fmt_u(day - top)))
        return segs

    def set_profile(self, now_ms, name, segments):
        """Create or replace a profile: [[start_min, rate_mu_per_h], ...]."""
        segs = self.preview_set_profile(now_ms, name, segments)
        self._sync(now_ms)
        self.profiles[name] = segs
        if name == self.profile_name:
            self._invalidate()
        self.events.append(("profile", {"at_ms": now_ms, "name": name,
                                        "segments": [list(s) for s in segs]}))
        if name == self.profile_name:
            self._note_temp_cap(now_ms)

