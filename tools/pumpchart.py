"""Draw a pump's day (a pumprecord.Day) with matplotlib: `pumpctl chart`.

Top panel, basal in U/h: the scheduled profile rate as a step line, the
basal actually delivered (each journal interval at its mean rate), temp
basals shaded with their rate, suspends and stops hatched, alarms and boots
marked. Bottom panel, in U: boluses as bars by kind (normal, extended,
combo) with their amounts, an extended part drawn as a bar as long as it ran,
and insulin on board as a curve. The legend carries the totals for the span.

draw() returns the numbers it handed to matplotlib, so a test can check the
data behind the picture rather than its pixels.
"""
import datetime

import pumprecord

KIND_COLOURS = {"normal": "#1f77b4", "extended": "#ff7f0e", "combo": "#9467bd"}
DELIVERED = "#2ca02c"
SCHEDULED = "#333333"
TEMP = "#ffd54f"
OFF = "#9e9e9e"
ALARM = "#d62728"
IOB = "#17becf"
FORMATS = ("png", "svg")


def _u(mu):
    return "%.2f U" % (mu / 1000.0)


def _t(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).replace(tzinfo=None)


def draw(day, path, fmt=None, title=None):
    """Write the chart of `day` to path (PNG, or SVG when fmt or the file
    name says so). -> dict of what was plotted: bars (kind, t_s, mu), the
    delivered basal steps, the scheduled steps, totals."""
    fmt = (fmt or path.rsplit(".", 1)[-1]).lower()
    if fmt not in FORMATS:
        raise pumprecord.RecordError("chart format must be png or svg, not %r" % fmt)
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed, on any machine
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    tot = day.totals
    fig, (ax, axb) = plt.subplots(2, 1, sharex=True, figsize=(13, 7.2), dpi=100,
                                  gridspec_kw={"height_ratios": [3, 2], "hspace": 0.08})
    plotted = {"bars": [], "delivered": [], "scheduled": [], "totals": dict(tot)}

    # ---- basal panel ------------------------------------------------------
    for t0, t1, why in day.off:
        ax.axvspan(_t(t0), _t(t1), facecolor="none", edgecolor=OFF, hatch="///", lw=0)
        axb.axvspan(_t(t0), _t(t1), facecolor="none", edgecolor=OFF, hatch="///", lw=0)
        ax.text(_t((t0 + t1) / 2), 0.02, why, transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=7, color="#555555", rotation=90)
    for t0, t1, label in day.temps:
        ax.axvspan(_t(t0), _t(t1), color=TEMP, alpha=0.45, lw=0)
        ax.text(_t((t0 + t1) / 2), 0.97, "temp " + label, transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize=8, color="#8d6e00")
    xs, ys = [], []
    for t0, t1, rate, mu in day.delivered:
        if rate is None:
            continue
        ax.fill_between([_t(t0), _t(t1)], [rate / 1000.0] * 2, step="post", color=DELIVERED,
                        alpha=0.35, lw=0)
        xs += [_t(t0), _t(t1)]
        ys += [rate / 1000.0] * 2
        plotted["delivered"].append((t0, t1, rate, mu))
    if xs:
        ax.plot(xs, ys, color=DELIVERED, lw=1.2)
    sx, sy = [], []
    for t, rate in day.scheduled:
        sx.append(_t(t))
        sy.append(float("nan") if rate is None else rate / 1000.0)
        plotted["scheduled"].append((t, rate))
    if sx:
        ax.step(sx, sy, where="post", color=SCHEDULED, lw=1.6, ls="--")
    for t, name in day.profile_marks:
        ax.annotate("profile %s" % name, (_t(t), 0.0), xycoords=("data", "axes fraction"),
                    xytext=(3, 4), textcoords="offset points", fontsize=7, color=SCHEDULED,
                    rotation=90, ha="left", va="bottom")
    for t, mu in day.estimates:
        ax.plot([_t(t)], [0], marker="D", color=OFF, ms=6, clip_on=False)
        ax.annotate("%s counted at boot" % _u(mu), (_t(t), 0), xytext=(4, 10),
                    textcoords="offset points", fontsize=7, color="#555555")
    for t in day.boots:
        for a in (ax, axb):
            a.axvline(_t(t), color=OFF, lw=0.8, ls=":")
    for t, aid, _detail in day.alarms:
        for a in (ax, axb):
            a.axvline(_t(t), color=ALARM, lw=1.0)
        ax.annotate("ALARM " + aid, (_t(t), 0.98), xycoords=("data", "axes fraction"),
                    xytext=(-3, 0), textcoords="offset points", color=ALARM, fontsize=8,
                    fontweight="bold", rotation=90, ha="right", va="top")
    top = max([y for y in ys] + [y for y in sy if y == y] + [0.5])
    ax.set_ylim(0, top * 1.3)
    ax.set_ylabel("basal (U/h)")
    ax.grid(True, alpha=0.3)
    handles = [
        _line(SCHEDULED, "--", "scheduled basal (profile)"),
        Patch(facecolor=DELIVERED, alpha=0.5, label="basal delivered: %s%s" % (
            _u(tot["basal_mu"]), "\n(%s of it counted at boot)" % _u(tot["basal_estimated_mu"])
            if tot["basal_estimated_mu"] else "")),
        Patch(facecolor=TEMP, alpha=0.6, label="temp basal: %d min" % tot["temp_min"]),
        Patch(facecolor="none", edgecolor=OFF, hatch="///",
              label="suspended / stopped: %d min" % tot["off_min"]),
        _line(ALARM, "-", "alarms: %d" % tot["alarms"]),
    ]
    ax.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.9,
              bbox_to_anchor=(1.01, 1.0), borderaxespad=0)

    # ---- bolus and IOB panel -------------------------------------------------
    narrow = max(day.end_s - day.start_s, 3600) / 150.0  # a normal bolus: 1/150 of the span
    labelled = set()
    for b in day.boluses:
        if b["t_s"] is None:
            continue
        kind = b["kind"]
        col = KIND_COLOURS.get(kind, "#7f7f7f")
        delivered = b["delivered_mu"]
        now_mu, ext_mu = b["now_mu"], b["extended_mu"]
        if delivered is not None:
            now_mu = min(now_mu, delivered)
            ext_mu = delivered - now_mu
        label = None if kind in labelled else kind
        labelled.add(kind)
        if now_mu:
            axb.bar(_t(b["t_s"]), now_mu / 1000.0, width=narrow / 86400.0, align="edge",
                    color=col, label=label)
            label = None
        if ext_mu:
            end = b["end_s"] or min(day.end_s, b["t_s"] + b["duration_min"] * 60)
            axb.bar(_t(b["t_s"]), ext_mu / 1000.0, width=max(end - b["t_s"], narrow) / 86400.0,
                    align="edge", color=col, alpha=0.45, hatch="..", edgecolor=col, label=label)
        text = _u(now_mu + ext_mu)
        if kind == "combo":
            text = "%.2f+%.2f U" % (now_mu / 1000.0, ext_mu / 1000.0)
        if b["duration_min"]:
            text += " /%dh%02d" % divmod(b["duration_min"], 60)
        if b["cancelled"]:
            text += " (cancelled)"
        axb.annotate(text, (_t(b["t_s"]), max(now_mu, ext_mu) / 1000.0), xytext=(0, 3),
                     textcoords="offset points", fontsize=8, color=col)
        plotted["bars"].append((kind, b["t_s"], now_mu, ext_mu))
    if day.iob:
        axb.plot([_t(t) for t, _ in day.iob], [mu / 1000.0 for _, mu in day.iob], color=IOB,
                 lw=1.5, label="IOB (bolus)")
    axb.set_ylabel("bolus, IOB (U)")
    axb.set_ylim(0, max([b[2] / 1000.0 for b in plotted["bars"]] +
                        [b[3] / 1000.0 for b in plotted["bars"]] +
                        [mu / 1000.0 for _, mu in day.iob] + [0.5]) * 1.35)
    axb.grid(True, alpha=0.3)
    kinds = tot["bolus_by_kind_mu"]
    bh = [Patch(facecolor=KIND_COLOURS[k], label="%s bolus: %s" % (k, _u(kinds.get(k, 0))))
          for k in ("normal", "extended", "combo")]
    bh.append(_line(IOB, "-", "IOB (bolus insulin on board)"))
    axb.legend(handles=bh, loc="upper left", fontsize=8, framealpha=0.9,
               bbox_to_anchor=(1.01, 1.0), borderaxespad=0,
               title="bolus %s   total %s" % (_u(tot["bolus_mu"]), _u(tot["total_mu"])),
               title_fontsize=8)

    # ---- time axis ------------------------------------------------------------
    axb.set_xlim(_t(day.start_s), _t(day.end_s))
    span_h = (day.end_s - day.start_s) / 3600.0
    loc = mdates.AutoDateLocator(minticks=6, maxticks=14)
    axb.xaxis.set_major_locator(loc)
    axb.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M" if span_h <= 26 else "%m-%d %H:%M"))
    axb.set_xlabel("time (UTC)   %s to %s" % (pumprecord._utc(day.start_s),
                                             pumprecord._utc(day.end_s)))
    fig.suptitle(title or "Plunger delivery record", x=0.02, ha="left", fontsize=12)
    if day.notes:
        fig.text(0.02, 0.005, "; ".join(day.notes), fontsize=7, color="#555555")
    fig.subplots_adjust(left=0.06, right=0.76, top=0.93, bottom=0.1)
    # Read back from matplotlib's own bar artists: what is drawn, not what was meant.
    plotted["bar_heights_u"] = [p.get_height() for c in axb.containers for p in c]
    fig.savefig(path, format=fmt)
    plt.close(fig)
    return plotted


def _line(colour, style, label):
    from matplotlib.lines import Line2D

    return Line2D([], [], color=colour, ls=style, lw=1.6, label=label)


def chart_records(records, path, start_s=None, end_s=None, config=None, fmt=None, title=None):
    """The whole path from journal records to a chart file, for the
    simulator's `--chart FILE` at the end of a headless run: records as
    pumprecord.normalize takes them, config the pump's config dict (profiles,
    active_profile, insulin, ui.utc_offset_min). -> (day, plotted)."""
    cfg = config or {}
    ins = cfg.get("insulin") or {}
    day = pumprecord.build_day(records, start_s, end_s, profiles=cfg.get("profiles"),
                               active_profile=cfg.get("active_profile"),
                               dia_min=ins.get("dia_min", 360), peak_min=ins.get("peak_min", 75),
                               utc_offset_min=(cfg.get("ui") or {}).get("utc_offset_min", 0))
    return day, draw(day, path, fmt, title)


def chart_flash(flash_dir, path, hours=None, fmt=None):
    """Chart a simulated board's journal straight from its flash folder."""
    records, cfg = pumprecord.read_flash(flash_dir)
    start = end = None
    if hours is not None:
        day = pumprecord.build_day(records)
        end = day.end_s
        start = end - hours * 3600
    return chart_records(records, path, start, end, cfg, fmt)


def chart_run(flash_dir, path):
    """tools/sim/sim.py --chart FILE: the whole run's record -> one line
    for the simulator's output (a run with nothing to chart says so)."""
    try:
        day, _ = chart_flash(flash_dir, path)
    except pumprecord.RecordError as e:
        return "sim: chart: %s" % e
    t = day.totals
    return ("sim: chart %s: basal %s U, bolus %s U, total %s U over %s to %s UTC"
            % (path, pumprecord._u(t["basal_mu"]), pumprecord._u(t["bolus_mu"]),
               pumprecord._u(t["total_mu"]), pumprecord._utc(day.start_s),
               pumprecord._utc(day.end_s)))
