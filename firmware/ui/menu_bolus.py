# The Bolus menu: manual, extended, combo, the calculator and cancel. A
# bolus is previewed so the user confirms the exact amount the pump will
# give, then held OK to deliver. Loaded when the menu opens (ui/menus.py).

from ui.fmt import hm, units
from ui.screens import Menu, NumberEdit

_DUR_STEP_MIN = 30  # extended bolus durations


def _grams(v):
    return "%d" % v


def _bg(v):
    return "none" if v == 0 else "%d" % v


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
