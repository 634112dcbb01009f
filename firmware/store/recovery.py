# Recovery at boot: read the journal, fold it into the pump's state, turn it
# into the dict Engine.restore(now_ms, state) takes, and raise the alarms the
# reset calls for. Nothing is ever resumed that could deliver more than was
# commanded: an unfinished bolus is uncertain delivery, counted in full.

from store.state import WINDOW_MS, JournalState


class Recovery:
    """What recover() found; .state is for Engine.restore, .notes for people."""

    def __init__(self):
        self.state = None
        self.notes = []
        self.report = None  # journal ReadReport
        self.uncertain_mu = 0
        self.fold = None  # the JournalState, kept up to date by the Recorder
        self.unjournaled_mu = 0  # basal counted as delivered since the last record


def _wall_at(js, boot, now_ms, wall_s):
    if wall_s is not None:
        return wall_s
    pair = js.boot_wall[boot]
    if pair is None:
        return None
    return pair[1] + (now_ms - pair[0]) // 1000


def _age_ms(js, boot, now_ms, wall_s, boot_now_ms, wall_now):
    # Lower bound from the monotonic clocks: the rest of its own boot, every
    # later boot, and this boot so far; time spent powered off is unknown
    # and taken as zero, which makes deliveries look younger (more IOB, more
    # counted against the limits). The wall clock, when both ends know it
    # and it does not contradict that bound, gives the real age.
    age = js.boot_end_ms[boot] - now_ms + boot_now_ms
    for k in range(boot + 1, len(js.boot_end_ms)):
        age += js.boot_end_ms[k]
    w = _wall_at(js, boot, now_ms, wall_s)
    if w is not None and wall_now is not None:
        wall_age = (wall_now - w) * 1000
        if wall_age >= age:
            return wall_age, True
    return age, False


def missing_basal_mu(js, basal, wall_s):
    """The most basal that can have run after the last record that settled
    the basal total (the Recorder writes one at least every
    basal["record_ms"]), at the rate that was in force then, not at the
    ceilings. basal = {"record_ms", "step_mu" (one microstep, rounded up),
    "rates" {profile: highest segment mU/h}, "profile" (the config's
    active one), "fallback_mu_per_h" (for a profile the config lacks)}."""
    if js.suspended:
        return 0
    window = basal["record_ms"]
    mark = js.basal_mark
    mark_wall = None if mark is None else _wall_at(js, mark[0], mark[1], mark[2])
    if mark_wall is not None and wall_s is not None and wall_s >= mark_wall:
        # Both ends on the wall clock: it cannot have run longer than that.
        gap = (wall_s - mark_wall + 1) * 1000
        if gap < window:
            window = gap
    sched = 0
    if js.boot_wall[js.boot] is not None:
        # Scheduled basal runs only with the time of day known, and the
        # journal has a wall time as soon as the pump has one.
        sched = basal["rates"].get(js.profile or basal["profile"], basal["fallback_mu_per_h"])
    rate = sched
    t = js.temp
    if t is not None:
        temp = (sched * t[5] + 99) // 100 if t[4] == "percent" else t[5]
        start = t[2] if t[1] < 0 else _wall_at(js, t[0], t[1], t[2])
        if (start is not None and mark_wall is not None
                and mark_wall * 1000 + window <= (start + t[3] * 60) * 1000):
            rate = temp  # the temp covered the whole window
        elif temp > rate:
            rate = temp  # it may have ended inside the window: the larger
    if rate <= 0:
        return 0
    # Steps are whole: two may straddle the ends of the window.
    return (rate * window + 3599999) // 3600000 + 2 * basal["step_mu"]


def rebuild(records, now_ms, wall_s, unjournaled_basal_mu=0, basal=None):
    """Pure part of recovery: records (any iterable, oldest first, folded
    one at a time as they come) -> Recovery.

    state = {
      "deliveries": [(age_ms, amount_mu, kind), ...]  kind "bolus" or
                     "basal"; oldest first; last 25 h only. A bolus settled
                     as uncertain at an earlier boot is a "bolus" in full.
      "uncertain": None | {"amount_mu": int, "age_ms": int}  never resumed;
                     not repeated in "deliveries"
      "suspended": bool          basal resumes only if False
      "temp": None | {"percent" | "rate_mu_per_h": int, "left_ms": int}
                                 only inside its original window, by wall clock
      "reservoir_mu": int | None, "profile": str | None,
      "wall_known": bool         False: ages are lower bounds (conservative)
    }
    unjournaled_basal_mu: basal that may have run after the last basal
    record, counted as just delivered unless suspended; with basal (see
    missing_basal_mu()) it is worked out from the journal instead, and
    left in r.unjournaled_mu."""
    js = JournalState()
    for rec in records:
        js.add(rec)
    r = Recovery()
    if basal is not None:
        unjournaled_basal_mu = missing_basal_mu(js, basal, wall_s)
    r.unjournaled_mu = unjournaled_basal_mu
    deliveries = []
    all_wall = True
    for boot, t_ms, w, amount, kind in js.deliveries:
        age, by_wall = _age_ms(js, boot, t_ms, w, now_ms, wall_s)
        all_wall = all_wall and by_wall
        if age < WINDOW_MS:
            deliveries.append((age, amount, "basal" if kind == "basal" else "bolus"))
    uncertain = None
    if js.open_bolus is not None:
        boot, t_ms, w, amount = js.open_bolus
        age, by_wall = _age_ms(js, boot, t_ms, w, now_ms, wall_s)
        all_wall = all_wall and by_wall
        uncertain = {"amount_mu": amount, "age_ms": age}
        r.uncertain_mu = amount
        r.notes.append("uncertain delivery: a bolus of %d mU started and never finished; "
                       "counted in full, not resumed" % amount)
    if unjournaled_basal_mu > 0 and not js.suspended:
        deliveries.append((0, unjournaled_basal_mu, "basal"))
        r.notes.append("basal since the last record counted as %d mU just delivered"
                       % unjournaled_basal_mu)
    temp = None
    if js.temp is not None:
        boot, t_ms, w, dur, key, val = js.temp
        start = w if t_ms < 0 else _wall_at(js, boot, t_ms, w)
        if start is None or wall_s is None:
            r.notes.append("temp basal not resumed: time of day unknown")
        elif js.suspended:
            r.notes.append("temp basal not resumed: suspended")
        else:
            left_ms = dur * 60000 - (wall_s - start) * 1000
            if 0 < left_ms <= dur * 60000:
                temp = {key: val, "left_ms": left_ms}
                r.notes.append("temp basal resumed for %d min" % (left_ms // 60000))
            else:
                r.notes.append("temp basal ended during the reset")
    if not all_wall and (deliveries or uncertain):
        r.notes.append("time of day unknown across the reset: past deliveries treated as "
                       "recent (conservative)")
    if js.suspended:
        r.notes.append("suspended before the reset: basal stays off")
    if js.ignored:
        r.notes.append("%d journal record(s) with bad data ignored" % js.ignored)
    deliveries.sort(key=lambda d: -d[0])
    # The running pump folds every record it writes (for checkpoints) and
    # needs no past deliveries for that: let them go.
    js.deliveries = []
    js.keep_deliveries = False
    r.state = {"deliveries": deliveries, "uncertain": uncertain, "suspended": js.suspended,
               "temp": temp, "reservoir_mu": js.reservoir_mu, "profile": js.profile,
               "wall_known": wall_s is not None and all_wall}
    r.fold = js
    return r


def recover(journal, alarms, now_ms, wall_s, watchdog_reset=False, unjournaled_basal_mu=0,
            boot_info=None, basal=None):
    """Boot-time recovery with side effects, in a power-cut-safe order:
    alarms first (persisted), then the journal records that settle the
    uncertain bolus. Running it again after a cut gives the same result.
    Returns a Recovery; the caller hands .state to Engine.restore."""
    r = rebuild(journal.records(), now_ms, wall_s, unjournaled_basal_mu, basal)
    unjournaled_basal_mu = r.unjournaled_mu
    rep = journal.report
    r.report = rep
    damage = rep.describe()
    if damage:
        r.notes.append(damage)
    if watchdog_reset:
        alarms.raise_alarm("watchdog_reset", now_ms, "the watchdog reset the pump")
    if r.uncertain_mu:
        alarms.raise_alarm("uncertain_delivery", now_ms,
                           "bolus of %d mU may be partly delivered" % r.uncertain_mu)
    info = {"watchdog": bool(watchdog_reset)}
    if boot_info:
        info.update(boot_info)
    journal.checkpoint = r.fold.checkpoint
    _write(journal, r.fold, wall_s, now_ms, "boot", info)
    if unjournaled_basal_mu > 0 and not r.state["suspended"]:
        # Journaled, so the estimate still counts after the next reset.
        _write(journal, r.fold, wall_s, now_ms, "basal",
               {"mu": unjournaled_basal_mu, "estimate": 1})
    if r.uncertain_mu:
        # Settled in the journal: the next boot counts it as delivered in
        # full and does not raise it again.
        _write(journal, r.fold, wall_s, now_ms, "bolus_end",
               {"delivered_mu": r.uncertain_mu, "uncertain": 1})
    return r


def _write(journal, fold, wall_s, now_ms, kind, data):
    seq = journal.append(wall_s, now_ms, kind, data)
    fold.add((seq, wall_s, now_ms, kind, data))
