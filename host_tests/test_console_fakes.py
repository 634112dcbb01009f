# plunger-test: both
# Shared fakes for the console tests (no tests in this file): a pump facade
# that records every call and can refuse, like delivery.errors.Rejected.

DELIVERY = ("bolus", "prime", "rewind", "resume")


class FakeRejected(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class FakeFacade:
    def __init__(self):
        self.calls = []
        self.refuse = {}  # method name -> FakeRejected to raise
        self.armed = True  # False: a delivery call is a violation (fuzzing)
        self.violations = []
        self.config = {"ui": {"require_button_confirm": True, "log_level": "info"},
                       "limits": {"max_bolus_mu": 10000},
                       "mechanics": {"calibration_ppm": 1000000},
                       "profiles": {"default": [[0, 800], [360, 1200]], "weekend": [[0, 700]]},
                       "active_profile": "default"}
        self.wall = 1795320605
        self.alarm_list = [{"id": "low_reservoir", "state": "active", "message": "20 U left"}]
        self.records = [(i, 1795320000 + i * 60, i * 60000, "bolus_start", {"now_mu": 1000 * i})
                        for i in range(1, 31)]

    def _rec(self, name, *args):
        if name in DELIVERY and not self.armed:
            self.violations.append((name,) + args)
            raise AssertionError("delivery call %s%r without confirmation" % (name, args))
        self.calls.append((name,) + args)
        if name in self.refuse:
            raise self.refuse[name]

    def names(self):
        return [c[0] for c in self.calls]

    def preview_bolus(self, now_ms, now_mu, extended_mu=0, duration_min=0):
        self._rec("preview_bolus", now_mu, extended_mu, duration_min)
        if now_mu + extended_mu > self.config["limits"]["max_bolus_mu"]:
            raise FakeRejected("max_bolus", "bolus above the 10.000 U limit")
        return {"now_mu": now_mu - now_mu % 2, "extended_mu": extended_mu,
                "duration_min": duration_min, "steps": now_mu // 2}

    def bolus(self, now_ms, now_mu, extended_mu=0, duration_min=0):
        self._rec("bolus", now_mu, extended_mu, duration_min)
        return {"now_mu": now_mu, "extended_mu": extended_mu, "duration_min": duration_min,
                "steps": now_mu // 2}

    def cancel_bolus(self, now_ms):
        self._rec("cancel_bolus")
        return {"delivered_mu": 500, "cancelled_mu": 1000}

    def temp_basal(self, now_ms, duration_min, percent=None, rate_mu_per_h=None):
        self._rec("temp_basal", duration_min, percent, rate_mu_per_h)
        return {"duration_min": duration_min}

    def cancel_temp_basal(self, now_ms):
        self._rec("cancel_temp_basal")

    def suspend(self, now_ms):
        self._rec("suspend")

    def resume(self, now_ms):
        self._rec("resume")

    def prime(self, now_ms, amount_mu):
        self._rec("prime", amount_mu)
        return {"amount_mu": amount_mu}

    def rewind(self, now_ms):
        self._rec("rewind")

    def new_reservoir(self, now_ms, amount_mu):
        self._rec("new_reservoir", amount_mu)

    def select_profile(self, now_ms, name):
        self._rec("select_profile", name)
        if name not in self.config["profiles"]:
            raise FakeRejected("no_profile", "no profile named " + name)

    def set_profile(self, now_ms, name, segments):
        self._rec("set_profile", name, segments)
        self.config["profiles"][name] = segments

    def calculate_bolus(self, now_ms, carbs_g, bg_mg_dl):
        self._rec("calculate_bolus", carbs_g, bg_mg_dl)
        return {"suggested_mu": carbs_g * 100, "carbs_mu": carbs_g * 100}

    def status(self, now_ms):
        return {"state": "delivering", "profile": "default", "scheduled_mu_per_h": 800,
                "basal_mu_per_h": 800, "temp": None, "bolus": None, "iob_mu": 1234,
                "reservoir_mu": 150000, "hours_left": 187, "delivered_24h_mu": 12345,
                "steps_commanded": 10, "steps_confirmed": 10}

    def alarms(self):
        return self.alarm_list

    def ack_alarm(self, alarm_id):
        self._rec("ack_alarm", alarm_id)
        if alarm_id not in [a["id"] for a in self.alarm_list]:
            raise FakeRejected("no_alarm", "no active alarm " + alarm_id)

    def history(self, n=None, since_wall_s=None):
        self._rec("history", n, since_wall_s)
        if since_wall_s is not None:
            return [r for r in self.records if r[1] >= since_wall_s]
        return self.records[-n:]

    def config_get(self, path):
        if path == "":
            return self.config
        node = self.config
        for part in path.split("."):
            node = node[part]  # KeyError: unknown path
        return node

    def config_set(self, path, value):
        self._rec("config_set", path, value)
        # Like settings.validate: known fields only, checked against ceilings.
        if path == "limits.max_bolus_mu":
            if type(value) is not int or value < 0 or value > 25000:
                raise ValueError("limits.max_bolus_mu: must be 0..25000 (the ceiling)")
            self.config["limits"]["max_bolus_mu"] = value
        elif path == "ui.require_button_confirm":
            if value is not True and value is not False:
                raise ValueError("ui.require_button_confirm: must be true or false")
            self.config["ui"]["require_button_confirm"] = value
        elif path == "mechanics.calibration_ppm":
            if type(value) is not int or value < 500000 or value > 2000000:
                raise ValueError("mechanics.calibration_ppm: must be 500000..2000000")
            self.config["mechanics"]["calibration_ppm"] = value
        else:
            raise ValueError("%s: no such setting" % path)

    def set_time(self, wall_s):
        self._rec("set_time", wall_s)
        self.wall = wall_s

    def wall_s(self):
        return self.wall

    def board_info(self):
        return {"name": "sim", "stepper": {"microsteps": 16}}

    def version(self):
        return "0.1.0"


class FakeGates:
    """The fake facade has no engine, so there is nothing to dry-run against:
    every check passes. What waits for OK follows the real policy for the
    paths the fake knows. The real checks run on the real Pump in
    test_console_gates.py."""

    def check_prime(self, pump, now_ms, amount_mu):
        pass

    def check_rewind(self, pump, now_ms):
        pass

    def check_resume(self, pump, now_ms):
        pass

    def check_temp(self, pump, now_ms, duration_min, percent=None, rate_mu_per_h=None):
        pass

    def check_set_profile(self, pump, now_ms, name, segments):
        pass

    def check_select_profile(self, pump, now_ms, name):
        return True

    def cancel_temp_raises(self, pump, now_ms):
        return False

    def plan_config_set(self, pump, path, value):
        from gates import ConfigPlan

        flag_off = (path == "ui.require_button_confirm" and value is not True
                    and pump.config["ui"]["require_button_confirm"] is not False)
        raises = [path] if path.split(".")[0] in ("limits", "mechanics") else []
        return ConfigPlan(None, [path], raises, flag_off)


class Out:
    """Collects what the console writes."""

    def __init__(self):
        self.parts = []

    def __call__(self, s):
        self.parts.append(s)

    def text(self):
        return "".join(self.parts)

    def lines(self):
        return [x for x in self.text().split("\r\n") if x]

    def clear(self):
        self.parts = []


def make_console(confirm_answer=True):
    from console.shell import Console

    facade = FakeFacade()
    out = Out()
    asked = []

    async def confirmer(prompt, timeout_ms):
        asked.append((prompt, timeout_ms))
        return confirm_answer

    con = Console(facade, lambda: 1000, out, confirmer, gates=FakeGates())
    return con, facade, out, asked
