# What each menu does. Every function here builds screens and, at the end of
# a flow, calls the pump facade (see ui/controller.py for the protocol).
# Anything that delivers goes through a hold-OK Confirm screen first, and a
# bolus is previewed so the user confirms the exact amount the pump will give.

from ui.fmt import clock, hm, rate, units
from ui.screens import Menu, NumberEdit, Screen, TextList
from ui.status import priority_name

_DUR_STEP_MIN = 30  # temp basal and extended bolus durations


def _pct(v):
    return "%d" % v


def _grams(v):
    return "%d" % v


def _bg(v):
    return "none" if v == 0 else "%d" % v


# -- main menu -----------------------------------------------------------------
def main_menu(ui):
    return Menu("Menu", [
        ("Bolus", lambda ui, t: ui.push(bolus_menu(ui))),
        ("Temp basal", lambda ui, t: ui.push(temp_menu(ui))),
        (_suspend_label, suspend_or_resume),
        ("Prime", prime),
        ("Rewind", rewind),
        ("Basal profile", profile_menu),
        ("History", history),
        ("Alarms", alarm_list),
        ("Settings", settings_view),
    ])


# -- bolus ---------------------------------------------------------------------
def bolus_menu(ui):
    return Menu("Bolus", [
        ("Manual", manual_bolus),
        ("Extended", extended_bolus),
        ("Combo", combo_bolus),
        ("Calculator", calculator),
        ("Cancel bolus", cancel_bolus),
    ])


def _amount(ui, title, start_mu, on_ok):
    return NumberEdit(title, start_mu, 0, ui.max_bolus_mu, ui.bolus_step_mu, units, on_ok, "U")


def _duration(ui, title, on_ok):
    return NumberEdit(title, 120, _DUR_STEP_MIN, ui.max_extended_min, _DUR_STEP_MIN, hm, on_ok)


def manual_bolus(ui, now_ms):
    ui.push(_amount(ui, "Bolus now", 0, lambda ui, v, t: ask_bolus(ui, t, v, 0, 0)))


def extended_bolus(ui, now_ms):
    def got_amount(ui, ext_mu, t):
        ui.push(_duration(ui, "Over (h:mm)", lambda ui, d, t: ask_bolus(ui, t, 0, ext_mu, d)))

    ui.push(_amount(ui, "Extended", 0, got_amount))


def combo_bolus(ui, now_ms):
    def got_now(ui, now_mu, t):
        def got_ext(ui, ext_mu, t):
            ui.push(_duration(ui, "Over (h:mm)",
                              lambda ui, d, t: ask_bolus(ui, t, now_mu, ext_mu, d)))

        ui.push(_amount(ui, "Combo: later", 0, got_ext))

    ui.push(_amount(ui, "Combo: now", 0, got_now))


def calculator(ui, now_ms):
    def got_carbs(ui, carbs_g, t):
        def got_bg(ui, bg, t):
            try:
                r = ui.pump.calculate_bolus(t, carbs_g, bg or None)
            except Exception as e:  # noqa: BLE001 - shown to the user, not lost
                ui.show_error(e)
                return
            mu = r.get("suggested_mu", 0)
            # Never delivers by itself: the suggestion only prefills the amount.
            ui.push(_amount(ui, "Sugg " + units(mu) + "U", mu,
                            lambda ui, v, t: ask_bolus(ui, t, v, 0, 0)))

        ui.push(NumberEdit("BG mg/dL", 0, 0, 600, 5, _bg, got_bg))

    ui.push(NumberEdit("Carbs (g)", 0, 0, 300, 5, _grams, got_carbs, "g"))


def ask_bolus(ui, now_ms, now_mu, extended_mu, duration_min):
    """Preview, then hold-OK to deliver exactly what the preview said."""
    try:
        p = ui.pump.preview_bolus(now_ms, now_mu, extended_mu, duration_min)
    except Exception as e:  # noqa: BLE001
        ui.show_error(e)
        return
    lines = []
    if p.get("now_mu", now_mu):
        lines.append("Now " + units(p.get("now_mu", now_mu)) + "U")
    if p.get("extended_mu", extended_mu):
        lines.append("Ext " + units(p.get("extended_mu", extended_mu)) + "U")
        lines.append("over " + hm(p.get("duration_min", duration_min)))
    exact = p.get("deliverable_mu")
    if exact is not None and exact != now_mu + extended_mu:
        # The pump gives whole microsteps, rounded down: say exactly what.
        lines.append("gives " + units(exact) + "U")
    if not lines:
        lines.append("0.00U")

    def go(ui, t):
        ui.command("Bolus", ui.pump.bolus, t, now_mu, extended_mu, duration_min)

    ui.confirm("Deliver bolus?", lines, go)


def cancel_bolus(ui, now_ms):
    ui.confirm("Cancel bolus?", ["Stop the bolus"],
               lambda ui, t: ui.command("Bolus cancelled", ui.pump.cancel_bolus, t), hold=False)


# -- temp basal ------------------------------------------------------------------
def temp_menu(ui):
    return Menu("Temp basal", [
        ("Percent", temp_percent),
        ("Rate U/h", temp_rate),
        ("Cancel temp", cancel_temp),
    ])


def _temp_duration(ui, on_ok):
    return NumberEdit("Duration h:mm", 60, _DUR_STEP_MIN, ui.max_temp_min, _DUR_STEP_MIN, hm,
                      on_ok)


def temp_percent(ui, now_ms):
    def got_pct(ui, pct, t):
        def got_dur(ui, dur, t):
            ui.confirm("Set temp basal?", ["%d%%" % pct, "for " + hm(dur)],
                       lambda ui, t: ui.command("Temp basal", ui.pump.temp_basal, t, dur,
                                                percent=pct))

        ui.push(_temp_duration(ui, got_dur))

    ui.push(NumberEdit("Temp %", 100, 0, ui.max_temp_percent, 10, _pct, got_pct, "%"))


def temp_rate(ui, now_ms):
    def got_rate(ui, r, t):
        def got_dur(ui, dur, t):
            ui.confirm("Set temp basal?", [rate(r), "for " + hm(dur)],
                       lambda ui, t: ui.command("Temp basal", ui.pump.temp_basal, t, dur,
                                                rate_mu_per_h=r))

        ui.push(_temp_duration(ui, got_dur))

    ui.push(NumberEdit("Temp U/h", 1000, 0, ui.max_rate_mu_per_h, ui.rate_step_mu_per_h,
                       units, got_rate))


def cancel_temp(ui, now_ms):
    ui.confirm("Cancel temp?", ["Back to profile"],
               lambda ui, t: ui.command("Temp cancelled", ui.pump.cancel_temp_basal, t),
               hold=False)


# -- suspend / resume, prime, rewind ----------------------------------------------
def _suspend_label(ui):
    return "Resume" if ui.status_now().get("state") == "suspended" else "Suspend"


def suspend_or_resume(ui, now_ms):
    if ui.status_now().get("state") == "suspended":
        # Resuming starts delivery again: hold to confirm.
        ui.confirm("Resume?", ["Basal restarts"],
                   lambda ui, t: ui.command("Resumed", ui.pump.resume, t))
    else:
        ui.confirm("Suspend?", ["All delivery", "stops"],
                   lambda ui, t: ui.command("Suspended", ui.pump.suspend, t), hold=False)


def prime(ui, now_ms):
    def got(ui, mu, t):
        ui.confirm("Prime?", [units(mu) + "U", "Not to the body"],
                   lambda ui, t: ui.command("Priming", ui.pump.prime, t, mu))

    ui.push(NumberEdit("Prime", 500, 0, ui.max_prime_mu, ui.bolus_step_mu, units, got, "U"))


def rewind(ui, now_ms):
    ui.confirm("Rewind?", ["Plunger goes", "back home"],
               lambda ui, t: ui.command("Rewinding", ui.pump.rewind, t))


def profile_menu(ui, now_ms):
    items = []
    for name in ui.pump.profiles():
        items.append((name, _pick_profile(name)))
    ui.push(Menu("Basal profile", items or [("(none)", lambda ui, t: ui.pop())]))


def _pick_profile(name):
    def pick(ui, now_ms):
        ui.confirm("Use profile?", [name],
                   lambda ui, t: ui.command("Profile " + name, ui.pump.select_profile, t, name))

    return pick


# -- views ---------------------------------------------------------------------------
def history_line(h):
    text = h.get("text")
    if text is None:
        text = h.get("kind", "?")
        if h.get("amount_mu") is not None:
            text += " " + units(h["amount_mu"])
    if h.get("wall_s") is not None:
        text = clock(h["wall_s"]) + " " + text
    return text


def history(ui, now_ms):
    lines = [history_line(h) for h in ui.pump.history(ui.history_len)]
    ui.push(TextList("History", lambda ui: lines))


def settings_view(ui, now_ms):
    lines = ["%s %s" % (k, v) for k, v in ui.pump.settings()]
    ui.push(TextList("Settings", lambda ui: lines))


def alarm_list(ui, now_ms):
    items = []
    for a in ui.pump.alarms():
        items.append((("  " if a.get("acked") else "! ") + a.get("text", a["id"]),
                      _ack_item(a)))
    ui.push(Menu("Alarms", items or [("(none)", lambda ui, t: ui.pop())]))


def _ack_item(alarm):
    def ack(ui, now_ms):
        if not alarm.get("acked"):
            ui.ack(alarm["id"], now_ms)
        ui.pop()
        alarm_list(ui, now_ms)

    return ack


class AlarmScreen(Screen):
    """Pops up over anything when an alarm is raised; OK acknowledges."""

    def __init__(self, alarm):
        self.alarm = alarm

    def draw(self, fb, ui, now_ms):
        from ui import draw

        fb.fill(0)
        draw.title(fb, "ALARM " + priority_name(self.alarm).upper())
        text = self.alarm.get("text", self.alarm.get("id", ""))
        for i in range(0, min(len(text), 48), 16):
            draw.line(fb, i // 16, text[i:i + 16])
        draw.hint(fb, "OK=ack BACK=hide")

    def key(self, ui, button, kind, now_ms):
        if kind != "short":
            return
        if button == "ok":
            ui.ack(self.alarm["id"], now_ms)
            ui.pop()
        elif button == "back":
            ui.pop()  # the banner and the reminder beeps stay

