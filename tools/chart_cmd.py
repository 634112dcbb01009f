"""`pumpctl chart`: which span, where its records come from (the pump over
the console, or a CSV saved earlier), and the one-line summary.

Imported only when a chart is asked for, so `pumpctl status` never loads
matplotlib.
"""
import calendar
import json
import time

import pumpchart
import pumprecord

# The console's `history` answers at most this many records (firmware/pump.py
# _HISTORY_MAX), the newest of the span when there are more.
HISTORY_CAP = 200
DEFAULT_HOURS = 24


class ChartError(ValueError):
    """Bad input for a chart: the message says what and how to fix it."""


def add_parser(sub):
    c = sub.add_parser("chart", help="draw the delivery record for a span as a PNG (or SVG)",
                       description="Draw scheduled and delivered basal, temp basals, boluses "
                       "by kind, suspends, alarms and IOB for a span, with its totals.")
    g = c.add_mutually_exclusive_group()
    g.add_argument("--hours", type=float, help="span length in hours (default 24)")
    g.add_argument("--days", type=float, help="span length in days")
    c.add_argument("--since", help="span start, YYYY-MM-DD[THH:MM[:SS]] UTC (with --hours or "
                   "--days: for that long; alone: until now)")
    c.add_argument("--csv", metavar="FILE",
                   help="chart a log saved with `pumpctl history --csv` instead of asking the pump")
    c.add_argument("-o", "--out", default="pumpchart.png", help="file to write (default pumpchart.png)")
    c.add_argument("--svg", action="store_true", help="write SVG (also chosen by an .svg name)")
    c.add_argument("--title", help="title on the chart")
    return c


def parse_utc(text):
    t = text.strip().rstrip("Z").replace(" ", "T")
    for fmt in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return calendar.timegm(time.strptime(t, fmt))
        except ValueError:
            pass
    raise ChartError("--since %r: not YYYY-MM-DD[THH:MM[:SS]] (UTC)" % text)


def span_length_s(args, default_hours):
    hours = args.hours if args.hours is not None else (
        args.days * 24 if args.days is not None else default_hours)
    if hours is not None and not hours > 0:
        raise ChartError("the span is empty: --hours/--days must be above 0")
    return None if hours is None else hours * 3600


def span(args, end_default, default_hours):
    """(start_s, end_s) from --since/--hours/--days; end_default is the
    pump's clock now (or the log's last record)."""
    length = span_length_s(args, default_hours if not args.since else None)
    if args.since:
        start = parse_utc(args.since)
        end = start + length if length is not None else end_default
    else:
        if end_default is None:
            return None, None
        end = end_default
        start = None if length is None else end - length
    if start is not None and end is not None and end <= start:
        raise ChartError("the span is empty: %s is not before %s" % (
            pumprecord._utc(start), pumprecord._utc(end)))
    return start, end


def _out(args):
    fmt = "svg" if args.svg else None
    path = args.out
    if args.svg and path.endswith(".png"):
        path = path[:-4] + ".svg"
    return path, fmt


def summary(path, day, plotted, pump_24h_mu=None):
    t = day.totals
    k = t["bolus_by_kind_mu"]
    u = pumprecord._u
    line = ("chart: %s  %s to %s UTC, %d records: basal %s U, bolus %s U (normal %s, extended %s, "
            "combo %s), total %s U; temp basal %d min, suspended/stopped %d min, alarms %d"
            % (path, pumprecord._utc(day.start_s), pumprecord._utc(day.end_s), t["records"],
               u(t["basal_mu"]), u(t["bolus_mu"]), u(k.get("normal", 0)), u(k.get("extended", 0)),
               u(k.get("combo", 0)), u(t["total_mu"]), t["temp_min"], t["off_min"], t["alarms"]))
    if pump_24h_mu is not None:
        line += "; the pump's own last-24-h total: %s U" % u(pump_24h_mu)
    return line


def _draw(args, records, start, end, config, stdout, pump_24h_mu=None):
    path, fmt = _out(args)
    try:
        day, plotted = pumpchart.chart_records(records, path, start, end, config, fmt, args.title)
    except pumprecord.RecordError as e:
        raise ChartError(str(e))
    if args.json:
        stdout.write(json.dumps({"file": path, "start_s": day.start_s, "end_s": day.end_s,
                                 "totals": day.totals, "notes": day.notes,
                                 "pump_24h_mu": pump_24h_mu}, sort_keys=True) + "\n")
    else:
        stdout.write(summary(path, day, plotted, pump_24h_mu) + "\n")
        for n in day.notes:
            stdout.write("  note: %s\n" % n)
    return day, plotted


def from_csv(args, stdout):
    try:
        records = pumprecord.read_csv(args.csv)
    except pumprecord.RecordError as e:
        raise ChartError(str(e))
    if not records:
        raise ChartError("%s holds no records" % args.csv)
    timed, _ = pumprecord._timed([pumprecord.normalize(r) for r in records])
    last = timed[-1][0] if timed else None
    start, end = span(args, last, None)
    return _draw(args, records, start, end, None, stdout)


def from_pump(pump, args, stdout, stderr):
    """Ask the pump (over the console, JSON mode) for the span's record, its
    profiles and insulin settings, then draw."""
    st = pump.request("status") or {}
    now = st["wall_s"] if "wall_s" in st else (pump.request("time") or {}).get("wall_s")
    if now is None:
        raise ChartError("the pump has no wall time, so no span can be placed: run without "
                         "--keep-clock (pumpctl sets it) or `pumpctl time-sync`")
    start, end = span(args, now, DEFAULT_HOURS)
    if start >= now:
        raise ChartError("the span is empty: it starts at %s, after the pump's clock (%s)"
                         % (pumprecord._utc(start), pumprecord._utc(now)))
    records = pump.request("history since %d" % int(start)) or []
    if len(records) >= HISTORY_CAP:
        stderr.write("pumpctl: the pump gave its newest %d records only; the chart starts at the "
                     "oldest of them\n" % len(records))
    prof = pump.request("profile") or {}
    config = {"profiles": prof.get("profiles"), "active_profile": prof.get("active"),
              "insulin": _config_value(pump, "insulin"),
              "ui": {"utc_offset_min": _config_value(pump, "ui.utc_offset_min") or 0}}
    # The pump's own total is for the 24 h up to now: shown beside a span
    # that is the same 24 h, where the two must agree.
    same = abs(min(end, now) - now) <= 60 and abs((end - start) - 86400) <= 60
    return _draw(args, records, start, min(end, now), config, stdout,
                 st.get("delivered_24h_mu") if same else None)


def _config_value(pump, path):
    import pumpctl_lib

    try:
        return (pump.request("config get %s" % path) or {}).get("value")
    except pumpctl_lib.Refused:
        return None  # an older firmware: the chart uses the defaults
