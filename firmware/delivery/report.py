# What the engine reports (status, insulin on board, totals) and how it is
# rebuilt after a reset (restore). Engine (engine.py) inherits these.

from micropython import const

from delivery.temp_basal import TempBasal

_HOUR_MS = const(3600000)


class Reports:
    def iob_mu(self, now_ms):
        return int(self.record.bolus_iob_steps(now_ms, self.curve) * self.mu_per_step + 0.5)

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
