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
    # Basal is journaled at most once per BASAL_RECORD_MS, so up to that
    # much may be missing after a reset: count it as delivered (safe side).
    lim = (cfg or settings.DEFAULTS)["limits"]
    unjournaled = max(lim["max_basal_mu_per_h"], lim["max_temp_basal_mu_per_h"]) \
        * BASAL_RECORD_MS // 3600000
    wall_s = wall.wall_s(now)
    journal = Journal(fs)
    rec = recover(journal, alarms, now, wall_s, watchdog_reset=hw.get("watchdog_reset", False),
                  unjournaled_basal_mu=unjournaled,
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
