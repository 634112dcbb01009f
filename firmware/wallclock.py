# Wall-clock time (seconds since 1970-01-01 UTC) from the board's RTC.
#
# The basal profile needs the time of day, and only the RTC knows it. An RTC
# that was never set (power-up on a Pico starts in 2021) must read as
# "unknown", never as a wrong time: the engine then delivers no scheduled
# basal and says why. time.mktime is avoided because its epoch differs
# between ports; the calendar math here is exact for 2000..2099 and beyond.

# Any RTC reading before this was never set by a person or a host.
MIN_VALID_S = 1767225600  # 2026-01-01T00:00:00Z


def days_from_civil(y, m, d):
    """Days since 1970-01-01 for a proleptic Gregorian date."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    """(year, month, day) for a count of days since 1970-01-01."""
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


class WallClock:
    def __init__(self, rtc=None):
        """rtc: machine.RTC() (datetime() get/set) or None when the board has
        no clock: the time is then unknown until someone sets it."""
        self.rtc = rtc
        self._offset_s = None  # without an RTC: wall_s - monotonic seconds
        self._now_ms = None

    def wall_s(self, now_ms=None):
        """Seconds since 1970 UTC, or None while the time is unknown."""
        if self.rtc is None:
            if self._offset_s is None or now_ms is None:
                return None
            return self._offset_s + now_ms // 1000
        y, mo, d, _wd, h, mi, s = self.rtc.datetime()[:7]
        t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s
        return t if t >= MIN_VALID_S else None

    def set(self, wall_s, now_ms=0):
        if wall_s < MIN_VALID_S:
            raise ValueError("time before 2026 looks like an unset clock")
        if self.rtc is None:
            self._offset_s = wall_s - now_ms // 1000
            return
        days, rest = divmod(wall_s, 86400)
        y, mo, d = civil_from_days(days)
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        self.rtc.datetime((y, mo, d, weekday, rest // 3600, rest // 60 % 60, rest % 60, 0))


class KeptRTC:
    """The board's RTC with what keeps its time beside it: an optional
    battery-backed DS3231 (kept across power loss) and the reset note (kept
    across a watchdog reset and machine.reset() on rp2). Reads come from the
    board's RTC; a set goes to all of them. Same datetime() as machine.RTC,
    so WallClock takes it unchanged."""

    def __init__(self, rtc, backup=None, note=None):
        self.rtc = rtc
        self.backup = backup
        self.note = note
        self.backup_error = None

    def datetime(self, dt=None):
        if dt is None:
            return self.rtc.datetime()
        self.rtc.datetime(dt)
        if self.backup is not None:
            try:
                self.backup.datetime(dt)
            except OSError as e:  # the DS3231 fell off the bus: the board's RTC still has it
                self.backup_error = e
        if self.note is not None:
            self.note.write(wall_s=WallClock(self.rtc).wall_s())
