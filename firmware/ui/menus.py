# The main menu and the alarm pop-up. Every submenu is its own small module
# (ui/menu_bolus.py, menu_temp.py, menu_pump.py, menu_views.py), imported
# when it is chosen and forgotten again at once: its code stays in RAM only
# while one of its screens is open (they hold it), so menus cost nothing on
# the status screen. Anything that delivers goes through a hold-OK Confirm
# screen first (see the submenus).

from ui.screens import Menu, Screen
from ui.status import priority_name


def _open(module, name, push=False):
    """A menu action that imports module, runs module.name and lets the
    module go (the screens it pushed keep it alive while they are open)."""

    def run(ui, now_ms):
        import lazy

        mod = __import__(module, None, None, (name,))
        try:
            if push:
                ui.push(getattr(mod, name)(ui))
            else:
                getattr(mod, name)(ui, now_ms)
        finally:
            lazy.drop(module)

    return run


# -- main menu -----------------------------------------------------------------
def main_menu(ui):
    return Menu("Menu", [
        ("Bolus", _open("ui.menu_bolus", "bolus_menu", True)),
        ("Temp basal", _open("ui.menu_temp", "temp_menu", True)),
        (_suspend_label, _open("ui.menu_pump", "suspend_or_resume")),
        ("Prime", _open("ui.menu_pump", "prime")),
        ("Rewind", _open("ui.menu_pump", "rewind")),
        ("Basal profile", _open("ui.menu_pump", "profile_menu")),
        ("History", _open("ui.menu_views", "history")),
        ("Alarms", _open("ui.menu_views", "alarm_list")),
        ("Settings", _open("ui.menu_views", "settings_view")),
    ])


def _suspend_label(ui):
    return "Resume" if ui.status_now().get("state") == "suspended" else "Suspend"


class AlarmScreen(Screen):
    """Pops up over anything when an alarm is raised; OK acknowledges."""

    def __init__(self, alarm):
        self.alarm = alarm

    def draw(self, fb, ui, now_ms):
        from ui import draw

        fb.fill(0)
        draw.title(fb, "ALARM " + priority_name(self.alarm).upper())
        from ui.wrap import wrap

        text = self.alarm.get("text", self.alarm.get("id", ""))
        for i, row in enumerate(wrap(text, 16, 5)):
            draw.line(fb, i, row)
        draw.hint(fb, "OK=ack BACK=hide")

    def key(self, ui, button, kind, now_ms):
        if kind != "short":
            return
        if button == "ok":
            ui.ack(self.alarm["id"], now_ms)
            ui.pop()
        elif button == "back":
            ui.pop()  # the banner and the reminder beeps stay
