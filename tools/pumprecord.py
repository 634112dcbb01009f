"""The pump's delivery record, read back into what a chart shows.

Input: journal records as the console's `history` gives them (dicts with seq,
wall_s, now_ms, kind, data), as `pumpctl history --csv` saved them, or as
tuples read from a simulator's flash folder. Output: a Day, plain data in
seconds since 1970 UTC and integer milliunits (mU), with no drawing in it,
so tests can check the numbers a chart is drawn from.

What the record holds and how it is read (firmware/store/recorder.py):
- `basal {"mu"}` is basal delivered since the previous basal record or
  since the last event that settles basal first (bolus_start, temp_start,
  temp_end, suspend) or the last boot, whichever is latest. The rate drawn
  for that interval is its amount over the time the pump was not suspended
  or stopped in it. `basal {"estimate": 1}` is what the pump counted at boot
  for the time it could not journal: a point, not a rate.
- boluses: bolus_start (kind, now_mu, extended_mu, duration_min), bolus_end
  (delivered_mu). Temp basals: temp_start (percent or rate_mu_per_h,
  duration_min), temp_end. suspend/stop until resume. alarm, ack, boot.
- The scheduled rate is not journaled: it comes from the profiles (the
  console's `profile`), with `profile` records for selections and edits.
"""
import json
import math
import os
import sys

BASAL_SETTLERS = ("bolus_start", "temp_start", "temp_end", "suspend")
IOB_STEP_S = 300
EXTENDED_PIECE_S = 300
# A basal interval whose start fell before the span: the recorder writes at
# least hourly while basal runs, so an hour back is as far as it can reach.
FIRST_INTERVAL_S = 3600


class RecordError(ValueError):
    """A record or log that cannot be charted; the message says why."""


class Day:
    def __init__(self, start_s, end_s):
        self.start_s = start_s
        self.end_s = end_s
        self.scheduled = []  # [(t_s, rate_mu_per_h or None)] steps: rate holds until the next
        self.delivered = []  # [(t0_s, t1_s, rate_mu_per_h, mu)] basal intervals
        self.estimates = []  # [(t_s, mu)] basal counted at a boot, not measured
        self.temps = []  # [(t0_s, t1_s, label)]
        self.boluses = []  # dicts: t_s, end_s, kind, now_mu, extended_mu, duration_min, delivered_mu
        self.off = []  # [(t0_s, t1_s, why)] suspended or stopped
        self.alarms = []  # [(t_s, id, detail)]
        self.boots = []  # [t_s]
        self.profile_marks = []  # [(t_s, name)] profile selections
        self.iob = []  # [(t_s, mu)]
        self.notes = []  # what the chart could not know, said in its footer
        self.totals = {}


# ---- reading records in ------------------------------------------------------

def normalize(rec):
    """A console dict, a CSV row dict or a journal tuple -> a dict with
    seq, wall_s, now_ms, kind, data."""
    if isinstance(rec, (tuple, list)):
        seq, wall_s, now_ms, kind, data = rec[:5]
        return {"seq": seq, "wall_s": wall_s, "now_ms": now_ms, "kind": kind, "data": data or {}}
    data = rec.get("data")
    return {"seq": rec.get("seq"), "wall_s": rec.get("wall_s"), "now_ms": rec.get("now_ms"),
            "kind": rec.get("kind"), "data": data if isinstance(data, dict) else {}}


CSV_COLUMNS = ("seq", "wall_s", "now_ms", "kind", "data")


def read_csv(path):
    """Records from a `pumpctl history --csv` file. Raises RecordError
    naming the file, line and column."""
    import csv

    try:
        f = open(path, newline="")
    except OSError as e:
        raise RecordError("cannot read %s: %s" % (path, e.strerror or e))
    with f:
        reader = csv.DictReader(f)
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise RecordError("%s: missing column%s %s (a `pumpctl history --csv` log has %s)"
                              % (path, "s" if len(missing) > 1 else "", ", ".join(missing),
                                 ", ".join(CSV_COLUMNS)))
        out = []
        for row in reader:
            line = reader.line_num
            try:
                data = json.loads(row["data"]) if row["data"] else {}
                if not isinstance(data, dict):
                    raise ValueError("data is not a JSON object")
                out.append({"seq": _int_or_none(row["seq"]), "wall_s": _int_or_none(row["wall_s"]),
                            "now_ms": _int_or_none(row["now_ms"]), "kind": row["kind"],
                            "data": data})
            except (ValueError, TypeError) as e:
                raise RecordError("%s:%d: bad record: %s" % (path, line, e))
            if not row["kind"]:
                raise RecordError("%s:%d: bad record: empty kind" % (path, line))
    return out


def _int_or_none(text):
    text = (text or "").strip()
    return None if text in ("", "None", "-") else int(text)


def read_flash(flash_dir):
    """Records and config from a simulated board's filesystem, read with the
    firmware's own journal reader (the same code the pump runs)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for p in (os.path.join(root, "tools", "cpython_shims"), os.path.join(root, "firmware")):
        if p not in sys.path:
            sys.path.insert(0, p)
    import cpython_compat

    cpython_compat.install()
    from store.fs import DeviceFs
    from store.journal import Journal

    records = Journal(DeviceFs(flash_dir)).read().records
    cfg = None
    try:
        with open(os.path.join(flash_dir, "config.json")) as f:
            cfg = json.load(f)
    except (OSError, ValueError):
        pass
    return [normalize(r) for r in records], cfg


# ---- placing records in time -------------------------------------------------

def _timed(records):
    """(t_s, rec) for every record that can be placed on the wall clock.
    A record journaled while the clock was unset gets its time from another
    record of the same boot that has one (now_ms counts from the boot)."""
    out, boot, pending, skipped = [], [], [], 0

    def settle():
        nonlocal skipped
        ref = next((r for r in boot if r["wall_s"] is not None and r["now_ms"] is not None), None)
        for r in boot:
            if r["wall_s"] is not None and r["now_ms"] is not None:
                base = r["wall_s"] - r["now_ms"] / 1000.0
            elif ref is not None and r["now_ms"] is not None:
                base = ref["wall_s"] - ref["now_ms"] / 1000.0
            else:
                skipped += 1
                continue
            at = r["data"].get("at_ms")
            ms = at if isinstance(at, int) and not isinstance(at, bool) else r["now_ms"]
            pending.append((base + ms / 1000.0, r))
        boot.clear()

    for r in records:
        if r["kind"] == "boot":
            settle()
        boot.append(r)
    settle()
    for t, r in pending:
        out.append((t, r))
    out.sort(key=lambda x: (x[0], x[1]["seq"] if x[1]["seq"] is not None else 0))
    return out, skipped


# ---- the day -------------------------------------------------------------------

def build_day(records, start_s=None, end_s=None, profiles=None, active_profile=None,
              dia_min=360, peak_min=75, utc_offset_min=0):
    """records: any form normalize() takes, oldest first. start_s/end_s:
    the span (default: first to last record). profiles: {name: [[min,
    mU/h], ...]} as the pump holds them now; active_profile: the one in force
    now. Raises RecordError for an empty span."""
    recs = [normalize(r) for r in records]
    timed, skipped = _timed(recs)
    if start_s is None and timed:
        start_s = timed[0][0]
    if end_s is None and timed:
        end_s = timed[-1][0]
    if start_s is None or end_s is None:
        raise RecordError("no records to chart")
    if end_s <= start_s:
        raise RecordError("the span is empty: it ends (%s) before it starts (%s)"
                          % (_utc(end_s), _utc(start_s)))
    inside = [(t, r) for t, r in timed if start_s <= t <= end_s]
    if not inside:
        raise RecordError("no delivery records between %s and %s UTC" % (_utc(start_s), _utc(end_s)))
    # Records before the span still tell what was running when it began (a
    # temp basal, a suspend, the profile, insulin still on board); the first
    # basal record after it says what was delivered up to its end.
    day = Day(start_s, end_s)
    if skipped:
        day.notes.append("%d record(s) without wall time not charted" % skipped)
    _events(day, timed)
    _basal(day, timed)
    day.scheduled = _schedule(day, timed, profiles or {}, active_profile, utc_offset_min,
                              start_s, end_s)
    lo = min([t0 for t0, _, _, _ in day.delivered] + [start_s])
    hi = max([t1 for _, t1, _, _ in day.delivered] + [end_s])
    wide = _schedule(day, timed, profiles or {}, active_profile, utc_offset_min, lo, hi)
    _iob(day, dia_min, peak_min)
    _clip(day, wide)
    _totals(day, inside)
    return day


def _weight(day, steps, a, b):
    """How much basal the schedule asks for over [a, b] while not suspended
    or stopped (rate x seconds); plain seconds where the rate is unknown."""
    cuts = sorted({a, b} | {t for t, _ in steps if a < t < b}
                  | {x for t0, t1, _ in day.off for x in (t0, t1) if a < x < b})
    w = 0.0
    for lo, hi in zip(cuts, cuts[1:], strict=False):
        if _off_seconds(day, lo, hi) >= hi - lo:
            continue
        rate = None
        for t, r in steps:
            if t <= lo:
                rate = r
        w += (hi - lo) * (rate if rate else 1.0)
    return w


def _clip(day, steps):
    """Keep what falls in the span; basal intervals across its edges count
    the share of their amount delivered inside it, by what the schedule
    asked for in each part (a temp basal never spans a basal record: its
    start and end settle basal first)."""
    a, b = day.start_s, day.end_s

    def cut(spans):
        return [(max(t0, a), min(t1, b), x) for t0, t1, x in spans if t1 > a and t0 < b]

    day.off = cut(day.off)
    day.temps = cut(day.temps)
    kept = []
    for t0, t1, rate, mu in day.delivered:
        if t1 <= a or t0 >= b:
            continue
        if t0 < a or t1 > b:
            lo, hi = max(t0, a), min(t1, b)
            whole = _weight(day, steps, t0, t1)
            part = _weight(day, steps, lo, hi)
            mu = int(round(mu * part / whole)) if whole > 0 else 0
            active = (hi - lo) - _off_seconds(day, lo, hi)
            rate = mu * 3600.0 / active if active >= 1 else None
            t0, t1 = lo, hi
        kept.append((t0, t1, rate, mu))
    day.delivered = kept
    day.estimates = [(t, mu) for t, mu in day.estimates if a <= t <= b]
    day.boluses = [x for x in day.boluses if x["t_s"] is not None and a <= x["t_s"] <= b]
    day.alarms = [x for x in day.alarms if a <= x[0] <= b]
    day.boots = [t for t in day.boots if a <= t <= b]


def _events(day, inside):
    open_off = None
    open_temp = None
    for t, r in inside:
        k, d = r["kind"], r["data"]
        if k == "boot":
            day.boots.append(t)
        elif k in ("suspend", "stop"):
            if open_off is None:
                open_off = (t, "suspended" if k == "suspend" else "stopped: %s" % d.get("reason", "?"))
        elif k == "resume":
            if open_off is not None:
                day.off.append((open_off[0], t, open_off[1]))
                open_off = None
        elif k == "alarm":
            day.alarms.append((t, d.get("id", "?"), d.get("detail", "")))
        elif k == "temp_start":
            if open_temp is not None:
                day.temps.append((open_temp[0], t, open_temp[1]))
            dur = d.get("duration_min") or d.get("left_min") or 0
            if d.get("percent") is not None:
                label = "%d %%" % d["percent"]
            else:
                label = "%s U/h" % _u(d.get("rate_mu_per_h") or 0)
            open_temp = (t, label, t + dur * 60)
        elif k == "temp_end":
            if open_temp is not None:
                day.temps.append((open_temp[0], t, open_temp[1]))
                open_temp = None
        elif k == "bolus_start":
            b = {"t_s": t, "end_s": None, "kind": d.get("kind", "normal"),
                 "now_mu": d.get("now_mu", 0), "extended_mu": d.get("extended_mu", 0),
                 "duration_min": d.get("duration_min", 0), "delivered_mu": None,
                 "cancelled": False}
            day.boluses.append(b)
        elif k == "bolus_end":
            b = next((b for b in reversed(day.boluses) if b["end_s"] is None), None)
            if b is None:  # it started before the span
                b = {"t_s": None, "end_s": None, "kind": d.get("kind", "normal"), "now_mu": 0,
                     "extended_mu": 0, "duration_min": 0, "delivered_mu": None, "cancelled": False}
                day.boluses.append(b)  # started before the first record: not drawn
            b["end_s"] = t
            b["delivered_mu"] = d.get("delivered_mu", 0)
            b["cancelled"] = bool(d.get("cancelled"))
    if open_off is not None:
        day.off.append((open_off[0], day.end_s, open_off[1]))
    if open_temp is not None:
        day.temps.append((open_temp[0], min(open_temp[2], day.end_s), open_temp[1]))
    if any(b["end_s"] is None for b in day.boluses):
        day.notes.append("a bolus was still running at the end of the span (not in the totals)")


def _off_seconds(day, a, b):
    s = 0.0
    for t0, t1, _ in day.off:
        lo, hi = max(a, t0), min(b, t1)
        if hi > lo:
            s += hi - lo
    return s


def _basal(day, inside):
    last = None  # the latest boundary: where the next basal record's interval starts
    for t, r in inside:
        k, d = r["kind"], r["data"]
        if k == "basal":
            mu = d.get("mu", 0)
            if d.get("estimate"):
                day.estimates.append((t, mu))
            else:
                t0 = last
                if t0 is None:
                    t0 = max(day.start_s, t - FIRST_INTERVAL_S)
                active = (t - t0) - _off_seconds(day, t0, t)
                rate = mu * 3600.0 / active if active >= 1 else None
                day.delivered.append((t0, t, rate, mu))
            last = t
        elif k in BASAL_SETTLERS or k == "boot":
            last = t


def _segments_rate(segs, minute):
    rate = None
    for start_min, r in segs:
        if start_min <= minute:
            rate = r
    if rate is None and segs:
        rate = segs[-1][1]  # before the first segment: the last one, from yesterday
    return rate


def _schedule(day, inside, profiles, active_profile, utc_offset_min, lo_s, hi_s):
    """The profile rate in force, as steps. A profile edited in the span has
    an unknown shape before its first edit there (the journal keeps only
    the new segments): no line is drawn for that time."""
    edits = {}  # name -> [(t, segs)]
    selects = []  # [(t, name)]
    first_checkpoint = None
    for t, r in inside:
        if r["kind"] == "profile":
            if "segments" in r["data"]:
                edits.setdefault(r["data"].get("name"), []).append((t, r["data"]["segments"]))
            else:
                selects.append((t, r["data"].get("name")))
        elif r["kind"] == "checkpoint" and first_checkpoint is None:
            first_checkpoint = r["data"].get("profile")
    day.profile_marks = [(t, n) for t, n in selects if day.start_s <= t <= day.end_s]
    if selects:
        # The journal names the profile selected, not the one left: before
        # the first selection it is the one a checkpoint names, or the
        # factory "default".
        initial = first_checkpoint or ("default" if "default" in profiles or "default" in edits
                                       else None)
    else:
        initial = active_profile or first_checkpoint
    if not profiles and not edits and "scheduled basal not in this record (no profiles)" \
            not in day.notes:
        day.notes.append("scheduled basal not in this record (no profiles)")

    def segs_at(name, t):
        if name is None:
            return None
        known = [s for te, s in edits.get(name, ()) if te <= t]
        if known:
            return known[-1]
        if edits.get(name):
            return None  # edited later in the span: its shape before is unknown
        return profiles.get(name)

    def name_at(t):
        name = initial
        for ts, n in selects:
            if ts <= t:
                name = n
        return name

    # Every time the rate can change: segment starts each day, selects, edits.
    times = {lo_s, hi_s}
    times.update(t for t, _ in selects)
    for lst in edits.values():
        times.update(t for t, _ in lst)
    minutes = set()
    for segs in list(profiles.values()) + [s for lst in edits.values() for _, s in lst]:
        minutes.update(m for m, _ in segs)
    off_s = utc_offset_min * 60
    day0 = math.floor((lo_s + off_s) / 86400) * 86400 - off_s
    d = day0
    while d <= hi_s:
        for m in minutes:
            t = d + m * 60
            if lo_s < t < hi_s:
                times.add(t)
        d += 86400
    prev = object()
    steps = []
    for t in sorted(x for x in times if lo_s <= x <= hi_s):
        segs = segs_at(name_at(t), t)
        minute = int(((t + off_s) % 86400) // 60)
        rate = _segments_rate(segs, minute) if segs else None
        if t == hi_s:
            steps.append((t, prev if steps else rate))  # where the line ends, not a new step
        elif rate != prev:
            steps.append((t, rate))
            prev = rate
    return steps


def _iob(day, dia_min, peak_min):
    """Bolus insulin on board with the firmware's own curve (delivery/iob.py):
    the normal part at the bolus start, the extended part spread evenly over
    the time it ran."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    fw = os.path.join(root, "firmware")
    if fw not in sys.path:
        sys.path.insert(0, fw)
    from delivery.iob import Curve

    curve = Curve(dia_min, peak_min)
    doses = []  # (t_s, mu)
    for b in day.boluses:
        if b["t_s"] is None:
            continue
        now_mu, ext_mu = b["now_mu"], b["extended_mu"]
        if b["delivered_mu"] is not None:
            now_mu = min(now_mu, b["delivered_mu"])
            ext_mu = b["delivered_mu"] - now_mu
            end = b["end_s"]
        else:
            end = min(day.end_s, b["t_s"] + b["duration_min"] * 60)
        if now_mu:
            doses.append((b["t_s"], now_mu))
        if ext_mu and end > b["t_s"]:
            n = max(1, int(math.ceil((end - b["t_s"]) / EXTENDED_PIECE_S)))
            step = (end - b["t_s"]) / n
            for i in range(n):
                doses.append((b["t_s"] + (i + 1) * step, ext_mu / n))
    t = day.start_s
    while True:
        iob = sum(mu * curve.remaining((t - td) * 1000) for td, mu in doses if td <= t)
        day.iob.append((t, iob))
        if t >= day.end_s:
            break
        t = min(day.end_s, t + IOB_STEP_S)


def _totals(day, inside):
    """Sums over the span: what the legend says and the tests check."""
    basal = sum(mu for _, _, _, mu in day.delivered)
    est = sum(mu for _, mu in day.estimates)
    kinds = {"normal": 0, "extended": 0, "combo": 0}
    for b in day.boluses:
        if b["delivered_mu"] is not None:
            kinds[b["kind"]] = kinds.get(b["kind"], 0) + b["delivered_mu"]
    bolus = sum(kinds.values())
    day.totals = {
        "basal_mu": basal + est, "basal_measured_mu": basal, "basal_estimated_mu": est,
        "bolus_mu": bolus, "bolus_by_kind_mu": kinds, "total_mu": basal + est + bolus,
        "temp_min": int(round(sum(t1 - t0 for t0, t1, _ in day.temps) / 60.0)),
        "off_min": int(round(sum(t1 - t0 for t0, t1, _ in day.off) / 60.0)),
        "off_s": int(sum(t1 - t0 for t0, t1, _ in day.off)),
        "alarms": len(day.alarms), "records": len(inside),
    }


def _u(mu):
    return "%d.%03d" % (mu // 1000, mu % 1000) if mu >= 0 else "-" + _u(-mu)


def _utc(t):
    import time

    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))
