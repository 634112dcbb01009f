# plunger-test: both
# Recovery at boot: the journal becomes Engine.restore's state, conservatively.
from fakes_flash import FakeFlash
from store.alarms import AlarmManager
from store.journal import Journal
from store.recovery import rebuild, recover

W0 = 1700000000  # wall clock at the first record
H = 3600000


def _rec(records, kind, data, now_ms, wall=True):
    records.append((len(records), W0 + now_ms // 1000 if wall else None, now_ms, kind, data))


def test_empty_journal_is_a_fresh_pump():
    r = rebuild([], 0, None)
    s = r.state
    assert s["deliveries"] == [] and s["uncertain"] is None and not s["suspended"]
    assert s["temp"] is None and s["reservoir_mu"] is None and s["profile"] is None


def test_unfinished_bolus_is_uncertain_in_full_and_never_resumed():
    recs = []
    _rec(recs, "reservoir", {"amount_mu": 100000}, 0)
    _rec(recs, "bolus_start", {"now_mu": 3000, "extended_mu": 1000, "duration_min": 60}, H)
    r = rebuild(recs, 5000, W0 + H // 1000 + 60)
    assert r.state["uncertain"] == {"amount_mu": 4000, "age_ms": 60000}
    assert r.state["deliveries"] == []  # not counted twice
    assert r.state["reservoir_mu"] == 100000
    assert r.uncertain_mu == 4000 and "uncertain" in r.notes[0]


def test_finished_and_cancelled_boluses_count_what_was_delivered():
    recs = []
    _rec(recs, "bolus_start", {"now_mu": 3000, "extended_mu": 0}, H)
    _rec(recs, "bolus_end", {"delivered_mu": 3000}, H + 60000)
    _rec(recs, "bolus_start", {"now_mu": 5000, "extended_mu": 0}, 2 * H)
    _rec(recs, "bolus_end", {"delivered_mu": 1200, "cancelled": True}, 2 * H + 30000)
    _rec(recs, "basal", {"mu": 800}, 3 * H)
    r = rebuild(recs, 0, W0 + 3 * H // 1000)
    amounts = [(d[1], d[2]) for d in r.state["deliveries"]]
    assert amounts == [(3000, "bolus"), (1200, "bolus"), (800, "basal")]
    assert r.state["deliveries"][0][0] == 2 * H - 60000  # real age from the wall clock
    assert r.state["uncertain"] is None and r.state["wall_known"]


def test_a_bolus_end_claiming_more_than_requested_is_capped():
    recs = []
    _rec(recs, "bolus_start", {"now_mu": 3000, "extended_mu": 0}, H)
    _rec(recs, "bolus_end", {"delivered_mu": 99999999}, H + 60000)
    r = rebuild(recs, 0, None)
    assert r.state["deliveries"][0][1] == 3000


def test_without_wall_clock_ages_are_lower_bounds():
    # Two boots: 10 h, then 2 h. Powered-off time is unknown and taken as 0.
    recs = []
    _rec(recs, "boot", {}, 0, wall=False)
    _rec(recs, "bolus_start", {"now_mu": 2000, "extended_mu": 0}, 1 * H, wall=False)
    _rec(recs, "bolus_end", {"delivered_mu": 2000}, 1 * H + 60000, wall=False)
    _rec(recs, "basal", {"mu": 900}, 10 * H, wall=False)
    _rec(recs, "boot", {}, 0, wall=False)
    _rec(recs, "basal", {"mu": 700}, 2 * H, wall=False)
    r = rebuild(recs, 1000, None)
    ages = [(d[0], d[1]) for d in r.state["deliveries"]]
    assert ages == [(9 * H - 60000 + 2 * H + 1000, 2000), (2 * H + 1000, 900), (1000, 700)]
    assert not r.state["wall_known"]
    assert "conservative" in " ".join(r.notes)


def test_a_wall_clock_that_contradicts_the_monotonic_bound_is_not_trusted():
    recs = []
    _rec(recs, "basal", {"mu": 500}, 5 * H)  # wall W0 + 5 h
    r = rebuild(recs, 2 * H, W0)  # the clock now says earlier than the record
    assert r.state["deliveries"][0][0] == 2 * H  # monotonic lower bound instead


def test_suspended_stays_suspended_and_drops_the_temp():
    recs = []
    _rec(recs, "temp_start", {"duration_min": 120, "percent": 150, "rate_mu_per_h": None}, H)
    _rec(recs, "suspend", {}, H + 60000)
    r = rebuild(recs, 0, W0 + H // 1000 + 120)
    assert r.state["suspended"] and r.state["temp"] is None
    recs = []
    _rec(recs, "stop", {"reason": "occlusion"}, H)
    assert rebuild(recs, 0, None).state["suspended"]


def test_temp_basal_resumes_only_inside_its_window():
    recs = []
    _rec(recs, "temp_start", {"duration_min": 120, "percent": None, "rate_mu_per_h": 400}, H)
    start_wall = W0 + H // 1000
    r = rebuild(recs, 0, start_wall + 30 * 60)
    assert r.state["temp"] == {"rate_mu_per_h": 400, "left_ms": 90 * 60000}
    assert rebuild(recs, 0, start_wall + 121 * 60).state["temp"] is None
    r = rebuild(recs, 0, None)  # no time of day: cannot know the window
    assert r.state["temp"] is None and "unknown" in " ".join(r.notes)


def test_profile_selection_and_reservoir():
    recs = []
    _rec(recs, "reservoir", {"amount_mu": 50000}, 0)
    _rec(recs, "prime", {"amount_mu": 1000}, 1000)
    _rec(recs, "profile", {"name": "work"}, 2000)
    _rec(recs, "profile", {"name": "sport", "segments": [[0, 500]]}, 3000)  # defines only
    _rec(recs, "basal", {"mu": 4000}, H)
    s = rebuild(recs, 0, None).state
    assert s["profile"] == "work" and s["reservoir_mu"] == 45000


def test_unjournaled_basal_counts_as_just_delivered_unless_suspended():
    r = rebuild([], 0, None, unjournaled_basal_mu=1500)
    assert r.state["deliveries"] == [(0, 1500, "basal")]
    recs = []
    _rec(recs, "suspend", {}, 0)
    assert rebuild(recs, 0, None, unjournaled_basal_mu=1500).state["deliveries"] == []


def test_bad_data_is_ignored_safely():
    recs = []
    _rec(recs, "bolus_start", {"now_mu": "lots"}, 0)  # damaged amount: worst case
    r = rebuild(recs, 0, None)
    assert r.state["uncertain"]["amount_mu"] >= 10 ** 6
    recs = []
    _rec(recs, "basal", {"mu": -5}, 0)
    _rec(recs, "temp_start", {"duration_min": 10 ** 9, "percent": 150}, 0)
    r = rebuild(recs, 0, W0)
    assert r.state["deliveries"] == [] and r.state["temp"] is None and r.fold.ignored == 2


def test_recover_raises_alarms_and_settles_the_uncertain_bolus_once():
    flash = FakeFlash()
    j = Journal(flash)
    j.read()
    j.append(None, 0, "bolus_start", {"now_mu": 2500, "extended_mu": 0})
    # reset mid-bolus
    flash = flash.reboot()
    am = AlarmManager(flash)
    am.load(0)
    r = recover(Journal(flash), am, 0, None, watchdog_reset=True)
    assert r.state["uncertain"]["amount_mu"] == 2500
    assert am.is_active("uncertain_delivery") and am.is_active("watchdog_reset")
    assert am.delivery_blocked()
    am.acknowledge("uncertain_delivery", 10)
    am.acknowledge("watchdog_reset", 10)
    # a second reset: the bolus is history now, counted in full, no new alarm
    flash = flash.reboot()
    am = AlarmManager(flash)
    am.load(0)
    r = recover(Journal(flash), am, 0, None)
    assert r.state["uncertain"] is None
    assert r.state["deliveries"] == [(0, 2500, "bolus")]
    assert not am.delivery_blocked()


def test_recorder_writes_basal_once_an_interval_and_before_rate_changes():
    from store.recorder import BASAL_RECORD_MS, Recorder

    flash = FakeFlash()
    am = AlarmManager(flash)
    am.load(0)
    j = Journal(flash)
    r = recover(j, am, 0, None)
    rec = Recorder(j, r.fold, lambda: None)
    for minute in range(0, 181):
        rec.basal_total(minute * 60000, minute * 13)  # 13 mU a minute
    rec.record(181 * 60000, "suspend", {})
    kinds = []
    total = 0
    at = []
    for rec_ in Journal(flash).read().records:
        kinds.append(rec_[3])
        if rec_[3] == "basal":
            total += rec_[4]["mu"]
            at.append(rec_[2])
    every = BASAL_RECORD_MS // 60000
    assert kinds == ["checkpoint", "boot"] + ["basal"] * len(at) + ["suspend"]
    assert 180 // every <= len(at) <= 180 // every + 1
    # Never two records closer than the interval, except the one the
    # suspend settles; never a gap longer than the interval.
    for i in range(1, len(at) - 1):
        assert at[i] - at[i - 1] == BASAL_RECORD_MS
    assert at[-1] == 181 * 60000
    assert total == 180 * 13  # nothing lost at the suspend
