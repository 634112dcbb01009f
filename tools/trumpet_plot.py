"""The trumpet plot (IEC 60601-2-24) with matplotlib, for `make bench`
(bench/trumpet.png) and tools/trumpet.py.

Top: for each observation window (2, 5, 11, 19, 31 min) the largest and the
smallest mean flow error of any window of that length in the analysis
period, which narrow like a trumpet as windows lengthen, with the overall
mean error and the +-5 % band. Bottom: the error of every 30 s sample
across the analysis period. draw() returns the numbers it plotted.
"""
BAND_PCT = 5.0
MAX_COLOUR = "#d62728"
MIN_COLOUR = "#1f77b4"
MEAN_COLOUR = "#2ca02c"
BAND_COLOUR = "#2ca02c"


def _span(values, least):
    """A symmetric y range that shows every value and the band, rounded up
    to a tidy number."""
    big = max([abs(v) for v in values] + [least])
    span = 1.0
    while span < big * 1.15:
        span *= 2
    return span


def draw(result, path, title="Trumpet curve"):
    """result: trumpet_lib.analyse() output. Writes PNG (SVG for a .svg
    name), 800 x 600 px. -> {"windows_min", "max_pct", "min_pct",
    "overall_mean_error_pct", "band_pct", "samples"}."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    wins = sorted(result["windows"].items())
    ps = [p for p, _ in wins]
    hi = [w["max_pct"] for _, w in wins]
    lo = [w["min_pct"] for _, w in wins]
    overall = result["overall_mean_error_pct"]
    flows = result["flows"]
    start_s, end_s = result["period_s"]
    fig, (ax, axf) = plt.subplots(2, 1, figsize=(8, 6), dpi=100,
                                  gridspec_kw={"height_ratios": [3, 2], "hspace": 0.45})

    span = _span(hi + lo + [overall], BAND_PCT)
    ax.axhspan(-BAND_PCT, BAND_PCT, color=BAND_COLOUR, alpha=0.08, lw=0,
               label="\u00b1%g %% band" % BAND_PCT)
    for y in (-BAND_PCT, BAND_PCT):
        ax.axhline(y, color=BAND_COLOUR, lw=0.8, ls=":")
    ax.axhline(0, color="#888888", lw=0.8)
    ax.plot(ps, hi, "o-", color=MAX_COLOUR, label="max error E$_{p,max}$")
    ax.plot(ps, lo, "o-", color=MIN_COLOUR, label="min error E$_{p,min}$")
    ax.axhline(overall, color=MEAN_COLOUR, lw=1.5, ls="--",
               label="overall mean error A = %+.2f %%" % overall)
    ax.fill_between(ps, lo, hi, color="#bbbbbb", alpha=0.35, lw=0)
    for p, a, b in zip(ps, hi, lo, strict=True):
        ax.annotate("%+.1f" % a, (p, a), xytext=(0, 5), textcoords="offset points",
                    ha="center", fontsize=7, color=MAX_COLOUR)
        ax.annotate("%+.1f" % b, (p, b), xytext=(0, -11), textcoords="offset points",
                    ha="center", fontsize=7, color=MIN_COLOUR)
    ax.set_xticks(ps)
    ax.set_xticklabels(["%d min" % p for p in ps])
    ax.set_xlim(0, max(ps) + 2)
    ax.set_ylim(-span, span)
    ax.set_xlabel("observation window P (IEC 60601-2-24), in the analysis period %d-%d min"
                  % (start_s // 60, end_s // 60))
    ax.set_ylabel("flow error (%)")
    ax.set_title(title, fontsize=11)
    for y in (BAND_PCT, -BAND_PCT):
        ax.text(0.4, y, "%+g %%" % y, ha="left", va="bottom" if y > 0 else "top", fontsize=7,
                color=BAND_COLOUR)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=7, framealpha=0.9, ncol=2)

    ts = [t / 60.0 for t, _ in flows]
    es = [e for _, e in flows]
    fspan = _span(es, BAND_PCT)
    axf.axhspan(-BAND_PCT, BAND_PCT, color=BAND_COLOUR, alpha=0.08, lw=0)
    axf.axhline(0, color="#888888", lw=0.8)
    axf.plot(ts, es, color="black", lw=0.8, label="each %d s sample" % result["sample_s"])
    axf.axhline(overall, color=MEAN_COLOUR, lw=1.2, ls="--")
    axf.set_xlim(start_s / 60.0, end_s / 60.0)
    axf.set_ylim(-fspan, fspan)
    axf.set_xlabel("time since start (min)")
    axf.set_ylabel("flow error (%)")
    axf.grid(True, alpha=0.3)
    axf.legend(loc="upper right", fontsize=7, framealpha=0.9)
    fig.subplots_adjust(left=0.1, right=0.97, top=0.93, bottom=0.09)
    fmt = "svg" if path.lower().endswith(".svg") else "png"
    fig.savefig(path, format=fmt)
    plt.close(fig)
    return {"windows_min": ps, "max_pct": hi, "min_pct": lo, "overall_mean_error_pct": overall,
            "band_pct": BAND_PCT, "samples": len(flows)}
