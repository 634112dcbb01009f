# The Temp basal menu: by percent or by rate, and cancel. Loaded when the
# menu opens (ui/menus.py).

from ui.fmt import hm, rate, units
from ui.screens import Menu, NumberEdit

_DUR_STEP_MIN = 30  # temp basal durations


def _pct(v):
    return "%d" % v


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
