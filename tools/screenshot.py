"""Render the pump's real screens on the host: PNGs for humans, ASCII
goldens for tests.

    python tools/screenshot.py --all             # docs/screens/<scene>.png
    python tools/screenshot.py status --scale 6  # one scene
    python tools/screenshot.py --golden          # rewrite host_tests/golden/*.txt

Each scene builds the real UI (firmware/ui) on a fake pump facade and walks
it with button events, then draws into a 128x64 MONO_VLSB framebuf. The
scene code below also runs under MicroPython (the golden tests use it on
both runtimes); Pillow and argparse are only imported by the CLI.
"""
import sys

W = 128
H = 64

if sys.implementation.name != "micropython":
    import os

    _ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for _p in ("tools/cpython_shims", "firmware", "tools"):
        _p = os.path.join(_ROOT, _p)
        if _p not in sys.path:
            sys.path.insert(0, _p)
    import cpython_compat

    cpython_compat.install()

import framebuf  # noqa: E402

try:
    from delivery.errors import Rejected
except ImportError:  # delivery core not there yet: same shape
    class Rejected(Exception):
        def __init__(self, code, message=""):
            Exception.__init__(self, message)
            self.code = code


# -- a fake pump facade ----------------------------------------------------------
def sample_status():
    return {
        "state": "delivering", "profile": "Default", "scheduled_mu_per_h": 850,
        "basal_mu_per_h": 850, "temp": None,
        "bolus": {"kind": "normal", "requested_mu": 3000, "delivered_mu": 1200,
                  "extended_left_mu": 0, "ends_ms": 90000},
        "iob_mu": 2350, "reservoir_mu": 123450, "hours_left": 45,
        "delivered_24h_mu": 18400, "steps_commanded": 0, "steps_confirmed": 0,
        "wall_s": 14 * 3600 + 5 * 60, "battery_pct": 80,
    }


class FakeClock:
    def __init__(self, now_ms=0):
        self.now = now_ms

    def now_ms(self):
        return self.now


class FakeBuzzer:
    def __init__(self):
        self.played = []

    def pattern(self, name):
        self.played.append(name)

    def stop(self):
        self.played.append("stop")


class FakePump:
    """Records every call as a tuple (name, args..., sorted kwargs) and
    behaves just enough like the real facade for the UI to walk."""

    def __init__(self, status=None, alarms=None, max_bolus_mu=10000):
        self.calls = []
        self.st = status if status is not None else sample_status()
        self.alarm_list = alarms if alarms is not None else []
        self.max_bolus_mu = max_bolus_mu

    def _rec(self, name, *args, **kwargs):
        call = (name,) + args
        for k in sorted(kwargs):
            call += ((k, kwargs[k]),)
        self.calls.append(call)

    def commands(self):
        """Calls that change the pump (not status, preview, lists)."""
        quiet = ("preview_bolus", "calculate_bolus")
        return [c for c in self.calls if c[0] not in quiet]

    def status(self, now_ms):
        return self.st

    def preview_bolus(self, now_ms, now_mu, extended_mu=0, duration_min=0):
        self._rec("preview_bolus", now_ms, now_mu, extended_mu, duration_min)
        if now_mu + extended_mu > self.max_bolus_mu:
            raise Rejected("max_bolus", "bolus above max bolus")
        if now_mu + extended_mu <= 0:
            raise Rejected("zero", "nothing to deliver")
        return {"now_mu": now_mu, "extended_mu": extended_mu, "duration_min": duration_min,
                "steps": 0}

    def bolus(self, now_ms, now_mu, extended_mu=0, duration_min=0):
        r = self.preview_bolus(now_ms, now_mu, extended_mu, duration_min)
        self.calls.pop()  # the check above is part of this command
        self._rec("bolus", now_ms, now_mu, extended_mu, duration_min)
        self.st["bolus"] = {"kind": "normal", "requested_mu": now_mu + extended_mu,
                            "delivered_mu": 0, "extended_left_mu": extended_mu, "ends_ms": 0}
        return r

    def cancel_bolus(self, now_ms):
        self._rec("cancel_bolus", now_ms)
        self.st["bolus"] = None
        return {"delivered_mu": 0, "cancelled_mu": 0}

    def temp_basal(self, now_ms, duration_min, percent=None, rate_mu_per_h=None):
        self._rec("temp_basal", now_ms, duration_min, percent=percent, rate_mu_per_h=rate_mu_per_h)
        self.st["temp"] = {"percent": percent, "rate_mu_per_h": rate_mu_per_h,
                           "ends_ms": now_ms + duration_min * 60000, "left_min": duration_min}
        return {}

    def cancel_temp_basal(self, now_ms):
        self._rec("cancel_temp_basal", now_ms)
        self.st["temp"] = None

    def suspend(self, now_ms):
        self._rec("suspend", now_ms)
        self.st["state"] = "suspended"

    def resume(self, now_ms):
        self._rec("resume", now_ms)
        self.st["state"] = "delivering"

    def prime(self, now_ms, amount_mu):
        self._rec("prime", now_ms, amount_mu)

    def rewind(self, now_ms):
        self._rec("rewind", now_ms)

    def profiles(self):
        return ["Default", "Weekend", "Sport"]

    def select_profile(self, now_ms, name):
        self._rec("select_profile", now_ms, name)
        self.st["profile"] = name

    def calculate_bolus(self, now_ms, carbs_g, bg_mg_dl):
        self._rec("calculate_bolus", now_ms, carbs_g, bg_mg_dl)
        return {"suggested_mu": carbs_g * 100}  # 1 U per 10 g, for the fake

    def alarms(self):
        return self.alarm_list

    def ack_alarm(self, alarm_id):
        self._rec("ack_alarm", alarm_id)
        for a in self.alarm_list:
            if a["id"] == alarm_id:
                a["acked"] = True

    def history(self, n):
        return [{"kind": "bolus", "amount_mu": 2000, "wall_s": 13 * 3600},
                {"kind": "temp", "text": "temp 150% 1:00", "wall_s": 12 * 3600 + 1800},
                {"kind": "prime", "amount_mu": 500, "wall_s": 8 * 3600}][:n]

    def settings(self):
        return [("Max bolus", "10.00U"), ("Max basal", "3.00U/h"), ("DIA", "5h")]

    def button_stuck(self, now_ms, name):
        self._rec("button_stuck", now_ms, name)


# -- scenes ------------------------------------------------------------------------
def new_ui(pump=None, confirm_hold_ms=1500, buzzer=None, fb=None):
    from ui.controller import UI

    if fb is None:
        fb = framebuf.FrameBuffer(bytearray(W * H // 8), W, H, framebuf.MONO_VLSB)
    return UI(fb, pump or FakePump(), FakeClock(), buzzer=buzzer,
              confirm_hold_ms=confirm_hold_ms)


def click(ui, button, now_ms=0):
    ui.handle(button, "down", now_ms)
    ui.handle(button, "short", now_ms)


def _status(ui):
    pass


def _status_temp_alarm(ui):
    st = ui.pump.st
    st["temp"] = {"percent": 150, "ends_ms": 0, "left_min": 80}
    st["bolus"] = None
    st["battery_pct"] = 15
    ui.pump.alarm_list.append({"id": "low_reservoir", "priority": "low",
                               "text": "Low reservoir", "acked": False})
    ui.tick(0)
    ui.pop()  # leave the popup: the banner stays


def _menu(ui):
    click(ui, "ok")


def _menu_bolus(ui):
    click(ui, "ok")
    click(ui, "ok")


def _menu_temp_basal(ui):
    click(ui, "ok")
    click(ui, "down")
    click(ui, "ok")


def _edit_bolus(ui):
    _menu_bolus(ui)
    click(ui, "ok")
    for _ in range(20):
        click(ui, "up")


def _confirm_bolus(ui):
    _edit_bolus(ui)
    click(ui, "ok")
    ui.handle("ok", "down", 0)
    ui.tick(750)


def _alarm(ui):
    ui.pump.alarm_list.append({"id": "occlusion", "priority": "high",
                               "text": "Occlusion: check the line", "acked": False})
    ui.tick(0)


def _status_longest(ui):
    # The widest values the status screen must hold whole: a full 999.999 U
    # reservoir at a slow rate, a 25 U extended bolus half way, a temp basal
    # by rate, and the longest alarm name with others behind it.
    st = ui.pump.st
    st["reservoir_mu"] = 999999
    st["hours_left"] = 1249
    st["iob_mu"] = 24999
    st["temp"] = {"rate_mu_per_h": 12345, "ends_ms": 0, "left_min": 1439}
    st["bolus"] = {"kind": "extended", "requested_mu": 25000, "delivered_mu": 12345,
                   "extended_left_mu": 12655, "ends_ms": 0}
    ui.pump.alarm_list.extend([
        {"id": "uncertain_delivery", "priority": "high", "text": "x", "acked": False},
        {"id": "low_battery", "priority": "medium", "text": "x", "acked": False},
        {"id": "no_time", "priority": "low", "text": "x", "acked": False}])
    ui.tick(0)
    ui.home()  # the popups left: the banner stays


def _alarm_longest(ui):
    # The longest alarm text the firmware stores (120 characters), and the
    # high-priority one on top although a low one was raised after it.
    ui.pump.alarm_list.extend([
        {"id": "uncertain_delivery", "priority": "high", "acked": False,
         "text": "bolus 25.000 U started at 14:05 and never finished before the reset: "
                 "counted in full; check the line and the syringe"[:120]},
        {"id": "no_time", "priority": "low", "acked": False,
         "text": "clock not set: no scheduled basal until `time set`"}])
    ui.tick(0)


def _console_prompt(ui):
    from app import _wrap

    ui.request_confirm("Console asks", _wrap("bolus 0.250 U now and 2.000 U over 2:00, "
                                             "no calculator"), lambda *_a: None)


def _woken(ui):
    ui.tick(60000)  # a minute alone: the screen sleeps
    ui.handle("ok", "down", 61000)
    ui.handle("ok", "short", 61000)


SCENES = {
    "status": _status,
    "status_longest": _status_longest,
    "alarm_longest": _alarm_longest,
    "console_prompt": _console_prompt,
    "woken": _woken,
    "status_temp_alarm": _status_temp_alarm,
    "menu": _menu,
    "menu_bolus": _menu_bolus,
    "menu_temp_basal": _menu_temp_basal,
    "edit_bolus": _edit_bolus,
    "confirm_bolus": _confirm_bolus,
    "alarm": _alarm,
}
# status_temp_alarm shows the no-confirm marker: hold disabled in that scene.
_NO_CONFIRM = ("status_temp_alarm",)


def render_scene(name):
    """The 1024-byte MONO_VLSB framebuffer of one scene."""
    ui = new_ui(confirm_hold_ms=0 if name in _NO_CONFIRM else 1500)
    SCENES[name](ui)
    now = {"confirm_bolus": 750, "woken": 61000}.get(name, 0)
    ui.render(now)
    return ui.fb._buf if hasattr(ui.fb, "_buf") else _buffer_of(ui.fb)


def _buffer_of(fb):
    # MicroPython's FrameBuffer does not expose its buffer: read it back.
    buf = bytearray(W * H // 8)
    for y in range(H):
        for x in range(W):
            if fb.pixel(x, y):
                buf[(y >> 3) * W + x] |= 1 << (y & 7)
    return buf


def to_ascii(buf):
    """Review-friendly golden: 64 lines of 128 '#'/'.'."""
    lines = []
    for y in range(H):
        row = []
        for x in range(W):
            row.append("#" if buf[(y >> 3) * W + x] >> (y & 7) & 1 else ".")
        lines.append("".join(row))
    return "\n".join(lines) + "\n"


# -- CLI (CPython only) ----------------------------------------------------------
def save_png(buf, path, scale=4):
    """Lit pixels as OLED-blue squares with a 1 px gap: the grid shows."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (W * scale + 2 * scale, H * scale + 2 * scale), (18, 18, 22))
    d = ImageDraw.Draw(img)
    gap = 1 if scale >= 3 else 0
    for y in range(H):
        for x in range(W):
            on = buf[(y >> 3) * W + x] >> (y & 7) & 1
            x0 = (x + 1) * scale
            y0 = (y + 1) * scale
            d.rectangle((x0, y0, x0 + scale - 1 - gap, y0 + scale - 1 - gap),
                        fill=(120, 210, 255) if on else (32, 32, 40))
    img.save(path)


def main(argv=None):
    import argparse
    import os

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenes", nargs="*", help="scene names (default: all); one of: "
                    + ", ".join(sorted(SCENES)))
    ap.add_argument("--all", action="store_true", help="every scene")
    ap.add_argument("--out", default=os.path.join(root, "docs", "screens"))
    ap.add_argument("--scale", type=int, default=4)
    ap.add_argument("--golden", action="store_true",
                    help="rewrite host_tests/golden/<scene>.txt instead of PNGs")
    args = ap.parse_args(argv)
    names = args.scenes or sorted(SCENES)
    for name in names:
        if name not in SCENES:
            ap.error("unknown scene %r" % name)
        buf = render_scene(name)
        if args.golden:
            path = os.path.join(root, "host_tests", "golden", name + ".txt")
            with open(path, "w") as f:
                f.write(to_ascii(buf))
        else:
            os.makedirs(args.out, exist_ok=True)
            path = os.path.join(args.out, name + ".png")
            save_png(buf, path, args.scale)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
