# Time-of-day schedules: basal profiles and calculator settings are lists of
# [start_min, value...] segments starting at midnight (settings checks them).

from micropython import const

DAY_MS = const(86400000)
_MIN_MS = const(60000)


def index_at(segs, tod_ms):
    """Index of the segment in force at tod_ms (ms since local midnight)."""
    i = 0
    n = len(segs)
    while i + 1 < n and segs[i + 1][0] * _MIN_MS <= tod_ms:
        i += 1
    return i


def span_at(segs, tod_ms):
    """(index, start_tod_ms, end_tod_ms) of the segment in force at tod_ms.
    The last segment ends at DAY_MS (midnight), where the day starts over."""
    i = index_at(segs, tod_ms)
    end = segs[i + 1][0] * _MIN_MS if i + 1 < len(segs) else DAY_MS
    return i, segs[i][0] * _MIN_MS, end


def max_rate(segs):
    best = 0
    for seg in segs:
        if seg[1] > best:
            best = seg[1]
    return best
