# Suspend / resume, prime, rewind and the basal profile: commands to the
# pump itself. Loaded when chosen in the main menu (ui/menus.py).

from ui.fmt import units
from ui.screens import Menu, NumberEdit


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
