# Which changes wait for the OK button, and the checks that refuse a command
# BEFORE anyone is asked to press it. Shared by the console and, when it
# wants them, the pump's own menus, so both read the policy the same way.
#
# The policy (issue 15): every command or config change that can raise what
# is delivered (a dose, a rate, a limit, the amount per step) waits for the
# OK hold, unless ui.require_button_confirm is off; turning that setting off
# always needs the button, whatever path or object form the change uses.
# A change that would be refused is refused first: the user is never asked
# to confirm something that then fails.
#
# The checks call the engine's own guards (_need_suspended, ...) where they
# exist so there is one rule, not two copies; the engine checks again when
# the command really runs.

from delivery import limits, settings
from delivery.errors import Rejected

CONFIRM_FLAG = "ui.require_button_confirm"

# Config sections where any change can raise delivery (the amount per step,
# the basal schedule, how fast insulin on board decays), and sections where
# a larger number can (a limit, a speed, an increment).
_ANY_CHANGE = ("mechanics", "profiles", "active_profile", "insulin")
_LARGER = ("limits", "delivery")


def confirm_required(cfg):
    """True unless the config turns the OK button off (an unreadable or odd
    value keeps the safe default)."""
    if cfg is None:
        return True
    ui = cfg.get("ui")
    return not (isinstance(ui, dict) and ui.get("require_button_confirm") is False)


# ---- config -----------------------------------------------------------------

def config_node(cfg, path):
    """The value at a dotted path of cfg, or Rejected saying what is wrong
    with the path: an empty part, a part that does not exist, a value used
    as a section."""
    if cfg is None:
        raise Rejected("config_error", "no valid config: fix /config.json first")
    parts = path.split(".")
    for p in parts:
        if not p:
            raise Rejected("bad_path", "config path %r has an empty part: use words joined "
                           "by single dots, like limits.max_bolus_mu" % path)
    node = cfg
    done = ""
    for p in parts:
        if not isinstance(node, dict):
            raise Rejected("not_found", "%s is a value, not a section: no setting %s" % (done, path))
        if p not in node:
            raise Rejected("not_found", "no setting %s" % path)
        node = node[p]
        done = p if not done else done + "." + p
    return node


class ConfigPlan:
    """What `config set PATH VALUE` would do, worked out without doing it.
    raises: the changed settings that can raise delivery; flag_off: it turns
    the OK button off (so it needs the button even when it is off)."""

    def __init__(self, new_cfg, changed, raises, flag_off):
        self.new_cfg = new_cfg
        self.changed = changed
        self.raises = raises
        self.flag_off = flag_off

    def needs_ok(self, cfg):
        return self.flag_off or (bool(self.raises) and confirm_required(cfg))


def plan_config_set(pump, path, value):
    """Dry run of Pump.config_set: the path must exist, the whole config with
    the new value must validate, and a mechanics change must be possible
    now. Raises Rejected or ConfigError (a ValueError) and changes nothing."""
    cfg = pump.cfg
    config_node(cfg, path)
    parts = path.split(".")
    new = _copy(cfg)
    node = new
    for p in parts[:-1]:
        node = node[p]
    node[parts[-1]] = value
    new = pump.config_store.validate(new)  # fills defaults, raises ConfigError
    changed = []
    _diff("", cfg, new, changed)
    raises = [c for c in changed if _can_raise(c, config_node_or_none(cfg, c),
                                               config_node_or_none(new, c))]
    flag_off = confirm_required(cfg) and not confirm_required(new)
    eng = pump.engine
    if eng is not None and new["mechanics"] != cfg["mechanics"] and _moving(eng):
        raise Rejected("busy", "mechanics change while a bolus, prime or rewind runs: "
                       "wait for it to end or cancel it")
    return ConfigPlan(new, changed, raises, flag_off)


def config_node_or_none(cfg, path):
    node = cfg
    for p in path.split("."):
        if not isinstance(node, dict) or p not in node:
            return None
        node = node[p]
    return node


def _diff(prefix, old, new, out):
    # Leaf paths whose value differs; profiles compare as one value each.
    if isinstance(old, dict) and isinstance(new, dict) and prefix != "profiles":
        for k in old:
            p = prefix + "." + k if prefix else k
            if k not in new:
                out.append(p)
            else:
                _diff(p, old[k], new[k], out)
        for k in new:
            if k not in old:
                out.append(prefix + "." + k if prefix else k)
    elif old != new:
        out.append(prefix)


def _is_num(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _can_raise(path, old, new):
    top = path.split(".")[0]
    if top in _ANY_CHANGE:
        return True
    if top in _LARGER:
        if _is_num(old) and _is_num(new):
            return new > old
        return True
    return False


def _moving(eng):
    return (eng.active_bolus is not None or eng.prime_stream is not None
            or eng.rewinding)


def _copy(v):
    if isinstance(v, dict):
        return {k: _copy(v[k]) for k in v}
    if isinstance(v, list):
        return [_copy(x) for x in v]
    return v


# ---- engine commands, checked before the OK prompt --------------------------

def _engine(pump, what=None):
    eng = pump.engine
    if eng is None:
        raise Rejected("config_error", "no valid config: fix /config.json, delivery is off")
    if what is not None and pump.alarms_mgr.delivery_blocked():
        ids = [a["id"] for a in pump.alarms() if a.get("id")]
        raise Rejected("alarm_active", "%s refused: acknowledge alarm %s first"
                       % (what, ", ".join(ids)))
    return eng


def check_prime(pump, amount_mu, what="prime"):
    """prime and calibrate's dispense: suspended, nothing else moving, at
    most the prime ceiling, no more than the reservoir holds."""
    eng = _engine(pump, what)
    eng._need_suspended(what)
    limits.check_range("max_prime", "%s amount (mU)" % what, amount_mu, 1,
                       settings.CEILINGS["prime_mu"])
    eng._need_reservoir(eng.units.mu_to_steps(amount_mu))


def check_rewind(pump):
    _engine(pump, "rewind")._need_suspended("rewind")


def check_resume(pump):
    eng = _engine(pump, "resume")
    if eng.mode == "delivering":
        raise Rejected("not_suspended", "delivery is not suspended")
    if eng.prime_stream is not None or eng.rewinding:
        raise Rejected("busy", "a prime or rewind is still running")


def check_temp(pump, now_ms, duration_min, percent=None, rate_mu_per_h=None):
    """The engine's own temp basal checks (caps, hourly and daily limits),
    without starting one."""
    eng = _engine(pump, "temp_basal")
    preview = getattr(eng, "preview_temp_basal", None)
    if preview is not None:
        return preview(now_ms, duration_min, percent, rate_mu_per_h)
    # An engine without the preview: the same checks it makes in temp_basal.
    from delivery.profile import max_rate

    eng._need_delivering()
    limits.check_range("bad_duration", "temp basal duration (min)", duration_min, 15,
                       settings.CEILINGS["temp_min"], 15)
    cap = limits.limit(eng.cfg, "max_temp_basal_mu_per_h")
    if percent is not None:
        limits.check_range("max_temp_percent", "temp basal percent", percent, 0,
                           settings.CEILINGS["temp_percent"])
        rate_mu_per_h = (max_rate(eng.profiles[eng.profile_name]) * percent + 99) // 100
    limits.check_rate("max_temp_basal", "max temp basal", rate_mu_per_h, cap)
    return None


def cancel_temp_raises(pump, now_ms):
    """Ending a temp basal that runs below the schedule raises delivery."""
    s = pump.status(now_ms)
    t = s.get("temp")
    if not t:
        raise Rejected("no_temp", "no temp basal is running")
    return (s.get("basal_mu_per_h") or 0) < (s.get("scheduled_mu_per_h") or 0)


def check_select_profile(pump, name):
    eng = _engine(pump)
    if name not in eng.profiles:
        raise Rejected("no_profile", "no profile named %r" % (name,))
    return name != eng.profile_name  # True: a change that needs OK


def check_set_profile(pump, name, segments):
    """The engine's checks on a new or replaced profile, without saving it."""
    from delivery.errors import ConfigError

    eng = _engine(pump)
    if name not in eng.profiles and len(eng.profiles) >= 8:
        raise Rejected("bad_profile", "at most 8 profiles")
    try:
        segs = settings.check_profile("profile " + name, segments, 10 ** 9)
    except ConfigError as e:
        raise Rejected("bad_profile", str(e))
    cap = limits.limit(eng.cfg, "max_basal_mu_per_h")
    for seg in segs:
        limits.check_rate("max_basal", "max basal", seg[1], cap)
