# The home screen: what the pump is doing right now, readable at a glance.
#
#   y 0  14:05 Default NC [bat]   time, profile, no-confirm marker, battery
#   y 11 Basal 0.85U/h             or Temp 150% 1:20 / SUSPENDED / STOPPED
#   y 21 IOB 2.35U
#   y 31 Res 123.00U 45h           units left, hours left at the current rate
#   y 41 Bolus 1.20/3.00U          while a bolus runs, with a progress bar
#   y 55 ! OCCLUSION               alarm banner (inverted) when one is unacked
#
# draw_status only reads the status dict (Engine.status() plus the app's
# "wall_s" and "battery_pct"), so tests and tools/screenshot.py feed it fakes.

from ui import draw
from ui.fmt import clock, fit, hm, rate, units, words_fit


def basal_text(st):
    state = st.get("state")
    if state == "suspended":
        return "SUSPENDED"
    if state == "stopped":
        return "STOPPED"
    if state == "no_time":
        return "NO TIME SET"
    temp = st.get("temp")
    if temp:
        left = hm(temp.get("left_min", 0))
        if temp.get("percent") is not None:
            return "Temp %d%% %s" % (temp["percent"], left)
        t = "T %s %s" % (rate(temp.get("rate_mu_per_h", 0)), left)
        return t if len(t) <= 16 else t[2:]
    return "Basal " + rate(st.get("basal_mu_per_h", 0))


def reservoir_text(st):
    """Units left and hours at the current rate, on 16 columns whatever the
    numbers (999.999U, a slow rate's 1000+ hours): the label shortens
    first, then the hours turn into days."""
    res_mu = st.get("reservoir_mu")
    t = "Res " + ("?" if res_mu is None else units(res_mu) + "U")  # None: not filled in
    hours = st.get("hours_left")
    if hours is not None:
        h = int(hours)
        t += " %dh" % h if h < 1000 else " %dd" % (h // 24)
    return t if len(t) <= 16 else "R" + t[3:]


def bolus_text(bolus):
    """Delivered/requested of the running bolus, never cut mid-number: the
    label shortens to one letter, then the unit goes."""
    ext = bolus.get("kind") == "extended" or bolus.get("extended_left_mu")
    t = "%s %s/%sU" % ("Ext" if ext else "Bolus", units(bolus.get("delivered_mu", 0)),
                       units(bolus.get("requested_mu", 0)))
    if len(t) > 16:
        t = t[0] + t[t.index(" "):]
    return t if len(t) <= 16 else t[:-1]


def alarm_text(alarms):
    """Banner for the most urgent unacknowledged alarm, '' if none: its
    name in whole words (the popup has the sentence), and how many more."""
    top = None
    n = 0
    for a in alarms:
        if not a.get("acked"):
            n += 1
            if top is None or rank(a) > rank(top):
                top = a
    if top is None:
        return ""
    name = "!" + top.get("id", "alarm").replace("_", " ").upper()
    if n > 1:
        more = " +%d" % (n - 1)
        return words_fit(name, 16 - len(more)) + more
    return words_fit(name, 16)


# Priority as a name ("high") or as store/alarms.py's number (3 = HIGH).
_RANK = {"high": 3, "medium": 2, "low": 1, 3: 3, 2: 2, 1: 1}
_NAME = {3: "high", 2: "medium", 1: "low"}


def rank(alarm):
    return _RANK.get(alarm.get("priority"), 3)  # unknown: treat as the most urgent


def priority_name(alarm):
    return _NAME[rank(alarm)]


def draw_status(fb, st, alarms=(), confirm_disabled=False):
    fb.fill(0)
    fb.text(clock(st.get("wall_s")), 0, 0, 1)
    fb.text(fit(st.get("profile") or "", 6 if confirm_disabled else 8), 44, 0, 1)
    if confirm_disabled:
        # "No confirm": deliveries start on a plain OK press; always visible.
        fb.fill_rect(96, 0, 17, 8, 1)
        fb.text("NC", 97, 0, 0)
    draw.battery(fb, 114, 0, st.get("battery_pct"))
    fb.hline(0, 9, draw.WIDTH, 1)
    fb.text(fit(basal_text(st), 16), 0, 11, 1)
    fb.text("IOB " + units(st.get("iob_mu", 0)) + "U", 0, 21, 1)
    fb.text(reservoir_text(st), 0, 31, 1)
    bolus = st.get("bolus")
    if bolus:
        done = bolus.get("delivered_mu", 0)
        total = bolus.get("requested_mu", 0)
        fb.text(bolus_text(bolus), 0, 41, 1)
        draw.bar(fb, 0, 50, draw.WIDTH, 4, done, total)
    banner = alarm_text(alarms)
    if banner:
        fb.fill_rect(0, 55, draw.WIDTH, 9, 1)
        fb.text(fit(banner, 16), 0, 56, 0)
