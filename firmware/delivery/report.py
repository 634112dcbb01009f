# What the engine reports (status, insulin on board, totals), how it is
# rebuilt after a reset (restore) and how a new config is applied. Engine (engine.py) inherits these.

from micropython import const

from delivery import mechanics
from delivery.basal import BasalIntegrator
from delivery.errors import Rejected
from delivery.iob import Curve
from delivery.temp_basal import TempBasal

_HOUR_MS = const(3600000)


class Reports:
    def iob_mu(self, now_ms):
        return int(self.record.bolus_iob_steps(now_ms, self.curve) * self.mu_per_step + 0.5)

    def basal_total_mu(self):
        """Basal handed out since boot, mU rounded up, never going back when
        the mechanics change (the recorder journals its increase)."""
        return self.basal_mu_base + self.units.steps_to_mu_up(self.basal_out)

    def delivered_mu(self, now_ms, window_ms):
        # Rounded up: what the limits count must never be less than the truth.
        return self.units.steps_to_mu_up(self.record.sum_total(now_ms, window_ms))

    def status(self, now_ms):
        self._sync(now_ms)
        rate = self._rate(now_ms)
        sched = self._scheduled(now_ms)
        state = self.mode
        if state == "delivering" and self.offset_ms is None:
            state = "no_time"
        b = self.active_bolus
        bolus = None
        if b is not None:
            bolus = {"kind": b.kind, "requested_mu": b.now_mu + b.extended_mu,
                     "delivered_mu": self.units.steps_to_mu(b.steps_out()),
                     "extended_left_mu": self.units.steps_to_mu(b.ext.total - b.ext.out),
                     "ends_ms": b.ends_ms()}
        res = self.reservoir_steps
        res_mu = None if res is None else self.units.steps_to_mu(res)
        basal = rate // 100
        return {
            "state": state, "profile": self.profile_name,
            "scheduled_mu_per_h": sched, "basal_mu_per_h": basal,
            "temp": None if self.temp is None else self.temp.describe(now_ms),
            "bolus": bolus, "iob_mu": self.iob_mu(now_ms), "reservoir_mu": res_mu,
            "reservoir_low": res_mu is not None and res_mu < self.cfg["reservoir"]["low_alert_mu"],
            "hours_left": None if res_mu is None or basal == 0 else res_mu // basal,
            "travel_left_steps": res,
            "delivered_24h_mu": self.delivered_mu(now_ms, 24 * _HOUR_MS),
            "steps_commanded": self.steps_commanded, "steps_confirmed": self.steps_confirmed,
            "capped": self.capped,  # the 1 h / 24 h limit holding basal back, or None
            "stop_reason": self.stop_reason if self.mode == "stopped" else None,
            "refill": res == 0,  # the reservoir is empty (after a rewind): refill it
        }

    def restore(self, now_ms, state):
        """Rebuild after a reset (format in the module comment). A bolus that
        was running is never resumed."""
        self._reset_runtime(now_ms)
        units = self.units
        for age_ms, amount_mu, kind in state.get("deliveries") or ():
            if kind in ("bolus", "basal"):
                # Rounded up: past doses count at least in full.
                self.record.add(now_ms - age_ms, units.mu_to_steps_up(amount_mu), kind == "bolus")
        unc = state.get("uncertain")
        if unc:
            self.record.add(now_ms - unc["age_ms"], units.mu_to_steps_up(unc["amount_mu"]), True)
        if state.get("profile") in self.profiles:
            self.profile_name = state["profile"]
        res = state.get("reservoir_mu")
        self.reservoir_steps = None if res is None else units.mu_to_steps(res)
        if state.get("suspended"):
            self.mode = "suspended"
        else:
            tb = state.get("temp")
            if tb and tb.get("left_ms", 0) > 0 and (tb.get("percent") is not None
                                                    or tb.get("rate_mu_per_h") is not None):
                self.temp = TempBasal(now_ms, now_ms + tb["left_ms"], tb.get("percent"),
                                      tb.get("rate_mu_per_h"))
        return {"mode": self.mode, "temp_resumed": self.temp is not None,
                "uncertain_mu": unc["amount_mu"] if unc else 0}

    # --- the stepper stopped early ---

    def unissued(self, now_ms, steps):
        """The stepper stopped early: `steps` of the last forward plan() never
        moved the plunger. They are taken back (basal first, then the bolus's
        extended and now parts, so insulin on board is never undercounted)
        and not owed again; an "unissued" event says so."""
        k = steps
        x = k if k < self.last_basal else self.last_basal
        self.basal_out -= x
        self.basal.due -= x
        self.last_basal -= x
        k -= x
        back_bolus = 0
        b = self.active_bolus
        if b is not None:
            x = k if k < self.last_ext else self.last_ext
            b.ext.out -= x
            self.last_ext -= x
            back_bolus += x
            k -= x
            x = k if k < self.last_now else self.last_now
            b.now.out -= x
            self.last_now -= x
            back_bolus += x
            k -= x
        taken = steps - k  # k > 0 only for prime steps or a bolus already ended
        self.record.take_back(now_ms, taken, back_bolus)
        self.steps_commanded -= steps
        if self.reservoir_steps is not None:
            self.reservoir_steps += steps
        if self.position_steps is not None:
            self.position_steps -= steps
        self.events.append(("unissued", {"at_ms": now_ms, "steps": steps}))

    # --- config ---

    def check_config(self, now_ms, cfg):
        """Would apply_config(now_ms, cfg) be refused? Raises Rejected if so,
        changes nothing. -> True when it changes the size of a step."""
        num, den = mechanics.steps_per_mu(cfg["mechanics"], self.drive[0], self.drive[1])
        rebase = (num, den) != (self.units.num, self.units.den)
        if rebase and (self.active_bolus is not None or self.prime_stream is not None
                       or self.rewinding):
            raise Rejected("busy", "mechanics change while a bolus, prime or rewind runs")
        return rebase

    def apply_config(self, now_ms, cfg):
        """Use a new validated config from now_ms on: limits, speeds,
        increments, profiles, active profile and insulin curve at once. A
        running bolus keeps the rate it started with. A mechanics change
        re-bases the step conversion (refused while a bolus or prime runs);
        the reservoir keeps its amount in mU."""
        rebase = self.check_config(now_ms, cfg)
        num, den = mechanics.steps_per_mu(cfg["mechanics"], self.drive[0], self.drive[1])
        self._sync(now_ms)
        self.cfg = cfg
        self.curve = Curve(cfg["insulin"]["dia_min"], cfg["insulin"]["peak_min"])
        self.profiles = {}
        for name in cfg["profiles"]:
            self.profiles[name] = [list(seg) for seg in cfg["profiles"][name]]
        self.profile_name = cfg["active_profile"]
        self._set_caps()
        self._invalidate()
        self._cut_bolus_to_limits(now_ms)
        self._note_temp_cap(now_ms)
        if rebase:
            res_mu = None if self.reservoir_steps is None else \
                self.units.steps_to_mu(self.reservoir_steps)
            # The basal total journaled so far carries on from here, and the
            # record behind the limits and IOB keeps its amounts in units.
            self.basal_mu_base += self.units.steps_to_mu_up(self.basal_out)
            self.record.rescale(self.units, num, den)
            self.capped_steps = 0
            self.room = 0
            self.recount_ms = 0
            self.units = mechanics.Units(num, den)
            self.mu_per_step = den / num
            self.travel_steps = mechanics.travel_steps(cfg["mechanics"], self.drive[0],
                                                       self.drive[1])
            # Steps already given stay counted; the part-step owed restarts.
            self.basal = BasalIntegrator(num, den)
            self.basal_out = 0
            self.reservoir_steps = None if res_mu is None else self.units.mu_to_steps(res_mu)
            self.position_steps = None
