# The user config: the whole schema as data, its defaults, the ceilings
# compiled into the firmware, and validate() which checks every field.
#
# The SCHEMA table below IS the documentation of /config.json: one row per
# field with its kind, range and default, and a comment with its unit.
# Amounts are integer milliunits (mU, 1 U = 1000 mU = 10 uL of water at
# U-100), rates mU/h, times minutes. Segment lists are [[start_min, ...], ...]
# with start_min on a 30-minute grid, the first at 0, strictly increasing.

from delivery.errors import ConfigError
from dotpath import get as _get
from dotpath import put as _set

VERSION = 1

# Absolute limits the firmware never exceeds, whatever the config says. The
# config's own limits must lie inside these; the engine applies both, and
# not only to commands: the rates are capped at every instant and the 1 h
# and 24 h amounts bound every step handed to the motor (engine.py). So a
# 35 U/h basal ceiling and a 250 U per 24 h ceiling do not contradict each
# other: a day at 35 U/h is refused (a profile's daily total must fit the
# 24 h limit) and a mix of temp basal and boluses is held at the 24 h limit.
CEILINGS = {
    "max_bolus_mu": 25000,  # 25 U in one bolus
    "max_basal_mu_per_h": 35000,  # 35 U/h scheduled basal
    "max_temp_basal_mu_per_h": 35000,  # 35 U/h temp basal
    "max_per_hour_mu": 50000,  # 50 U in any rolling hour
    "max_per_24h_mu": 250000,  # 250 U in any rolling 24 h
    "max_iob_mu": 60000,  # 60 U bolus insulin on board
    "bolus_rate_mu_per_min": 30000,  # 30 U/min fastest bolus
    "prime_mu": 30000,  # 30 U in one prime
    "temp_percent": 250,  # temp basal 0..250 %
    "temp_min": 1440,  # temp basal up to 24 h
    "extended_min": 720,  # extended bolus up to 12 h
}

# Syringe inner areas in hundredths of mm^2 (BD plastic, Poseidon's table).
SYRINGES = {"bd_1ml": 1734, "bd_3ml": 5789, "bd_5ml": 11290, "bd_10ml": 16350}

_C = CEILINGS
SEGMENTS = "segments"
PROFILES = "profiles"
BOOL = "bool"
STR = "str"

# (field path, kind, default). Kind: ("int", low, high), a tuple of allowed
# values, BOOL, STR, (SEGMENTS, (low, high), ...) or PROFILES.
SCHEMA = (
    ("version", ("int", 1, VERSION), VERSION),
    # --- mechanics: what one microstep pushes out ---
    ("mechanics.syringe", ("bd_1ml", "bd_3ml", "bd_5ml", "bd_10ml", "custom"), "bd_3ml"),
    ("mechanics.inner_area_mm2_x100", ("int", 100, 100000), 5789),  # used when syringe is custom; 5789 = 57.89 mm^2
    ("mechanics.lead_um", ("int", 100, 20000), 1250),  # lead-screw travel per turn, um (M8: 1250)
    ("mechanics.gear_num", ("int", 1, 100), 1),  # motor turns per gear_den lead-screw turns
    ("mechanics.gear_den", ("int", 1, 100), 1),
    ("mechanics.calibration_ppm", ("int", 500000, 2000000), 1000000),  # steps multiplier from weighing, 1000000 = 1.0
    ("mechanics.units_per_ml", ("int", 10, 1000), 100),  # concentration: U-100
    ("mechanics.travel_um", ("int", 1000, 200000), 60000),  # longest plunger stroke, um (rewind distance)
    # --- delivery speeds and quanta ---
    ("delivery.bolus_rate_mu_per_min", ("int", 100, _C["bolus_rate_mu_per_min"]), 1500),  # 1.5 U/min
    ("delivery.bolus_increment_mu", (10, 25, 50, 100, 500, 1000), 50),  # requests round down to this
    ("delivery.extended_max_min", ("int", 30, _C["extended_min"]), 720),  # longest extended bolus
    ("delivery.prime_rate_mu_per_min", ("int", 100, _C["bolus_rate_mu_per_min"]), 10000),
    ("delivery.rewind_rate_hz", ("int", 10, 20000), 1600),  # microsteps/s when retracting
    # --- limits (each at most its CEILING) ---
    ("limits.max_bolus_mu", ("int", 0, _C["max_bolus_mu"]), 10000),
    ("limits.max_basal_mu_per_h", ("int", 0, _C["max_basal_mu_per_h"]), 3000),
    ("limits.max_temp_basal_mu_per_h", ("int", 0, _C["max_temp_basal_mu_per_h"]), 5000),
    ("limits.max_per_hour_mu", ("int", 0, _C["max_per_hour_mu"]), 15000),
    ("limits.max_per_24h_mu", ("int", 0, _C["max_per_24h_mu"]), 80000),
    ("limits.max_iob_mu", ("int", 0, _C["max_iob_mu"]), 20000),
    # --- basal profiles: {"name": [[start_min, rate_mu_per_h], ...]}, 1..48 segments ---
    ("profiles", PROFILES, {"default": [[0, 800]]}),
    ("active_profile", STR, "default"),
    # --- insulin action for IOB (exponential curve, peak < dia / 2) ---
    ("insulin.dia_min", ("int", 120, 600), 360),  # duration of action
    ("insulin.peak_min", ("int", 30, 180), 75),  # time of peak activity
    # --- bolus calculator, time-segmented ---
    ("calculator.carb_ratio", (SEGMENTS, (30, 1500)), [[0, 100]]),  # g per U x10: 100 = 10.0 g/U
    ("calculator.isf", (SEGMENTS, (5, 1000)), [[0, 50]]),  # mg/dL per U
    ("calculator.target", (SEGMENTS, (60, 250), (60, 250)), [[0, 100, 120]]),  # low, high mg/dL
    # --- reservoir ---
    ("reservoir.capacity_mu", ("int", 10000, 1000000), 300000),  # 300 U = 3 mL
    ("reservoir.low_alert_mu", ("int", 0, 1000000), 20000),  # 20 U
    # --- user interface and safety ---
    ("ui.require_button_confirm", BOOL, True),
    ("ui.utc_offset_min", ("int", -720, 840), 0),  # local time = UTC + this, for the profile
    ("ui.log_level", ("debug", "info", "warn", "error"), "info"),
    ("safety.watchdog_enabled", BOOL, True),  # False only on the bench while developing
)

MAX_SEGMENTS = 48
GRID_MIN = 30
DAY_MIN = 1440


def _copy(v):
    # Deep copy of JSON-like data (no copy module on every port).
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_copy(x) for x in v]
    return v


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_segments(field, segs, ranges):
    """Check a segment list; return it as a list of lists. ranges: one
    (low, high) per value after start_min."""
    if not isinstance(segs, (list, tuple)) or not segs:
        raise ConfigError(field, "must be a non-empty list of segments")
    if len(segs) > MAX_SEGMENTS:
        raise ConfigError(field, "%d segments, at most %d" % (len(segs), MAX_SEGMENTS))
    out = []
    prev = -1
    for i, seg in enumerate(segs):
        f = "%s[%d]" % (field, i)
        if not isinstance(seg, (list, tuple)) or len(seg) != 1 + len(ranges):
            raise ConfigError(f, "must be [start_min, %d value(s)]" % len(ranges))
        for v in seg:
            if not _is_int(v):
                raise ConfigError(f, "values must be whole numbers")
        start = seg[0]
        if i == 0 and start != 0:
            raise ConfigError(f, "first segment must start at 0 (midnight)")
        if start % GRID_MIN or not 0 <= start < DAY_MIN:
            raise ConfigError(f, "start %d is not on the 30-minute grid 0..1410" % start)
        if start <= prev:
            raise ConfigError(f, "start %d is not after the previous segment" % start)
        prev = start
        for j, (lo, hi) in enumerate(ranges):
            if not lo <= seg[1 + j] <= hi:
                raise ConfigError(f, "%d is outside %d..%d" % (seg[1 + j], lo, hi))
        out.append(list(seg))
    return out


def check_profile(field, segs, max_rate_mu_per_h):
    return check_segments(field, segs, ((0, max_rate_mu_per_h),))


def _check(path, kind, value):
    if kind == BOOL:
        if not isinstance(value, bool):
            raise ConfigError(path, "must be true or false")
    elif kind == STR:
        if not isinstance(value, str) or not value:
            raise ConfigError(path, "must be a non-empty string")
    elif kind[0] == "int" and len(kind) == 3:
        if not _is_int(value):
            raise ConfigError(path, "must be a whole number")
        if not kind[1] <= value <= kind[2]:
            raise ConfigError(path, "%d is outside %d..%d" % (value, kind[1], kind[2]))
    elif kind[0] == SEGMENTS:
        return check_segments(path, value, kind[1:])
    elif value not in kind:
        raise ConfigError(path, "%r is not one of %s" % (value, ", ".join(repr(k) for k in kind)))
    return value


def _known_paths():
    return [row[0] for row in SCHEMA]


def _check_unknown(data, prefix, known):
    # A typo ("max_bolus" for "max_bolus_mu") must not silently become a default.
    for key in data:
        path = prefix + key
        if path == "profiles":
            continue
        if path in known:
            continue
        if isinstance(data[key], dict) and any(k.startswith(path + ".") for k in known):
            _check_unknown(data[key], path + ".", known)
            continue
        raise ConfigError(path, "unknown field")


def migrate(cfg):
    """Bring an older config version up to VERSION. Version 1 is the first,
    so there is nothing to convert yet; this is where converters go."""
    version = cfg.get("version", VERSION)
    if not _is_int(version) or version < 1:
        raise ConfigError("version", "must be a whole number >= 1")
    if version > VERSION:
        raise ConfigError("version", "%d is newer than this firmware (%d)" % (version, VERSION))
    return cfg


def validate(cfg):
    """Return a complete config (defaults filled in, input not changed) or
    raise ConfigError naming the first bad field."""
    if not isinstance(cfg, dict):
        raise ConfigError("config", "top level must be a JSON object")
    cfg = migrate(cfg)
    _check_unknown(cfg, "", _known_paths())
    out = {}
    for path, kind, default in SCHEMA:
        present, value = _get(cfg, path)
        if not present or value is None:
            value = _copy(default)
        elif kind != PROFILES:
            value = _check(path, kind, _copy(value))
        _set(out, path, value)
    limits = out["limits"]
    profiles = out["profiles"]
    if not isinstance(profiles, dict) or not profiles:
        raise ConfigError("profiles", "must be an object of named profiles")
    for name in profiles:
        if not isinstance(name, str) or not name or len(name) > 16:
            raise ConfigError("profiles", "profile names must be 1..16 characters")
        profiles[name] = check_profile("profiles." + name, profiles[name],
                                       limits["max_basal_mu_per_h"])
    if out["active_profile"] not in profiles:
        raise ConfigError("active_profile", "no profile named %r" % (out["active_profile"],))
    ins = out["insulin"]
    if 2 * ins["peak_min"] >= ins["dia_min"]:
        raise ConfigError("insulin.peak_min", "must be less than half of dia_min (%d)"
                          % ins["dia_min"])
    for i, seg in enumerate(out["calculator"]["target"]):
        if seg[1] > seg[2]:
            raise ConfigError("calculator.target[%d]" % i, "low %d is above high %d"
                              % (seg[1], seg[2]))
    check_limits(limits)
    for name in profiles:
        day = daily_mu(profiles[name])
        if day > limits["max_per_24h_mu"]:
            raise ConfigError("profiles." + name, "delivers %d mU a day, above "
                              "limits.max_per_24h_mu %d" % (day, limits["max_per_24h_mu"]))
    res = out["reservoir"]
    if res["low_alert_mu"] >= res["capacity_mu"]:
        raise ConfigError("reservoir.low_alert_mu", "must be below capacity_mu (%d)"
                          % res["capacity_mu"])
    return out


# Limits that contradict each other: the first may never be above the second,
# or a delivery within the first could break the second on its own.
LIMIT_ORDER = (
    ("max_bolus_mu", "max_per_hour_mu"),  # one largest bolus must fit in an hour
    ("max_basal_mu_per_h", "max_per_hour_mu"),  # an hour at the largest basal too
    ("max_temp_basal_mu_per_h", "max_per_hour_mu"),  # and at the largest temp basal
    ("max_per_hour_mu", "max_per_24h_mu"),
    ("max_bolus_mu", "max_iob_mu"),  # else the largest bolus could never be given
)


def check_limits(lim):
    """Raise ConfigError when two limits contradict each other (LIMIT_ORDER)."""
    for low, high in LIMIT_ORDER:
        if lim[low] > lim[high]:
            raise ConfigError("limits." + low, "%d is above limits.%s %d"
                              % (lim[low], high, lim[high]))


def daily_mu(segs):
    """What a profile delivers in one day, mU (rounded up)."""
    total = 0  # mU/h x minutes
    for i, seg in enumerate(segs):
        end = segs[i + 1][0] if i + 1 < len(segs) else DAY_MIN
        total += seg[1] * (end - seg[0])
    return (total + 59) // 60


def _defaults():
    out = {}
    for path, _kind, default in SCHEMA:
        _set(out, path, _copy(default))
    return out


DEFAULTS = _defaults()
