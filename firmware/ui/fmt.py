# Numbers as the user reads them. Amounts stay integers (milliunits) until
# this last step, so nothing is rounded before it is shown.


def units(mu):
    """Milliunits as units: 2 decimals, 3 when the amount needs it (0.025 U
    bolus steps). Truncates, never rounds up what was delivered."""
    if mu < 0:
        return "-" + units(-mu)
    if mu % 10:
        return "%d.%03d" % (mu // 1000, mu % 1000)
    return "%d.%02d" % (mu // 1000, (mu % 1000) // 10)


def rate(mu_per_h):
    return units(mu_per_h) + "U/h"


def hm(minutes):
    """Minutes as h:mm."""
    return "%d:%02d" % (minutes // 60, minutes % 60)


def clock(wall_s):
    """Time of day from wall seconds (UTC here; the app can pass local
    seconds). Unknown time shows as --:--."""
    if wall_s is None:
        return "--:--"
    m = (wall_s // 60) % 1440
    return "%02d:%02d" % (m // 60, m % 60)


def fit(text, chars):
    """Cut text to the screen width (8x8 font: 16 chars on 128 px)."""
    return text if len(text) <= chars else text[:chars]


def words_fit(text, chars):
    """Text cut to the width at a word boundary (a single word too long is
    cut at the edge)."""
    if len(text) <= chars:
        return text
    cut = text.rfind(" ", 0, chars + 1)
    return text[:cut] if cut > 0 else text[:chars]
