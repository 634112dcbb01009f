# plunger-test: both
# A scripted pump life replayed over the fake flash, with the store wired the
# way the app wires it. A power cut at any write point, then a reboot from
# what is on "flash", must leave a safe, explained pump that lost nothing it
# had confirmed. The full 72-hour sweep runs in test_faults_power.py (CPython);
# this file runs a 24-hour version on both runtimes.
from delivery import settings
from delivery.engine import Engine
from fakes_flash import FakeFlash, PowerCut
from store.alarms import AlarmManager
from store.journal import Journal
from store.recorder import Recorder
from store.recovery import recover

W0 = 1700000000
BASAL_MU_PER_H = 800
MAX_BASAL_MU_PER_H = 3000
SEGMENT_BYTES = 4096  # small, so a 72 h run rotates the journal several times
MAX_SEGMENTS = 4
UNJOURNALED_MU = MAX_BASAL_MU_PER_H  # basal is journaled at most hourly
CFG = settings.validate({})  # default profile: 800 mU/h all day


def script(hours):
    """[(minute, action, args)] for a pump life of `hours`: basal every 5 min
    and, each day, 5 boluses (one cancelled), a temp basal, a suspend, an
    occlusion alarm, a reservoir change and a planned reboot (the third day's
    is a watchdog reset)."""
    out = []
    for m in range(0, hours * 60, 5):
        out.append((m, "basal", None))
    for day in range((hours + 23) // 24):
        d = day * 1440
        out.append((d + 1, "reservoir", 250000))
        out.append((d + 2, "prime", 2000))
        for k, (at, mu) in enumerate(((420, 4000), (720, 6000), (900, 1500), (1080, 5000),
                                      (1300, 2500))):
            out.append((d + at, "bolus", (mu, k == 1)))
        out.append((d + 300, "temp", (150, 120)))
        out.append((d + 480, "temp_cancel", None))
        out.append((d + 500, "temp", (50, 90)))
        out.append((d + 610, "suspend", None))
        out.append((d + 640, "resume", None))
        out.append((d + 800, "alarm", "low_reservoir"))
        out.append((d + 830, "ack", "low_reservoir"))
        out.append((d + 1000, "occlusion", None))
        out.append((d + 1010, "ack", "occlusion"))
        out.append((d + 1011, "resume", None))
        out.append((d + 1200, "reboot", day == 2))
    out.sort(key=lambda a: a[0])
    return [a for a in out if a[0] < hours * 60]


class Truth:
    """What really happened, kept outside the flash."""

    def __init__(self):
        self.records = []  # (seq, kind, data) whose write returned
        self.inflight = None  # (kind, data) being written when power went
        self.delivered = []  # (wall_s, mu) physically delivered
        self.suspended = False
        self.bolus_open = None  # requested mu of a bolus whose start is on flash
        self.temp = None  # (wall_start, duration_min, percent)
        self.alarms = set()
        self.alarm_inflight = None
        self.basal_unflushed = 0


class Bench:
    """One boot of the pump: the store objects, wired as app.py will."""

    def __init__(self, flash, truth, minute, wdt=False):
        self.flash = flash
        self.truth = truth
        self.boot_minute = minute
        self.minute = minute
        self.rec = None
        self.alarms = AlarmManager(flash, self._alarm_journal)
        self.alarms.load(0)
        self.journal = Journal(flash, SEGMENT_BYTES, MAX_SEGMENTS)
        self.recovery = recover(self.journal, self.alarms, 0, self.wall(), watchdog_reset=wdt,
                                unjournaled_basal_mu=UNJOURNALED_MU)
        self.rec = Recorder(self.journal, self.recovery.fold, self.wall)

    def now_ms(self):
        return (self.minute - self.boot_minute) * 60000

    def wall(self):
        return W0 + self.minute * 60

    def _alarm_journal(self, kind, data):
        if self.rec is not None:
            self.record(kind, data)

    def record(self, kind, data):
        t = self.truth
        t.inflight = (kind, data)
        seq = self.rec.record(self.now_ms(), kind, data)
        t.inflight = None
        t.records.append((seq, kind, data))
        return seq

    def flush_basal(self):
        self.rec.flush_basal(self.now_ms())
        self.truth.basal_unflushed = 0


def _recorded_basal(bench):
    # Truth follows the recorder: a basal record that landed is no longer
    # unflushed, even if its own write was the one cut.
    bench.truth.basal_unflushed = bench.rec._basal_mu


def run(flash, truth, actions, start_minute=0):
    """Replay actions; returns the last Bench. Raises PowerCut from a cut."""
    bench = Bench(flash, truth, start_minute)
    for minute, what, arg in actions:
        bench.minute = minute
        t = truth
        w = bench.wall()
        if what == "basal":
            if not t.suspended:
                mu = BASAL_MU_PER_H * (t.temp[2] if t.temp else 100) // 100 * 5 // 60
                t.delivered.append((w, mu))  # the stepper ran, then we report it
                t.basal_unflushed += mu
                try:
                    bench.rec.basal(bench.now_ms(), mu)
                finally:
                    _recorded_basal(bench)
            if t.temp and w >= t.temp[0] + t.temp[1] * 60:
                bench.record("temp_end", {"why": "done"})
                t.temp = None
        elif what == "bolus":
            mu, cancel = arg
            try:
                bench.record("bolus_start", {"kind": "normal", "now_mu": mu, "extended_mu": 0,
                                             "duration_min": 0})
            finally:
                _recorded_basal(bench)
            t.bolus_open = mu  # written: only now may the motor move
            t.delivered.append((w, mu))  # unknown progress: counted in full
            got = mu * 6 // 10 if cancel else mu
            bench.minute = minute + 2
            bench.record("bolus_end", {"requested_mu": mu, "delivered_mu": got,
                                       "cancelled": cancel})
            t.delivered[-1] = (w, got)  # now the stepper's count is known
            t.bolus_open = None
        elif what == "temp":
            percent, dur = arg
            try:
                bench.record("temp_start", {"percent": percent, "rate_mu_per_h": None,
                                            "duration_min": dur})
            finally:
                _recorded_basal(bench)
            t.temp = (w, dur, percent)
        elif what == "temp_cancel":
            if t.temp:
                bench.record("temp_end", {"why": "cancelled"})
                t.temp = None
        elif what == "suspend" or what == "occlusion":
            if what == "occlusion":
                t.alarm_inflight = "occlusion"
                bench.alarms.raise_alarm("occlusion", bench.now_ms(), "no progress")
                t.alarms.add("occlusion")
                t.alarm_inflight = None
            try:
                bench.record("suspend" if what == "suspend" else "stop", {})
            finally:
                _recorded_basal(bench)
            t.suspended = True
            t.temp = None
        elif what == "resume":
            bench.record("resume", {})
            t.suspended = False
        elif what == "alarm":
            t.alarm_inflight = arg
            bench.alarms.raise_alarm(arg, bench.now_ms())
            t.alarms.add(arg)
            t.alarm_inflight = None
        elif what == "ack":
            t.alarm_inflight = arg
            bench.alarms.acknowledge(arg, bench.now_ms())
            t.alarms.discard(arg)
            t.alarm_inflight = None
        elif what == "reservoir":
            bench.record("reservoir", {"amount_mu": arg})
        elif what == "prime":
            bench.record("prime", {"amount_mu": arg})
        elif what == "reboot":
            # A planned reset: basal since the last record is lost to the
            # journal, as it would be on the device.
            # The same flash object: its write points keep counting.
            bench = Bench(flash, truth, minute, wdt=arg)
            if arg:
                t.alarms.add("watchdog_reset")
    return bench


# -- the checks after a cut ---------------------------------------------------
def check_after_cut(flash, truth, cut_minute, label):
    """Reboot from the frozen flash and check every safety property.
    Returns the Bench (recovered pump)."""
    t = truth
    # What the boot reads (recovery streams it and keeps no list of records).
    before = Journal(flash.reboot(), SEGMENT_BYTES, MAX_SEGMENTS).read().records
    bench = Bench(flash.reboot(), truth, cut_minute)
    r = bench.recovery
    st = r.state
    inflight = t.inflight[0] if t.inflight else None

    # No corrupt state accepted: at most the one torn record is skipped.
    assert r.report.damaged <= 1, label
    # Every record whose write completed is still there (unless rotated
    # away whole, oldest first), byte for byte.
    got = {}
    for seq, _w, _n, kind, data in before:
        got[seq] = (kind, data)
    first = before[0][0] if before else 0
    for seq, kind, data in t.records:
        if seq >= first:
            assert got.get(seq) == (kind, data), (label, seq, kind)

    # IOB and limits never undercount: everything physically delivered in
    # the last 24 h (boluses counted in full) is in the recovered state.
    now_wall = bench.wall()
    truth_24h = 0
    for w, mu in t.delivered:
        if (now_wall - w) * 1000 < 24 * 3600000:
            truth_24h += mu
    rec_24h = 0
    for age, mu, _kind in st["deliveries"]:
        if age < 24 * 3600000:
            rec_24h += mu
    if st["uncertain"]:
        rec_24h += st["uncertain"]["amount_mu"]
    assert rec_24h >= truth_24h, (label, rec_24h, truth_24h)

    # An interrupted bolus is uncertain delivery, in full, with an alarm
    # that stops delivery; it is never resumed (restore has no way to).
    end_landed = False
    if inflight == "bolus_end":
        # Power went while the bolus ran or its end was being written: only
        # a complete bolus_end record (it may have landed whole) settles it.
        last = t.records[-1][0] if t.records else -1
        for seq, _w, _n, kind, _d in before:
            if seq > last and kind == "bolus_end":
                end_landed = True
    if t.bolus_open is not None and not end_landed:
        assert st["uncertain"] is not None, label
        assert st["uncertain"]["amount_mu"] == t.bolus_open, label
    if st["uncertain"]:
        assert t.bolus_open is not None or inflight == "bolus_start", label
        assert bench.alarms.is_active("uncertain_delivery") and bench.alarms.delivery_blocked()
        assert "uncertain" in " ".join(r.notes)

    # Basal resumes only if not suspended.
    if inflight in ("suspend", "stop", "resume"):
        pass  # the command itself was cut: either outcome, nothing half-done
    else:
        assert st["suspended"] == t.suspended, label
    if st["suspended"]:
        assert st["temp"] is None

    # A temp basal resumes only inside its original window.
    if st["temp"] is not None:
        assert t.temp is not None or inflight in ("temp_start", "temp_end", "suspend", "stop"), label
        if t.temp is not None and inflight not in ("temp_start", "temp_end"):
            left_ms = (t.temp[0] + t.temp[1] * 60 - now_wall) * 1000
            assert 0 < st["temp"]["left_ms"] <= left_ms, (label, "temp beyond its window")
            assert st["temp"].get("percent") == t.temp[2], label
    elif t.temp is not None and not st["suspended"] and inflight != "temp_start":
        left = t.temp[0] + t.temp[1] * 60 - now_wall
        assert left <= 0, (label, "temp lost")

    # The real engine, restored from this state, resumes no bolus, counts at
    # least the truth for its limits, and over the next hour hands out no
    # more basal than the state allows (none when suspended).
    eng = Engine(CFG, 0)
    eng.set_wall_clock(0, now_wall)
    eng.restore(0, st)
    assert eng.status(0)["bolus"] is None, label
    assert eng.delivered_mu(0, 24 * 3600000) >= truth_24h, label
    _d, steps, _hz, _wake = eng.plan(3600000)
    rate = BASAL_MU_PER_H
    if st["temp"]:
        rate = max(rate, BASAL_MU_PER_H * st["temp"].get("percent", 100) // 100)
    if st["suspended"]:
        assert steps == 0, label
    else:
        assert eng.units.steps_to_mu(steps) <= rate, (label, steps)

    # Unacknowledged alarms survive; the pump explains a blocked state.
    for aid in t.alarms:
        if aid != t.alarm_inflight:
            assert bench.alarms.is_active(aid), (label, aid)
    if bench.alarms.delivery_blocked():
        assert bench.alarms.active()
    return bench


def check_continues(bench, label):
    """After recovery the pump keeps journaling, and a clean reboot reads
    everything back with the uncertain bolus settled."""
    t = bench.truth
    t.bolus_open = None  # settled by recovery
    bench.minute += 1
    kind = "resume" if t.suspended else "suspend"
    bench.record(kind, {})
    t.suspended = not t.suspended
    records = Journal(bench.flash.reboot(), SEGMENT_BYTES, MAX_SEGMENTS).read().records
    again = Bench(bench.flash.reboot(), t, bench.minute)
    rep = again.recovery.report
    assert rep.damaged <= 1, label
    assert records[-1][3] == kind, label
    assert "boot" in [r[3] for r in records[-5:]], label  # the recovery boot
    assert again.recovery.state["uncertain"] is None, label
    assert again.recovery.state["suspended"] == t.suspended, label


def _track(actions, minute):
    # Remember the scenario time of the action a cut interrupts.
    for a in actions:
        minute[0] = a[0] + (2 if a[1] == "bolus" else 0)
        yield a


def sweep(hours, every=1, tear=None):
    """Cut power at every `every`-th write point of the scenario; returns
    (cuts tried, write points in the scenario)."""
    actions = script(hours)
    clean = FakeFlash()
    run(clean, Truth(), actions)
    points = clean.writes
    cuts = 0
    for cut in range(1, points + 1, every):
        truth = Truth()
        flash = FakeFlash(cut_at=cut, tear=tear)
        minute = [0]
        try:
            run(flash, truth, _track(actions, minute))
        except PowerCut:
            pass
        else:
            raise AssertionError("write point %d never reached" % cut)
        label = "cut %d" % cut
        bench = check_after_cut(flash, truth, minute[0], label)
        check_continues(bench, label)
        cuts += 1
    return cuts, points


def test_clean_run_has_no_damage_and_the_expected_state():
    flash = FakeFlash()
    truth = Truth()
    bench = run(flash, truth, script(12))
    assert flash.writes > 20
    bench2 = check_after_cut(flash, truth, bench.minute, "clean")
    assert bench2.recovery.report.damaged == 0


def test_power_cut_at_every_write_point_24h():
    cuts, points = sweep(24)
    assert cuts == points and cuts > 50
