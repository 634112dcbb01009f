# Corrupt configs, journals and alarm files: truncation, random bytes, wrong
# types, huge values, records with a valid checksum but insane data. At least
# 10,000 cases; for each, booting the store must not raise, must not accept
# a config the validator refuses, and must hand Engine.restore only sane
# values. CPython only (random, a few seconds). Seeds are fixed: a failure
# names its case and repeats.
import json
import random

import test_faults_scenario as sc
from fakes_flash import FakeFlash
from store import journal as jmod
from store.alarms import AlarmManager
from store.config import ConfigStore
from store.journal import Journal
from store.recovery import recover
from test_store_config import GOOD, MIGRATE, validate

try:
    from delivery import settings
except ImportError:  # the delivery core is not there yet
    settings = None

HUGE = (10 ** 30, -(10 ** 30), 2 ** 64, 1e308, float("inf"), "x" * 5000, [0] * 2000, None,
        True, "", {}, [], -1, 0.5, "3000")


def _mutate_bytes(rng, data):
    data = bytearray(data)
    how = rng.randrange(6)
    if how == 0 and data:  # truncate
        return bytes(data[:rng.randrange(len(data))])
    if how == 1 and data:  # flip bytes
        for _ in range(rng.randrange(1, 6)):
            i = rng.randrange(len(data))
            data[i] = rng.randrange(256)
        return bytes(data)
    if how == 2:  # insert random bytes
        i = rng.randrange(len(data) + 1)
        return bytes(data[:i]) + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))) \
            + bytes(data[i:])
    if how == 3:  # all random
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300)))
    if how == 4 and data:  # a chunk duplicated or lost
        i = rng.randrange(len(data))
        j = min(len(data), i + rng.randrange(1, 80))
        return bytes(data[:i]) + (bytes(data[i:j]) * 2 if rng.randrange(2) else b"") \
            + bytes(data[j:])
    return bytes(data[::-1]) if how == 5 else bytes(data)


def _mutate_json(rng, obj):
    obj = json.loads(json.dumps(obj))
    how = rng.randrange(4)
    if how == 0 and isinstance(obj, dict) and obj:
        obj[rng.choice(sorted(obj))] = rng.choice(HUGE)  # wrong type / huge value
    elif how == 1:
        obj = rng.choice(HUGE)  # not an object at all
    elif how == 2:
        obj = {"version": rng.choice(HUGE)}
    else:
        depth = rng.randrange(1, 3000)
        return ("[" * depth + "]" * depth).encode()  # deep nesting
    try:
        return json.dumps(obj).encode()
    except (ValueError, OverflowError):
        return b"{"


def _check_config(store, raw, validator):
    flash = store.fs
    flash.files["/config.json"] = raw
    cfg = store.load()
    if cfg is None:
        assert not store.delivery_allowed() and store.error is not None
        field, reason = store.error
        assert isinstance(field, str) and isinstance(reason, str) and reason
    else:
        validator(json.loads(json.dumps(cfg)))  # what was accepted really is valid
        assert store.delivery_allowed()


def test_corrupt_configs_never_crash_and_never_deliver():
    rng = random.Random(7)
    n = 0
    good = json.dumps(GOOD).encode()
    stores = [(ConfigStore(FakeFlash(), validate, MIGRATE), good, GOOD, validate)]
    if settings is not None:
        real = json.dumps(settings.DEFAULTS).encode()
        stores.append((ConfigStore(FakeFlash(), settings.validate, settings.migrate), real,
                       settings.DEFAULTS, settings.validate))
    for store, raw_good, obj, validator in stores:
        for i in range(2500):
            if i % 2:
                raw = _mutate_bytes(rng, raw_good)
            else:
                raw = _mutate_json(rng, obj)
            try:
                _check_config(store, raw, validator)
            except AssertionError:
                raise
            except Exception as e:
                raise AssertionError("config case %d escaped: %r" % (i, e))
            n += 1
    store = stores[0][0]
    store.fs.files["/config.json"] = b" " * 100000  # huge file
    assert store.load() is None and "larger" in store.error[1]
    n += 1
    print("corrupt configs tried: %d" % n)
    assert n >= 2501


def _good_journal():
    flash = FakeFlash()
    sc.run(flash, sc.Truth(), sc.script(30))
    segs = sorted(k for k in flash.files if k.startswith("/journal_"))
    return flash, segs


INSANE_DATA = (
    ("bolus_start", {"now_mu": -5}), ("bolus_start", {"now_mu": 10 ** 40, "extended_mu": 2}),
    ("bolus_start", {"now_mu": "lots"}), ("bolus_end", {"delivered_mu": 10 ** 30}),
    ("bolus_end", {"delivered_mu": [1]}), ("basal", {"mu": 10 ** 18}), ("basal", {"mu": 1.5}),
    ("temp_start", {"duration_min": 99999, "percent": 150}),
    ("temp_start", {"duration_min": 30, "percent": -3}),
    ("temp_start", {"duration_min": 30, "rate_mu_per_h": "fast"}),
    ("reservoir", {"amount_mu": -1}), ("reservoir", {"amount_mu": 10 ** 20}),
    ("profile", {"name": 12}), ("checkpoint", {"suspended": "no", "temp": [1, 2, 3, 4]}),
    ("checkpoint", {"temp": [10 ** 20, 30, "percent", 150], "open_bolus_mu": -7}),
    ("checkpoint", {"reservoir_mu": "full", "profile": ["x"]}), ("suspend", []),
)


def _sane_state(st):
    for age, mu, kind in st["deliveries"]:
        assert type(age) is int and age >= 0
        assert type(mu) is int and 0 < mu <= 10 ** 9
        assert kind in ("bolus", "basal")
    u = st["uncertain"]
    if u is not None:
        assert type(u["amount_mu"]) is int and u["amount_mu"] >= 0 and type(u["age_ms"]) is int
    assert st["suspended"] in (True, False)
    t = st["temp"]
    if t is not None:
        assert 0 < t["left_ms"] <= 24 * 3600000
        val = t.get("percent", t.get("rate_mu_per_h"))
        assert type(val) is int and val >= 0
    r = st["reservoir_mu"]
    assert r is None or (type(r) is int and 0 <= r <= 10 ** 9)
    assert st["profile"] is None or isinstance(st["profile"], str)


def test_corrupt_journals_never_crash_and_hand_over_only_sane_state():
    rng = random.Random(11)
    base, segs = _good_journal()
    n = 0
    for i in range(6000):
        flash = FakeFlash(base.files)
        seg = rng.choice(segs)
        if i % 3 == 2:
            # A record with a valid checksum but insane data, spliced in.
            kind, data = rng.choice(INSANE_DATA)
            line = jmod.encode(10 ** 6 + i, rng.choice((None, sc.W0 + 7200)),
                               rng.randrange(10 ** 9), kind, data)
            flash.files[seg] = flash.files[seg] + line
        else:
            flash.files[seg] = _mutate_bytes(rng, flash.files[seg])
        try:
            am = AlarmManager(flash)
            am.load(0)
            r = recover(Journal(flash, sc.SEGMENT_BYTES, sc.MAX_SEGMENTS), am, 0,
                        rng.choice((None, sc.W0 + 30 * 3600)), unjournaled_basal_mu=100)
        except Exception as e:
            raise AssertionError("journal case %d escaped: %r" % (i, e))
        _sane_state(r.state)
        if r.state["uncertain"]:
            assert am.delivery_blocked()
        n += 1
    print("corrupt journals tried: %d" % n)
    assert n == 6000


def test_corrupt_alarm_files_block_delivery_or_load_cleanly():
    rng = random.Random(13)
    flash = FakeFlash()
    am = AlarmManager(flash)
    am.load(0)
    am.raise_alarm("occlusion", 0, "x")
    am.raise_alarm("low_battery", 0, "y")
    good = flash.files["/alarms.json"]
    body = json.loads(good[9:])
    for i in range(1500):
        raw = _mutate_bytes(rng, good) if i % 2 else b"00000000 " + _mutate_json(rng, body)
        am = AlarmManager(FakeFlash({"/alarms.json": raw}))
        try:
            active = am.load(0)
        except Exception as e:
            raise AssertionError("alarm case %d escaped: %r" % (i, e))
        # Either it says exactly what was saved, or it says the file is
        # damaged and delivery stays off: an alarm never silently vanishes.
        ids = sorted(a[0] for a in active)
        if raw != good:
            assert ids == ["storage_error"] and am.delivery_blocked(), (i, raw)
        else:
            assert ids == ["low_battery", "occlusion"]
    print("corrupt alarm files tried: 1500")
