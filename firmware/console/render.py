# Human-readable text for the console's larger replies (status, history,
# alarms). JSON mode sends the same data as objects instead.

from console.parse import format_min, format_mu, format_wall


def _rate(mu_per_h):
    return "%s U/h" % format_mu(mu_per_h)


def status(s, confirm_required):
    lines = ["state      %s" % s.get("state"), "profile    %s" % s.get("profile")]
    if s.get("why"):  # what really holds delivery (Pump.status), in one sentence
        lines.insert(1, "why        %s" % s["why"])
    lines.append("basal      %s (scheduled %s)" % (_rate(s.get("basal_mu_per_h")),
                                                   _rate(s.get("scheduled_mu_per_h"))))
    t = s.get("temp")
    if t:
        if t.get("percent") is not None:
            what = "%d%%" % t["percent"]
        else:
            what = _rate(t.get("rate_mu_per_h"))
        lines.append("temp       %s, %s min left" % (what, t.get("left_min")))
    else:
        lines.append("temp       none")
    b = s.get("bolus")
    if b:
        lines.append("bolus      %s: %s of %s U delivered, %s U extended left" % (
            b.get("kind"), format_mu(b.get("delivered_mu")), format_mu(b.get("requested_mu")),
            format_mu(b.get("extended_left_mu"))))
    else:
        lines.append("bolus      none")
    lines.append("IOB        %s U" % format_mu(s.get("iob_mu")))
    hl = s.get("hours_left")
    lines.append("reservoir  %s U (%s)" % (format_mu(s.get("reservoir_mu")),
                                         "no basal running" if hl is None else "~%s h left" % hl))
    lines.append("last 24 h  %s U" % format_mu(s.get("delivered_24h_mu")))
    lines.append("motor      %s steps commanded, %s confirmed" % (
        s.get("steps_commanded"), s.get("steps_confirmed")))
    lines.append("confirm    %s" % ("press OK on the pump for every delivery" if confirm_required
                                    else "OFF: deliveries start without the OK button (bench mode)"))
    return "\r\n".join(lines)


def history_record(r):
    return "#%s  %s  %-12s %s" % (r["seq"], format_wall(r["wall_s"]), r["kind"], r["data"])


def alarm(a):
    parts = [str(a.get("id"))]
    for key in ("state", "since_wall_s", "message"):
        if a.get(key) is not None:
            v = a[key]
            parts.append(format_wall(v) if key == "since_wall_s" else str(v))
    return "  ".join(parts)


def profile(name, segments, active):
    head = "%s%s" % (name, " (active)" if active else "")
    segs = ["  %s  %s" % (format_min(seg[0]), _rate(seg[1])) for seg in segments]
    return "\r\n".join([head] + segs)


def show(v):
    import json

    return json.dumps(v)


def flat(cfg, prefix=""):
    """A nested dict as one "a.b = value" line per leaf (config, board)."""
    if not isinstance(cfg, dict):
        return "%s = %s" % (prefix or "config", show(cfg))
    lines = []
    for k in sorted(cfg):
        v = cfg[k]
        p = prefix + "." + k if prefix else k
        lines.append(flat(v, p) if isinstance(v, dict) else "%s = %s" % (p, show(v)))
    return "\r\n".join(lines)
