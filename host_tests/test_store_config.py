# plunger-test: both
# /config.json: validated, migrated, replaced atomically, never lost to a bad file.
import json

from fakes_flash import FakeFlash, PowerCut
from store.config import ConfigStore, make_migrator
from testkit import raises


class BadConfig(Exception):
    def __init__(self, field, reason):
        super().__init__("%s: %s" % (field, reason))
        self.field = field
        self.reason = reason


def validate(cfg):
    # A stand-in for delivery.settings.validate with the same contract.
    if cfg.get("version") != 2:
        raise BadConfig("version", "must be 2")
    rate = cfg.get("max_basal_mu_per_h")
    if type(rate) is not int or not 0 < rate <= 35000:
        raise BadConfig("max_basal_mu_per_h", "must be an integer 1..35000")
    return cfg


def _v0_to_v1(cfg):
    out = dict(cfg)
    out["max_basal_mu_per_h"] = out.pop("max_basal_u_per_h", 3) * 1000
    out["version"] = 1
    return out


def _v1_to_v2(cfg):
    out = dict(cfg)
    out["version"] = 2
    return out


MIGRATE = make_migrator({0: _v0_to_v1, 1: _v1_to_v2}, 2)
GOOD = {"version": 2, "max_basal_mu_per_h": 3000}


def _store(flash):
    return ConfigStore(flash, validate, MIGRATE)


def test_save_then_load():
    flash = FakeFlash()
    _store(flash).save(dict(GOOD))
    s = _store(flash.reboot())
    assert s.load() == GOOD and s.error is None and s.delivery_allowed()


def test_missing_file_refuses_delivery():
    s = _store(FakeFlash())
    assert s.load() is None
    assert s.error == ("(file)", "missing") and not s.delivery_allowed()


def test_invalid_save_writes_nothing():
    flash = FakeFlash()
    s = _store(flash)
    s.save(dict(GOOD))
    before = dict(flash.files)
    e = raises(BadConfig, s.save, {"version": 2, "max_basal_mu_per_h": 99999999})
    assert e.field == "max_basal_mu_per_h"
    assert flash.files == before and s.cfg == GOOD


def test_bad_file_is_reported_by_field_and_the_old_one_kept():
    flash = FakeFlash()
    s = _store(flash)
    s.save(dict(GOOD))
    s.save({"version": 2, "max_basal_mu_per_h": 2000})
    flash.files["/config.json"] = b'{"version": 2, "max_basal_mu_per_h": "lots"}'
    s = _store(flash)
    assert s.load() is None and not s.delivery_allowed()
    assert s.error[0] == "max_basal_mu_per_h" and "integer" in s.error[1]
    assert s.backup() == GOOD  # the previous valid file, offered, never auto-used


def test_unparsable_file_is_reported():
    flash = FakeFlash({"/config.json": b'{"version": 2, "max_'})
    s = _store(flash)
    assert s.load() is None and s.error == ("(file)", "not valid JSON")
    flash.files["/config.json"] = b"[1, 2]"
    assert s.load() is None and s.error == ("(file)", "not a JSON object")
    flash.files["/config.json"] = b" " * 20000
    assert s.load() is None and "larger" in s.error[1]


def test_old_schema_is_migrated_and_rewritten():
    flash = FakeFlash({"/config.json": b'{"max_basal_u_per_h": 2}'})
    s = _store(flash)
    assert s.load() == {"version": 2, "max_basal_mu_per_h": 2000}
    assert s.migrated_from == 0
    assert json.loads(flash.files["/config.json"]) == s.cfg
    assert flash.files["/config.json.bak"] == b'{"max_basal_u_per_h": 2}'  # the original kept


def test_a_future_version_is_refused_by_field():
    flash = FakeFlash({"/config.json": b'{"version": 9, "max_basal_mu_per_h": 2}'})
    s = _store(flash)
    assert s.load() is None and s.error[0] == "version"


def test_power_cut_at_every_save_write_leaves_a_valid_config():
    new = {"version": 2, "max_basal_mu_per_h": 1500}
    points = 0
    for cut in range(1, 12):
        flash = FakeFlash()
        _store(flash).save(dict(GOOD))
        flash.cut_at = flash.writes + cut
        try:
            _store(flash).save(dict(new))
        except PowerCut:
            points += 1
        s = _store(flash.reboot())
        assert s.load() in (GOOD, new), cut
    assert points >= 4  # the save really has that many write points
