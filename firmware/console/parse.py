# Exact parsing of what a maker types: amounts in units with up to three
# decimals become integer milliunits without ever touching a float, so
# "0.05" is exactly 50 mU and "1e3" or "nan" are simply not numbers.

from console.reply import Usage  # noqa: F401 - defined there so the shell loads no parser
from wallclock import civil_from_days, days_from_civil
from micropython import const

_MAX_INT_DIGITS = const(6)  # 999999.999 U is far beyond any ceiling; bounds the work


def _digits(s):
    if not s:
        return False
    for c in s:
        if c < "0" or c > "9":  # not str.isdigit(): CPython accepts "²" and "٣"
            return False
    return True


def parse_fixed(text, decimals, what="amount"):
    """'1.5' with decimals=3 -> 1500. Plain digits, one optional point and at
    most `decimals` digits after it; no sign, exponent, spaces or words."""
    whole, dot, frac = text.partition(".")
    if not _digits(whole) or (dot and not _digits(frac)):
        raise Usage("%s must be a number like 1.5, not %r" % (what, text))
    if len(frac) > decimals:
        raise Usage("%s has at most %d decimals: %r" % (what, decimals, text))
    if len(whole) > _MAX_INT_DIGITS:
        raise Usage("%s too large: %r" % (what, text))
    scale = 10 ** decimals
    return int(whole) * scale + (int(frac) * 10 ** (decimals - len(frac)) if frac else 0)


def units_mu(text, what="amount"):
    """Units (U) with up to 3 decimals -> integer milliunits."""
    return parse_fixed(text, 3, what)


def integer(text, lo, hi, what):
    if not _digits(text) or len(text) > 10:
        raise Usage("%s must be a whole number, not %r" % (what, text))
    n = int(text)
    if n < lo or n > hi:
        raise Usage("%s must be %d..%d, got %d" % (what, lo, hi, n))
    return n


def duration_min(text, lo=1, hi=24 * 60, what="duration"):
    """'90', '90m', '2h', '1h30' or '1h30m' -> minutes."""
    t = text
    hours = 0
    if "h" in t:
        h, _, t = t.partition("h")
        if not _digits(h) or len(h) > 3:
            raise Usage("%s must look like 90, 90m, 2h or 1h30, not %r" % (what, text))
        hours = int(h)
    if t.endswith("m"):
        t = t[:-1]
    if t == "" and hours:
        m = 0
    elif _digits(t) and len(t) <= 5:
        m = int(t)
    else:
        raise Usage("%s must look like 90, 90m, 2h or 1h30, not %r" % (what, text))
    total = hours * 60 + m
    if total < lo or total > hi:
        raise Usage("%s must be %d..%d min, got %d" % (what, lo, hi, total))
    return total


def clock_min(text, what="time of day"):
    """'HH:MM' -> minutes after midnight."""
    h, colon, m = text.partition(":")
    if not colon or not _digits(h) or not _digits(m) or len(h) > 2 or len(m) != 2:
        raise Usage("%s must be HH:MM, not %r" % (what, text))
    h = int(h)
    m = int(m)
    if h > 23 or m > 59:
        raise Usage("%s out of range: %r" % (what, text))
    return h * 60 + m


# ---- calendar (UTC, proleptic Gregorian), no time.mktime: its epoch differs
# between ports (2000 on some, 1970 on others).

def _month_days(y, m):
    if m == 2:
        return 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28
    return 30 if m in (4, 6, 9, 11) else 31


def wall_s(words, what="time"):
    """['2026-11-22', '04:10'] or ['2026-11-22T04:10:00Z'] or ['1795000000']
    -> seconds since 1970-01-01 UTC."""
    if len(words) == 1 and _digits(words[0]):
        return integer(words[0], 946684800, 4102444800, what)  # 2000..2100
    if len(words) == 1 and "T" in words[0]:
        words = words[0].split("T")
    if len(words) not in (1, 2):
        raise Usage("%s must be YYYY-MM-DD [HH:MM[:SS]] (UTC)" % what)
    parts = words[0].split("-")
    if len(parts) != 3 or len(parts[0]) != 4 or len(parts[1]) != 2 or len(parts[2]) != 2:
        raise Usage("%s date must be YYYY-MM-DD, not %r" % (what, words[0]))
    for p in parts:
        if not _digits(p):
            raise Usage("%s date must be YYYY-MM-DD, not %r" % (what, words[0]))
    y, mo, d = int(parts[0]), int(parts[1]), int(parts[2])
    if y < 2000 or y > 2099 or mo < 1 or mo > 12 or d < 1 or d > _month_days(y, mo):
        raise Usage("%s date out of range: %r" % (what, words[0]))
    secs = 0
    if len(words) == 2:
        t = words[1]
        if t.endswith("Z"):
            t = t[:-1]
        hms = t.split(":")
        if len(hms) == 3:
            if len(hms[2]) != 2 or not _digits(hms[2]) or int(hms[2]) > 59:
                raise Usage("%s seconds must be 00..59, not %r" % (what, words[1]))
            secs = int(hms[2])
            t = hms[0] + ":" + hms[1]
        secs += clock_min(t, what) * 60
    return days_from_civil(y, mo, d) * 86400 + secs


def format_wall(s):
    if s is None:
        return "unknown"
    days, rem = divmod(int(s), 86400)
    y, m, d = civil_from_days(days)
    return "%04d-%02d-%02d %02d:%02d:%02d" % (y, m, d, rem // 3600, rem // 60 % 60, rem % 60)


def format_mu(mu):
    """Milliunits -> '1.500' (exact, no float)."""
    if mu is None:
        return "-"
    sign = "-" if mu < 0 else ""
    mu = abs(int(mu))
    return "%s%d.%03d" % (sign, mu // 1000, mu % 1000)


def format_min(m):
    return "%d:%02d" % (m // 60, m % 60)
