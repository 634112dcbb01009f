"""Trumpet-curve accuracy figures (IEC 60601-2-24 style), as pure functions.

Used by `make bench` (on a step timeline from the simulator or the engine)
and by tools/trumpet.py (on a maker's scale readings). Host-only: CPython.

The method, for a pump running at a set rate r:
- Cumulative delivered mass is sampled every S = 30 s.
- Sample i gives a flow Q_i = (mass_i - mass_{i-1}) / density / S.
- The analysis period is the second hour (60 to 120 min), after the start-up
  transient of the first hour.
- Overall mean error A = 100 * (mean flow over the period - r) / r.
- For each observation window of P minutes (2, 5, 11, 19, 31), every run of
  m = P / S consecutive samples inside the period is one window; its error is
  the mean of 100 * (Q_i - r) / r over the window. The figures are the largest
  (max) and smallest (min) window error. Plotted against P they narrow like a
  trumpet: short windows see the pump's pulses, long ones average them out.
"""

SAMPLE_S = 30
PERIOD_START_S = 3600
PERIOD_END_S = 7200
WINDOWS_MIN = (2, 5, 11, 19, 31)


def cumulative_at(times_s, values, t):
    """Linear interpolation of a cumulative series at time t (times ascending).
    Before the first reading the value is the first reading; after the last,
    the last: a scale reading is never invented outside the recording."""
    n = len(times_s)
    if n == 0:
        raise ValueError("no readings")
    if t <= times_s[0]:
        return values[0]
    if t >= times_s[-1]:
        return values[-1]
    lo, hi = 0, n - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if times_s[mid] <= t:
            lo = mid
        else:
            hi = mid
    t0, t1 = times_s[lo], times_s[hi]
    v0, v1 = values[lo], values[hi]
    if t1 == t0:
        return v1
    return v0 + (v1 - v0) * (t - t0) / (t1 - t0)


def grid_from_readings(readings, sample_s=SAMPLE_S, start_s=0, end_s=PERIOD_END_S):
    """Resample (time_s, mass_g) scale readings onto the regular sample grid
    start_s, start_s + sample_s, ... end_s. Returns [(t_s, mass_g), ...]."""
    pts = sorted(readings)
    if not pts:
        raise ValueError("no readings")
    if pts[0][0] > start_s or pts[-1][0] < end_s:
        raise ValueError(
            "readings cover %.0f..%.0f s; the analysis needs %.0f..%.0f s"
            % (pts[0][0], pts[-1][0], start_s, end_s))
    times = [p[0] for p in pts]
    masses = [p[1] for p in pts]
    out = []
    t = start_s
    while t <= end_s:
        out.append((t, cumulative_at(times, masses, t)))
        t += sample_s
    return out


def grid_from_steps(step_times_s, ml_per_step, sample_s=SAMPLE_S, start_s=0,
                    end_s=PERIOD_END_S, density_g_per_ml=1.0):
    """Turn a step timeline into what a perfect scale would read: the mass of
    every step issued at or before each sample time. step_times_s ascending."""
    out = []
    i = 0
    n = len(step_times_s)
    t = start_s
    while t <= end_s:
        while i < n and step_times_s[i] <= t:
            i += 1
        out.append((t, i * ml_per_step * density_g_per_ml))
        t += sample_s
    return out


def flows_ml_per_h(grid, density_g_per_ml=1.0):
    """Flow of each sample interval: [(t_end_s, Q_ml_per_h), ...]."""
    out = []
    for k in range(1, len(grid)):
        t0, m0 = grid[k - 1]
        t1, m1 = grid[k]
        out.append((t1, (m1 - m0) / density_g_per_ml * 3600.0 / (t1 - t0)))
    return out


def analyse(grid, rate_ml_per_h, density_g_per_ml=1.0, period_start_s=PERIOD_START_S,
            period_end_s=PERIOD_END_S, windows_min=WINDOWS_MIN):
    """The trumpet figures from a regular grid of (t_s, mass_g).

    Returns {"overall_mean_error_pct", "windows": {P: {"max_pct", "min_pct",
    "count"}}, "sample_s", "period_s", "rate_ml_per_h", "flows"}; flows are the
    per-sample errors in the period as [(t_end_s, error_pct), ...] for plots.
    """
    if rate_ml_per_h <= 0:
        raise ValueError("set rate must be above 0")
    if len(grid) < 2:
        raise ValueError("need at least two samples")
    sample_s = grid[1][0] - grid[0][0]
    flows = [(t, q) for (t, q) in flows_ml_per_h(grid, density_g_per_ml)
             if period_start_s < t <= period_end_s]
    expected = round((period_end_s - period_start_s) / sample_s)
    if len(flows) != expected:
        raise ValueError("the grid has %d samples in the analysis period, expected %d"
                         % (len(flows), expected))
    errs = [100.0 * (q - rate_ml_per_h) / rate_ml_per_h for (_t, q) in flows]
    windows = {}
    for p in windows_min:
        m = round(p * 60 / sample_s)
        if m < 1 or m > len(errs):
            raise ValueError("window %s min does not fit the analysis period" % p)
        # Sliding sum: one pass per window length.
        s = sum(errs[:m])
        hi = lo = s
        for j in range(m, len(errs)):
            s += errs[j] - errs[j - m]
            hi = max(hi, s)
            lo = min(lo, s)
        windows[p] = {"max_pct": hi / m, "min_pct": lo / m, "count": len(errs) - m + 1}
    return {
        "overall_mean_error_pct": sum(errs) / len(errs),
        "windows": windows,
        "sample_s": sample_s,
        "period_s": [period_start_s, period_end_s],
        "rate_ml_per_h": rate_ml_per_h,
        "flows": [(flows[k][0], errs[k]) for k in range(len(errs))],
    }


def summary(result, digits=3):
    """The figures only (no per-sample series), rounded, JSON-friendly."""
    return {
        "overall_mean_error_pct": round(result["overall_mean_error_pct"], digits),
        "windows_min": {
            str(p): {"max_pct": round(w["max_pct"], digits), "min_pct": round(w["min_pct"], digits)}
            for p, w in sorted(result["windows"].items())
        },
        "sample_s": result["sample_s"],
        "period_s": result["period_s"],
        "rate_ml_per_h": result["rate_ml_per_h"],
    }


# ---- mechanics, for turning set rates in U/h into mL/h and steps into mL

def ml_per_step(area_mm2, lead_mm, full_steps_per_rev, microsteps, gear_ratio=1.0):
    """Volume pushed by one microstep, in mL (1 mL = 1000 mm^3)."""
    return area_mm2 * lead_mm / (full_steps_per_rev * microsteps * gear_ratio) / 1000.0
