# plunger-test: both
# The UI against the real delivery Engine through the thinnest facade, so the
# names and arguments the menus use are the ones the engine has.
from delivery import settings
from delivery.engine import Engine
from screenshot import click, new_ui


class EngineFacade:
    """Minimal stand-in for the app's facade: Engine plus empty lists."""

    def __init__(self, eng):
        self.eng = eng
        for name in ("preview_bolus", "bolus", "cancel_bolus", "temp_basal",
                     "cancel_temp_basal", "suspend", "resume", "prime", "rewind",
                     "select_profile", "calculate_bolus", "status"):
            setattr(self, name, getattr(eng, name))

    def alarms(self):
        return []

    def profiles(self):
        return sorted(self.eng.cfg["profiles"]) if hasattr(self.eng, "cfg") else ["default"]


def make():
    eng = Engine(settings.validate(settings.DEFAULTS), 0)
    eng.set_wall_clock(0, 1700000000)
    ui = new_ui(EngineFacade(eng))
    return eng, ui


def hold_ok(ui, t):
    ui.handle("ok", "down", t)
    ui.tick(t + 1500)
    ui.handle("ok", "up", t + 1500)


def test_bolus_reaches_the_engine_with_the_exact_amount_shown():
    eng, ui = make()
    for b in ("ok", "ok", "ok"):  # Menu > Bolus > Manual
        click(ui, b)
    for _ in range(10):  # 10 x 0.10 U
        click(ui, "up")
    click(ui, "ok")
    lines = ui.top().lines
    assert lines[0] == "Now 1.00U"
    exact = eng.preview_bolus(0, 1000)["deliverable_mu"]
    if exact != 1000:
        assert lines[1] == "gives " + ("%d.%03d" % (exact // 1000, exact % 1000)) + "U"
    hold_ok(ui, 100)
    assert eng.status(2000)["bolus"]["requested_mu"] == 1000


def test_temp_basal_and_suspend_reach_the_engine():
    eng, ui = make()
    click(ui, "ok")
    click(ui, "down")
    click(ui, "ok")  # Temp basal
    click(ui, "ok")  # Percent
    for _ in range(5):
        click(ui, "up")
    click(ui, "ok")
    click(ui, "ok")  # 60 min
    hold_ok(ui, 100)
    temp = eng.status(2000)["temp"]
    assert temp["percent"] == 150 and temp["left_min"] == 59
    click(ui, "back", 3000)
    click(ui, "ok", 3000)
    click(ui, "down")
    click(ui, "down")
    click(ui, "ok")  # Suspend
    click(ui, "ok", 4000)
    assert eng.status(5000)["state"] == "suspended"
