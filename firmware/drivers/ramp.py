# Acceleration ramp for fast moves (bolus, prime, rewind): pure integer math.
#
# A stepper cannot jump from standstill to thousands of steps per second; it
# would stall and lose steps (and the engine would count steps that never
# moved the plunger). A move faster than start_rate_hz is split into
# (count, rate_hz) segments: a staircase up, a cruise, the same staircase down.
# Each stair lasts span / (accel * levels) seconds, so the rate rises at
# accel_hz_per_s on average. The counts always add up to exactly `steps`;
# backends only ever issue whole segments, so the total cannot drift.

from micropython import const

_LEVELS = const(8)  # stairs per ramp: few segments keep the PIO/RMT FIFOs fed


def segments(steps, rate_hz, start_rate_hz, accel_hz_per_s, max_rate_hz, levels=_LEVELS):
    """Return [(count, rate_hz), ...] with sum(count) == steps.

    Slow moves (rate <= start_rate_hz, every basal step) are one segment at
    the asked rate, which may be a fraction of a hertz. Faster moves ramp
    with integer rates; a short move whose ramp does not fit turns round at
    the highest stair it reached (a triangle)."""
    if steps <= 0:
        return []
    target = min(rate_hz, max_rate_hz)
    if target <= start_rate_hz:
        return [(steps, target)]
    target = int(target)
    span = target - start_rate_hz
    budget = steps // 2  # ramp up may use at most half; ramp down mirrors it
    up = []
    used = 0
    peak = target
    for i in range(levels):
        rate = start_rate_hz + span * i // levels
        count = max(1, rate * span // (accel_hz_per_s * levels))
        if used + count > budget:
            count = budget - used
            if count > 0:
                up.append((count, rate))
                used += count
            peak = up[-1][1] if up else start_rate_hz
            break
        up.append((count, rate))
        used += count
    out = []
    for seg in up:
        _append(out, seg[0], seg[1])
    _append(out, steps - 2 * used, peak)
    for i in range(len(up) - 1, -1, -1):
        _append(out, up[i][0], up[i][1])
    return out


def _append(out, count, rate):
    # Merge neighbours at the same rate: fewer, longer hardware segments.
    if count <= 0:
        return
    if out and out[-1][1] == rate:
        out[-1] = (out[-1][0] + count, rate)
    else:
        out.append((count, rate))


def duration_ms(segs):
    """How long the segments take at their nominal rates (for progress and
    timeouts), rounded up."""
    total_us = 0
    for count, rate in segs:
        total_us += count * period_us(rate)
    return (total_us + 999) // 1000


def period_us(rate_hz):
    """Step period in whole microseconds, rounded to nearest; rate may be a
    float for sub-hertz basal rates."""
    if rate_hz <= 0:
        raise ValueError("rate_hz must be > 0")
    if isinstance(rate_hz, int):
        return (2000000 // rate_hz + 1) // 2
    return int(1000000 / rate_hz + 0.5)
