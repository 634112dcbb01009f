# Boot: rebuild what the pump knew before the reset, from flash, in a
# power-cut-safe order, and hand back the facade the tasks use.
#
#   config  -> the engine's parameters, or "no valid config": delivery off
#   alarms  -> unacknowledged alarms come back (they survive any reset)
#   journal -> deliveries for IOB and limits, the uncertain bolus, suspend,
#              temp basal window, reservoir, profile (store/recovery.py)

from delivery import settings
from delivery.engine import Engine
from pump import Pump
from store.alarms import AlarmManager
from store.config import ConfigStore
from store.fs import DeviceFs
from store.journal import Journal
from store.recorder import BASAL_RECORD_MS, Recorder
from store.recovery import recover
from wallclock import WallClock


# Modules the running pump never uses again after boot.
_BOOT_ONLY = ("store.recovery", "boot_state")


def _basal_bound(cfg, board):
    """What recovery needs to count the basal a reset can have kept off the
    journal: the record interval, one microstep in mU (rounded up), the
    highest rate of each profile (store.recovery.missing_basal_mu)."""
    from delivery import mechanics

    st = board["stepper"]
    num, den = mechanics.steps_per_mu(cfg["mechanics"], st["full_steps_per_rev"],
                                      st["microsteps"])
    rates = {}
    for name in cfg["profiles"]:
        rates[name] = max(seg[1] for seg in cfg["profiles"][name])
    return {"record_ms": BASAL_RECORD_MS, "step_mu": (den + num - 1) // num, "rates": rates,
            "profile": cfg["active_profile"],
            "fallback_mu_per_h": cfg["limits"]["max_basal_mu_per_h"]}


def _first_config(store, notes):
    """Load /config.json. Only a missing file (first boot) gets the defaults
    written; a bad file is never replaced behind the maker's back."""
    cfg = store.load()
    if cfg is None and store.error is not None and store.error[1] == "missing":
        cfg = store.save(settings.validate({}))
        notes.append("no /config.json: wrote the defaults (see `config show`)")
    return cfg


def load(board, hw, clock, version):
    """-> (Pump, [notes for the log])."""
    notes = []
    now = clock.now_ms()
    fs = hw.get("fs") or DeviceFs()
    wall = WallClock(hw.get("rtc"))
    config_store = ConfigStore(fs, settings.validate, settings.migrate)
    cfg = _first_config(config_store, notes)
    alarms = AlarmManager(fs)
    alarms.load(now)
    if cfg is None:
        field, reason = config_store.error
        alarms.raise_alarm("config_error", now, "%s: %s" % (field, reason))
        notes.append("config error: %s: %s; delivery is off until it is fixed" % (field, reason))
    elif config_store.migrated_from:
        notes.append("config migrated from version %s" % config_store.migrated_from)
    # With no valid config now, the last valid one (or the defaults) still
    # says what basal may have run before the reset.
    basal = _basal_bound(cfg or config_store.backup() or settings.DEFAULTS, board)
    wall_s = wall.wall_s(now)
    journal = Journal(fs)
    rec = recover(journal, alarms, now, wall_s, watchdog_reset=hw.get("watchdog_reset", False),
                  basal=basal,
                  boot_info={"version": version, "board": board["name"]})
    notes += rec.notes
    recorder = Recorder(journal, rec.fold, lambda: wall.wall_s(clock.now_ms()))
    alarms.journal_fn = recorder.journal_fn(clock.now_ms)
    engine = None
    if cfg is not None:
        st = board["stepper"]
        engine = Engine(cfg, now, st["full_steps_per_rev"], st["microsteps"])
        engine.set_wall_clock(now, wall_s)
        engine.restore(now, rec.state)
        engine.pop_events()  # restore() replays history; it is on flash already
    if wall_s is None:
        alarms.raise_alarm("no_time", now, "clock not set: no scheduled basal until `time set`")
    info = {"version": version, "board": board["name"], "platform": board["platform"],
            "stepper": board["stepper"]["backend"], "microsteps": board["stepper"]["microsteps"]}
    pump = Pump(engine, alarms, recorder, journal, config_store, cfg, wall, clock, info)
    # Only boot needs these: let their bytecode go (the next boot loads them
    # again). This module goes too once this call returns.
    import lazy

    for name in _BOOT_ONLY:
        lazy.drop(name)
    return pump, notes
