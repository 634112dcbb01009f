# The documented encoding of esp32.RMT.write_pulses, so tests check the item
# lists stepper_esp32.py writes against what the peripheral would emit.
#
# MicroPython docs (esp32.RMT.write_pulses(duration, data=True)):
#   Mode 1: duration is a list/tuple of durations; data is the initial
#           level, and the level toggles after each duration.
#   Mode 2: duration is one int, data a list/tuple of levels, each lasting
#           that long.
#   Mode 3: duration and data are lists/tuples of equal length.
# Durations are whole ticks of the channel resolution, 1..32767 (the 15-bit
# field of an RMT symbol); after the last item the pin returns to idle_level.
# Resolution: clock_div of the 80 MHz source on the older driver
# (RMT(..., clock_div=80) -> 1 us ticks), resolution_hz on the newer one
# (RMT(..., resolution_hz=1000000)). Runs on CPython and MicroPython.

RMT_SOURCE_HZ = 80000000
MAX_TICKS = 32767


class RmtEncodingError(AssertionError):
    pass


def tick_ns(resolution_hz=None, clock_div=None):
    """Nanoseconds per tick for either constructor form."""
    if resolution_hz is not None and clock_div is not None:
        raise RmtEncodingError("give resolution_hz or clock_div, not both")
    if resolution_hz is not None:
        if not 0 < resolution_hz <= RMT_SOURCE_HZ or 1000000000 % resolution_hz:
            raise RmtEncodingError("resolution_hz %r not a whole ns tick" % (resolution_hz,))
        return 1000000000 // resolution_hz
    div = 8 if clock_div is None else clock_div  # the old driver's default
    if not 1 <= div <= 255:
        raise RmtEncodingError("clock_div %r outside 1..255" % (div,))
    return div * 1000000000 // RMT_SOURCE_HZ


def decode(duration, data=True):
    """[(level, ticks), ...] that write_pulses(duration, data) emits, or
    RmtEncodingError for what the real method rejects."""
    seq = (list, tuple)
    if isinstance(duration, seq):
        if isinstance(data, seq):  # mode 3
            if len(data) != len(duration):
                raise RmtEncodingError("mode 3: %d durations, %d levels"
                                       % (len(duration), len(data)))
            items = [(1 if data[i] else 0, duration[i]) for i in range(len(duration))]
        else:  # mode 1
            level = 1 if data else 0
            items = []
            for d in duration:
                items.append((level, d))
                level ^= 1
    elif isinstance(duration, int) and isinstance(data, seq):  # mode 2
        items = [(1 if v else 0, duration) for v in data]
    else:
        raise RmtEncodingError("write_pulses(%r, %r) matches no documented mode"
                               % (type(duration), type(data)))
    if not items:
        raise RmtEncodingError("write_pulses with no items")
    for _level, d in items:
        if not isinstance(d, int) or not 1 <= d <= MAX_TICKS:
            raise RmtEncodingError("RMT duration %r outside 1..%d ticks" % (d, MAX_TICKS))
    return items


def pulses(items):
    """(high_ticks, low_ticks) of each pulse in a decoded item list that
    starts high (merging equal neighbours, as the pin sees them)."""
    merged = []
    for level, d in items:
        if merged and merged[-1][0] == level:
            merged[-1] = (level, merged[-1][1] + d)
        else:
            merged.append((level, d))
    out = []
    i = 0
    while i < len(merged):
        level, d = merged[i]
        if level:
            low = merged[i + 1][1] if i + 1 < len(merged) else 0
            out.append((d, low))
            i += 2
        else:
            i += 1
    return out
