# Views: history, settings, the alarm list (acknowledge from it). Loaded
# when chosen in the main menu (ui/menus.py).

from ui.fmt import clock, units
from ui.screens import Menu, TextList


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
