# Limit checks, inside the engine so no user interface can skip them. Each
# limit is the config value, never above the ceiling compiled into the
# firmware. A failed check raises Rejected saying which limit and by how much.

from delivery.errors import Rejected, fmt_u
from delivery.settings import CEILINGS


def limit(cfg, name):
    v = cfg["limits"][name]
    c = CEILINGS[name]
    return v if v < c else c


def check_amount(code, label, amount_mu, limit_mu):
    if amount_mu > limit_mu:
        raise Rejected(code, "%s %s is above %s %s by %s"
                       % ("bolus", fmt_u(amount_mu), label, fmt_u(limit_mu),
                          fmt_u(amount_mu - limit_mu)))


def check_total(code, label, already_mu, amount_mu, limit_mu):
    total = already_mu + amount_mu
    if total > limit_mu:
        raise Rejected(code, "bolus %s on top of %s makes %s, above %s %s by %s"
                       % (fmt_u(amount_mu), fmt_u(already_mu), fmt_u(total), label,
                          fmt_u(limit_mu), fmt_u(total - limit_mu)))


def check_rate(code, label, rate_mu_per_h, limit_mu_per_h):
    if rate_mu_per_h > limit_mu_per_h:
        raise Rejected(code, "rate %s/h is above %s %s/h by %s/h"
                       % (fmt_u(rate_mu_per_h), label, fmt_u(limit_mu_per_h),
                          fmt_u(rate_mu_per_h - limit_mu_per_h)))


def check_window(code, label, rate_mu_per_h, minutes, limit_mu):
    # A temp basal that alone would break a per-hour or per-24 h limit.
    amount = (rate_mu_per_h * minutes + 59) // 60
    if amount > limit_mu:
        raise Rejected(code, "temp basal %s/h for %d min gives %s, above %s %s by %s"
                       % (fmt_u(rate_mu_per_h), minutes, fmt_u(amount), label, fmt_u(limit_mu),
                          fmt_u(amount - limit_mu)))


def check_range(code, label, value, low, high, step=1):
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        raise Rejected(code, "%s must be a whole number" % label)
    if value < low:
        raise Rejected(code, "%s %d is below %d by %d" % (label, value, low, low - value))
    if value > high:
        raise Rejected(code, "%s %d is above %d by %d" % (label, value, high, value - high))
    if (value - low) % step:
        raise Rejected(code, "%s %d is not a multiple of %d" % (label, value, step))
