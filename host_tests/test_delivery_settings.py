# plunger-test: both
# The config schema: defaults are complete and valid, every bad field is named
# with its reason, limits cannot go above the compiled-in ceilings.
import json

from delivery import settings
from delivery.errors import ConfigError
from testkit import raises


def bad(cfg):
    return raises(ConfigError, settings.validate, cfg)


def test_defaults_are_complete_and_valid():
    cfg = settings.validate({})
    assert cfg == settings.DEFAULTS
    assert cfg["version"] == 1
    assert cfg["mechanics"]["syringe"] == "bd_3ml"
    assert cfg["delivery"]["bolus_rate_mu_per_min"] == 1500
    assert cfg["delivery"]["bolus_increment_mu"] == 50
    assert cfg["reservoir"]["low_alert_mu"] == 20000
    assert cfg["ui"]["require_button_confirm"] is True
    assert cfg["safety"]["watchdog_enabled"] is True
    # survives a JSON round trip unchanged (it is what store/config.py writes)
    assert settings.validate(json.loads(json.dumps(cfg))) == cfg


def test_validate_does_not_change_its_input():
    src = {"limits": {"max_bolus_mu": 5000}}
    out = settings.validate(src)
    assert src == {"limits": {"max_bolus_mu": 5000}}
    out["limits"]["max_bolus_mu"] = 1
    assert settings.DEFAULTS["limits"]["max_bolus_mu"] == 10000


def test_errors_name_field_and_reason():
    e = bad({"limits": {"max_bolus_mu": 25001}})
    assert e.field == "limits.max_bolus_mu"
    assert "25001 is outside 0..25000" in e.reason
    assert str(e) == "limits.max_bolus_mu: " + e.reason
    assert bad({"delivery": {"bolus_increment_mu": 30}}).field == "delivery.bolus_increment_mu"
    assert bad({"ui": {"require_button_confirm": 1}}).field == "ui.require_button_confirm"
    assert bad({"mechanics": {"lead_um": "1250"}}).reason == "must be a whole number"
    assert bad({"mechanics": {"lead_um": True}}).reason == "must be a whole number"
    assert bad({"limits": {"max_bolus": 5000}}).field == "limits.max_bolus"  # typo
    assert bad({"colour": 1}).reason == "unknown field"
    assert bad([]).field == "config"


def test_every_limit_is_capped_by_its_ceiling():
    names = ("max_bolus_mu", "max_basal_mu_per_h", "max_temp_basal_mu_per_h",
             "max_per_hour_mu", "max_per_24h_mu", "max_iob_mu")
    top = dict((name, settings.CEILINGS[name]) for name in names)
    assert settings.validate({"limits": top})["limits"] == top  # the ceilings agree
    for name in names:
        c = settings.CEILINGS[name]
        over = dict(top)
        over[name] = c + 1
        assert bad({"limits": over}).field == "limits." + name
    assert settings.CEILINGS["max_bolus_mu"] == 25000
    assert settings.CEILINGS["max_basal_mu_per_h"] == 35000
    top = settings.CEILINGS["bolus_rate_mu_per_min"]
    assert top >= 15000
    settings.validate({"delivery": {"bolus_rate_mu_per_min": 15000}})
    assert bad({"delivery": {"bolus_rate_mu_per_min": top + 1}}).field == \
        "delivery.bolus_rate_mu_per_min"


def test_profiles_are_checked_segment_by_segment():
    ok = {"night": [[0, 500], [30, 510], [1410, 0]]}
    cfg = settings.validate({"profiles": ok, "active_profile": "night"})
    assert cfg["profiles"]["night"][2] == [1410, 0]
    e = bad({"profiles": {"p": [[30, 500]]}, "active_profile": "p"})
    assert e.field == "profiles.p[0]" and "midnight" in e.reason
    e = bad({"profiles": {"p": [[0, 500], [45, 600]]}, "active_profile": "p"})
    assert e.field == "profiles.p[1]" and "30-minute grid" in e.reason
    e = bad({"profiles": {"p": [[0, 500], [60, 600], [60, 700]]}, "active_profile": "p"})
    assert "not after" in e.reason
    e = bad({"profiles": {"p": [[0, 500], [1440, 600]]}, "active_profile": "p"})
    assert e.field == "profiles.p[1]"
    e = bad({"profiles": {"p": [[0, 3001]]}, "active_profile": "p"})  # above max basal 3000
    assert e.field == "profiles.p[0]" and "0..3000" in e.reason
    full = [[i * 30, 100] for i in range(48)]
    settings.validate({"profiles": {"p": full}, "active_profile": "p"})
    e = bad({"profiles": {"p": full + [[1440, 1]]}, "active_profile": "p"})
    assert "at most 48" in e.reason
    assert bad({"active_profile": "nope"}).field == "active_profile"
    assert bad({"profiles": {}}).field == "profiles"


def test_cross_field_rules():
    assert bad({"insulin": {"dia_min": 240, "peak_min": 120}}).field == "insulin.peak_min"
    settings.validate({"insulin": {"dia_min": 241, "peak_min": 120}})
    e = bad({"calculator": {"target": [[0, 130, 120]]}})
    assert e.field == "calculator.target[0]"
    e = bad({"reservoir": {"capacity_mu": 100000, "low_alert_mu": 100000}})
    assert e.field == "reservoir.low_alert_mu"
    e = bad({"calculator": {"carb_ratio": [[0, 100], [90, 10]]}})
    assert e.field == "calculator.carb_ratio[1]"


def test_versions_and_migrate():
    assert settings.migrate({"version": 1}) == {"version": 1}
    e = bad({"version": 2})
    assert e.field == "version" and "newer" in e.reason
    assert bad({"version": 0}).field == "version"


def test_custom_syringe_uses_its_own_area():
    cfg = settings.validate({"mechanics": {"syringe": "custom", "inner_area_mm2_x100": 2000}})
    assert cfg["mechanics"]["inner_area_mm2_x100"] == 2000
    assert bad({"mechanics": {"syringe": "bd_2ml"}}).field == "mechanics.syringe"
