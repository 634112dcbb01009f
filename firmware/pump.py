# The pump as the buttons, the screen and the console see it: one facade
# over the engine, the alarms, the journal and the config.
#
# Every command goes through here so that three rules hold in one place:
#  - delivery commands are refused while a delivery-stopping alarm is
#    unacknowledged or the config is invalid;
#  - the engine's events are journaled right after each command, before the
#    motor task can run (write before you move: a bolus is on flash as
#    "started" before its first step);
#  - a journal that cannot be written stops delivery (storage_error).

from delivery.errors import Rejected
from store.alarms import KINDS

# Commands that can make the motor move forward or back.
_MOTOR_COMMANDS = ("bolus", "resume", "prime", "rewind", "temp_basal")
# Commands that stop motion: the motor halts before the engine hears them.
_HALT_FIRST = ("suspend", "cancel_bolus")
_PRIORITY_NAMES = {3: "high", 2: "medium", 1: "low"}
_HISTORY_MAX = 200


class Pump:
    def __init__(self, engine, alarms, recorder, journal, config_store, cfg, wall, clock, info):
        """engine: delivery.engine.Engine (None while the config is invalid);
        alarms: store.alarms.AlarmManager; recorder: store.recorder.Recorder;
        journal: store.journal.Journal; config_store: store.config.ConfigStore;
        cfg: the config in force (None if invalid); wall: wallclock.WallClock;
        clock: the monotonic clock; info: dict for `board`/`version`."""
        self.engine = engine
        self.alarms_mgr = alarms
        self.recorder = recorder
        self.journal = journal
        self.config_store = config_store
        self.cfg = cfg
        self.wall = wall
        self.clock = clock
        self.info = info
        self.battery_pct = None  # set by the monitor task
        self.battery_mv = None
        self.occlusion_status = "unknown"
        self.on_alarm = None  # app hook: called with (id, detail) when an alarm is raised
        self.on_change = None  # app hook: called after every command (the screen redraws)
        self.on_ack = None  # app hook: called with the id of an acknowledged alarm
        self.motor = None  # app hook: the MotorLoop (halt() before a stop, wake() after)

    # ---- plumbing ----------------------------------------------------------

    def _need_engine(self):
        if self.engine is None:
            raise Rejected("config_error", "no valid config: fix /config.json, delivery is off")
        return self.engine

    def _check_motor_allowed(self, what):
        if self.alarms_mgr.delivery_blocked():
            ids = [a[0] for a in self.alarms_mgr.active() if KINDS[a[0]][1]]
            raise Rejected("alarm_active", "%s refused: acknowledge alarm %s first"
                           % (what, ", ".join(ids)))

    def journal_events(self, now_ms):
        """Write the engine's pending events; they are cleared only once they
        are on flash. Anything that prevents the write (OSError, MemoryError,
        a bug) stops delivery with storage_error. -> True when written."""
        eng = self.engine
        if eng is None or not eng.events:
            return True
        try:
            self.recorder.events(now_ms, eng.events)
        except Exception as e:  # MemoryError too: no bolus moves off the record
            self._storage_failed(now_ms, e)
            return False
        for kind, data in eng.pop_events():
            if kind == "stop" and data.get("counted"):
                # The counted reservoir ran out: an alarm, like the end stop.
                self.raise_alarm("empty", now_ms, "reservoir counted empty: refill the syringe")
        return True

    def _storage_failed(self, now_ms, err):
        eng = self.engine
        try:
            if self.motor is not None:
                self.motor.halt("alarm")  # reconcile the move before its steps are dropped
            eng.stop_delivery(now_ms, "storage")
        except Exception:
            eng.halt_quietly()  # allocates nothing: works out of memory too
        del eng.events[:]  # cannot be written: the stop itself included
        self.raise_alarm("storage_error", now_ms, "journal write failed: %r" % (err,))

    def raise_alarm(self, aid, now_ms, detail=""):
        if self.motor is not None and KINDS.get(aid, (0, False))[1]:
            self.motor.halt("alarm")  # no step after a delivery-stopping alarm
        try:
            new = self.alarms_mgr.raise_alarm(aid, now_ms, detail)
        except Exception:
            new = True  # could not persist or journal it: still announce it now
        if self.on_alarm is not None and new:
            self.on_alarm(aid, detail)
        return new

    def _run(self, now_ms, what, *args, **kwargs):
        """Engine command `what` at now_ms, behind the gates, journaled."""
        eng = self._need_engine()
        if what in _MOTOR_COMMANDS:
            self._check_motor_allowed(what)
        motor = self.motor
        if motor is not None and what in _HALT_FIRST:
            motor.halt(what)
        try:
            result = getattr(eng, what)(now_ms, *args, **kwargs)
        finally:
            written = self.journal_events(now_ms)
            if self.on_change is not None:
                self.on_change()
            if motor is not None:
                motor.wake()  # a started motion begins now, not after the sleep
        if not written:
            raise Rejected("storage_error", "%s not done: the journal cannot be written, "
                           "delivery stopped" % what)
        return result

    # ---- commands (Engine API, plus the gates above) -----------------------

    def preview_bolus(self, now_ms, now_mu, extended_mu=0, duration_min=0):
        eng = self._need_engine()
        self._check_motor_allowed("bolus")
        return eng.preview_bolus(now_ms, now_mu, extended_mu, duration_min)

    def preview(self, now_ms, what, *args, **kwargs):
        """Check engine command `what` behind the same gates as doing it,
        without doing it: raises Rejected as the command would, returns the
        engine's preview (for example preview(now, "prime", 2000) before
        asking for OK). Every command has one: bolus, cancel_bolus,
        temp_basal, cancel_temp_basal, suspend, resume, prime, rewind,
        new_reservoir, select_profile, set_profile."""
        eng = self._need_engine()
        if what in _MOTOR_COMMANDS:
            self._check_motor_allowed(what)
        return getattr(eng, "preview_" + what)(now_ms, *args, **kwargs)

    def preview_prime(self, now_ms, amount_mu):
        return self.preview(now_ms, "prime", amount_mu)

    def preview_temp_basal(self, now_ms, duration_min, percent=None, rate_mu_per_h=None):
        return self.preview(now_ms, "temp_basal", duration_min, percent=percent,
                            rate_mu_per_h=rate_mu_per_h)

    def bolus(self, now_ms, now_mu, extended_mu=0, duration_min=0):
        return self._run(now_ms, "bolus", now_mu, extended_mu, duration_min)

    def cancel_bolus(self, now_ms):
        return self._run(now_ms, "cancel_bolus")

    def temp_basal(self, now_ms, duration_min, percent=None, rate_mu_per_h=None):
        return self._run(now_ms, "temp_basal", duration_min,
                         percent=percent, rate_mu_per_h=rate_mu_per_h)

    def cancel_temp_basal(self, now_ms):
        return self._run(now_ms, "cancel_temp_basal")

    def suspend(self, now_ms):
        return self._run(now_ms, "suspend")

    def resume(self, now_ms):
        return self._run(now_ms, "resume")

    def prime(self, now_ms, amount_mu):
        return self._run(now_ms, "prime", amount_mu)

    def rewind(self, now_ms):
        return self._run(now_ms, "rewind")

    def new_reservoir(self, now_ms, amount_mu):
        return self._run(now_ms, "new_reservoir", amount_mu)

    def select_profile(self, now_ms, name):
        # Everything is checked (engine, then the whole config) before
        # anything changes, in RAM or on flash.
        self._need_engine().preview_select_profile(now_ms, name)
        cfg = self._checked(("active_profile",), name)
        result = self._run(now_ms, "select_profile", name)
        self._save(cfg)
        return result

    def set_profile(self, now_ms, name, segments):
        segs = self._need_engine().preview_set_profile(now_ms, name, segments)
        cfg = self._checked(("profiles", name), segs)
        result = self._run(now_ms, "set_profile", name, segs)
        self._save(cfg)
        return result

    def _checked(self, parts, value):
        # The config with one more change, validated; None while there is no
        # valid config to change (the engine change then stays in RAM).
        if self.cfg is None:
            return None
        try:
            return self._new_config(parts, value, check_exists=False)
        except ValueError as e:
            raise Rejected("config_error", str(e))

    def _save(self, cfg):
        if cfg is not None:
            self.cfg = self.config_store.save(cfg)

    def calculate_bolus(self, now_ms, carbs_g, bg_mg_dl):
        return self._need_engine().calculate_bolus(now_ms, carbs_g, bg_mg_dl)

    def profiles(self):
        eng = self.engine
        return sorted(eng.profiles) if eng is not None else []

    # ---- status -----------------------------------------------------------

    def status(self, now_ms):
        if self.engine is None:
            s = {"state": "stopped", "profile": None, "scheduled_mu_per_h": 0,
                 "basal_mu_per_h": 0, "temp": None, "bolus": None, "iob_mu": 0,
                 "reservoir_mu": None, "hours_left": None, "delivered_24h_mu": 0,
                 "steps_commanded": 0, "steps_confirmed": 0}
        else:
            s = self.engine.status(now_ms)
        s["wall_s"] = self.wall_s()
        s["battery_pct"] = self.battery_pct
        s["battery_mv"] = self.battery_mv
        s["occlusion"] = self.occlusion_status
        s["alarms"] = [a[0] for a in self.alarms_mgr.active()]
        blocked = [a[0] for a in self.alarms_mgr.active() if KINDS[a[0]][1]]
        s["delivery_blocked"] = bool(blocked) or self.engine is None
        s["why"] = _why(s, blocked) if self.engine is not None else \
            "no valid config: delivery is off (fix /config.json)"
        if blocked:
            # An alarm holds the motor whatever the engine would plan.
            s["state"] = "stopped"
            s["basal_mu_per_h"] = 0
            s["hours_left"] = None
        return s

    # ---- alarms -----------------------------------------------------------

    def alarms(self):
        out = []
        for aid, pri, detail in self.alarms_mgr.active():
            out.append({"id": aid, "priority": _PRIORITY_NAMES.get(pri, "high"),
                        "text": detail or aid, "message": detail or aid, "acked": False,
                        "state": "active"})
        return out

    def ack_alarm(self, alarm_id):
        now = self.clock.now_ms()
        try:
            found = self.alarms_mgr.acknowledge(alarm_id, now)
        except OSError as e:
            raise Rejected("storage_error", "could not record the acknowledgement: %r" % (e,))
        if not found:
            raise Rejected("not_found", "no active alarm %r" % (alarm_id,))
        if self.on_ack is not None:
            self.on_ack(alarm_id)
        return {"acked": alarm_id}

    def button_stuck(self, now_ms, name):
        self.raise_alarm("button_stuck", now_ms, "button %s stuck" % name)

    # ---- history ----------------------------------------------------------

    def history(self, n=None, since_wall_s=None):
        """Journal records, oldest first, as dicts both the UI and the
        console read (seq, wall_s, now_ms, kind, data, text, amount_mu)."""
        from store.history import recent

        limit = _HISTORY_MAX if n is None else min(n, _HISTORY_MAX)
        out = []
        for seq, wall_s, now_ms, kind, data in recent(self.journal, limit, since_wall_s):
            amount = None
            if isinstance(data, dict):
                for key in ("delivered_mu", "amount_mu", "mu"):
                    if key in data:
                        amount = data[key]
                        break
            out.append({"seq": seq, "wall_s": wall_s, "now_ms": now_ms, "kind": kind,
                        "data": data, "amount_mu": amount,
                        "text": kind.replace("_", " ")})
        return out

    # ---- config -----------------------------------------------------------

    def config_get(self, path):
        node = self.cfg if self.cfg is not None else self.config_store.backup()
        if node is None:
            raise KeyError("no valid config")
        if path in ("", None):
            return node
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(path)
            node = node[part]
        return node

    def config_set(self, path, value):
        """Validate the whole config with the new value, check the engine
        can take it, then write it atomically and apply it. Raises
        ValueError (ConfigError) or Rejected and changes nothing, in RAM or
        on flash."""
        if self.cfg is None:
            raise ValueError("no valid config to change: fix /config.json first")
        cfg = self.preview_config_set(path, value)
        saved = self.config_store.save(cfg)
        self.cfg = saved
        if self.engine is not None:
            if self.motor is not None:
                self.motor.halt("config")  # new limits may cut a bolus the stepper is running
            self.engine.apply_config(self.clock.now_ms(), saved)
            self.journal_events(self.clock.now_ms())  # a limit may have cut a bolus
        try:
            self.recorder.record(self.clock.now_ms(), "config", {"path": path})
        except Exception:
            pass  # the config itself is saved; history of it is best effort
        return self.config_get(path)

    def preview_config_set(self, path, value):
        """The validated config config_set(path, value) would apply; raises
        (ValueError, Rejected) as config_set would and changes nothing."""
        if self.cfg is None:
            raise ValueError("no valid config to change: fix /config.json first")
        cfg = self._new_config(tuple(path.split(".")), value, check_exists=True)
        if self.engine is not None:
            self.engine.check_config(self.clock.now_ms(), cfg)
        return cfg

    def _new_config(self, parts, value, check_exists):
        new = _deep_copy(self.cfg)
        node = new
        for part in parts[:-1]:
            if not isinstance(node, dict) or part not in node:
                raise KeyError(".".join(parts))
            node = node[part]
        if check_exists and parts[-1] not in node:
            raise KeyError(".".join(parts))
        node[parts[-1]] = value
        return self.config_store.validate(new)  # raises, writes nothing, if bad

    # ---- time and identity ------------------------------------------------

    def wall_s(self):
        return self.wall.wall_s(self.clock.now_ms())

    def set_time(self, wall_s):
        now = self.clock.now_ms()
        self.wall.set(wall_s, now)
        if self.engine is not None:
            self.engine.set_wall_clock(now, wall_s)
        if self.alarms_mgr.is_active("no_time"):
            self.alarms_mgr.acknowledge("no_time", now)
        try:
            self.recorder.record(now, "time", {"wall_s": wall_s})
        except OSError:
            pass

    def board_info(self):
        return self.info

    def version(self):
        return self.info.get("version", "?")

    def settings(self):
        cfg = self.cfg
        if cfg is None:
            return [("config", "INVALID")]
        lim = cfg["limits"]
        return [
            ("syringe", cfg["mechanics"]["syringe"]),
            ("max bolus", _u(lim["max_bolus_mu"])),
            ("max basal", _u(lim["max_basal_mu_per_h"]) + "/h"),
            ("max 1h", _u(lim["max_per_hour_mu"])),
            ("max 24h", _u(lim["max_per_24h_mu"])),
            ("max IOB", _u(lim["max_iob_mu"])),
            ("bolus rate", _u(cfg["delivery"]["bolus_rate_mu_per_min"]) + "/m"),
            ("increment", _u(cfg["delivery"]["bolus_increment_mu"])),
            ("confirm", "hold OK" if cfg["ui"]["require_button_confirm"] else "OFF"),
            ("watchdog", "on" if cfg["safety"]["watchdog_enabled"] else "OFF"),
            ("occlusion", self.occlusion_status),
        ]


def _why(s, blocked):
    # One sentence for what the pump is really doing, when it is not simply
    # delivering: the console and the screen show it under the state.
    if blocked:
        return "stopped by alarm %s: acknowledge it, then resume" % ", ".join(blocked)
    state = s["state"]
    if s.get("refill"):
        return "waiting for a refill: the reservoir is empty (refill U)"
    if state == "stopped":
        return "stopped (%s): resume to restart delivery" % (s.get("stop_reason") or "alarm")
    if state == "suspended":
        return "suspended: resume to restart basal"
    if state == "no_time":
        return "no time set: basal waits for the clock (time set)"
    if s.get("capped"):
        return "basal held back at the %s limit" % s["capped"].replace("_", " ")
    return None


def _u(mu):
    return "%d.%02d" % (mu // 1000, mu % 1000 // 10)


def _deep_copy(v):
    if isinstance(v, dict):
        return {k: _deep_copy(v[k]) for k in v}
    if isinstance(v, list):
        return [_deep_copy(x) for x in v]
    return v
