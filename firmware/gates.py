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
# The checks are the pump's own previews (Pump.preview, which runs the same
# gates and engine checks as the command, and Pump.preview_config_set), so
# there is one rule, not two copies; they run again when the command does.

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
    the new value must validate, and the engine must be able to take it now
    (no mechanics change while something moves). Raises Rejected or
    ConfigError (a ValueError) and changes nothing."""
    cfg = pump.cfg
    config_node(cfg, path)
    new = pump.preview_config_set(path, value)
    changed = []
    _diff("", cfg, new, changed)
    raises = [c for c in changed if _can_raise(c, config_node_or_none(cfg, c),
                                               config_node_or_none(new, c))]
    flag_off = confirm_required(cfg) and not confirm_required(new)
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


# ---- engine commands, checked before the OK prompt --------------------------

def check_prime(pump, now_ms, amount_mu):
    """prime and calibrate's dispense (the same motion, into a cup): only
    while suspended, at most the prime ceiling, no more than the reservoir."""
    return pump.preview(now_ms, "prime", amount_mu)


def check_rewind(pump, now_ms):
    return pump.preview(now_ms, "rewind")


def check_resume(pump, now_ms):
    return pump.preview(now_ms, "resume")


def check_temp(pump, now_ms, duration_min, percent=None, rate_mu_per_h=None):
    """Caps, hourly and daily limits of a temp basal, without starting one."""
    return pump.preview(now_ms, "temp_basal", duration_min, percent=percent,
                        rate_mu_per_h=rate_mu_per_h)


def cancel_temp_raises(pump, now_ms):
    """Ending a temp basal that runs below the schedule raises delivery."""
    s = pump.status(now_ms)
    if not s.get("temp"):
        raise Rejected("no_temp", "no temp basal is running")
    return (s.get("basal_mu_per_h") or 0) < (s.get("scheduled_mu_per_h") or 0)


def check_select_profile(pump, now_ms, name):
    """-> True when it is another profile than the active one (a change
    that can raise basal)."""
    pump.preview(now_ms, "select_profile", name)
    return name != pump.status(now_ms).get("profile")


def check_set_profile(pump, now_ms, name, segments):
    return pump.preview(now_ms, "set_profile", name, segments)
