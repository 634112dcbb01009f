# The two ways the delivery core says "no": a command it refuses (Rejected)
# and a config file it cannot accept (ConfigError). Both carry a short id for
# code and a sentence for people.


class Rejected(Exception):
    """A command the engine refused. Nothing changed.

    .code is a short id ("max_bolus", "bolus_running", ...); str(e) is the
    sentence for the display and the console."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self):
        return self.message


class ConfigError(ValueError):
    """A config field that is missing, out of range or inconsistent.
    str(e) is "field: reason"."""

    def __init__(self, field, reason):
        super().__init__("%s: %s" % (field, reason))
        self.field = field
        self.reason = reason

    def __str__(self):
        return "%s: %s" % (self.field, self.reason)


def fmt_u(mu):
    """Milliunits as a unit string with three decimals, exact: 1050 -> "1.050 U"."""
    sign = "-" if mu < 0 else ""
    mu = abs(mu)
    return "%s%d.%03d U" % (sign, mu // 1000, mu % 1000)
