# The kinds of screen a menu is built from. Each screen draws itself into a
# framebuf and reacts to button events; the controller (ui/controller.py)
# keeps the stack of open screens, the timeouts and the alarms.
#
# Screens react to SHORT (a click), REPEAT/LONG on UP/DOWN (fast scrolling)
# and DOWN/UP of OK (hold to confirm). Acting only on release means the
# release of a hold that finished one screen never clicks the next one.

from ui import draw
from ui.fmt import fit

# Button names, as in the board file.
UP = "up"
DOWN = "down"
OK = "ok"
BACK = "back"

_SCROLL = ("short", "long", "repeat")


class Screen:
    timeout = True  # closes by itself when the menu is left alone

    def draw(self, fb, ui, now_ms):
        pass

    def key(self, ui, button, kind, now_ms):
        if button == BACK and kind == "short":
            ui.pop()

    def tick(self, ui, now_ms):
        pass

    def tick_ms(self):
        """How often this screen wants tick(); None = the normal refresh."""
        return None


class Menu(Screen):
    """A list of (label, action) items. label is a string or a function
    ui -> string (Suspend/Resume); action(ui, now_ms) runs on OK."""

    ROWS = 6

    def __init__(self, title, items):
        self.title = title
        self.items = items
        self.index = 0

    def label(self, ui, i):
        lab = self.items[i][0]
        return lab if isinstance(lab, str) else lab(ui)

    def draw(self, fb, ui, now_ms):
        fb.fill(0)
        draw.title(fb, self.title)
        first = max(0, self.index - self.ROWS + 1)
        for row in range(min(self.ROWS, len(self.items) - first)):
            i = first + row
            draw.line(fb, row, (">" if i == self.index else " ") + self.label(ui, i),
                      i == self.index)

    def key(self, ui, button, kind, now_ms):
        n = len(self.items)
        if button == UP and kind in _SCROLL:
            self.index = (self.index - 1) % n
        elif button == DOWN and kind in _SCROLL:
            self.index = (self.index + 1) % n
        elif button == OK and kind == "short" and n:
            self.items[self.index][1](ui, now_ms)
        else:
            Screen.key(self, ui, button, kind, now_ms)


class NumberEdit(Screen):
    """Pick an integer between lo and hi in steps; on_ok(ui, value, now_ms)."""

    def __init__(self, title, value, lo, hi, step, show, on_ok, unit=""):
        self.title = title
        self.value = value
        self.lo = lo
        self.hi = hi
        self.step = step
        self.show = show  # value -> text
        self.on_ok = on_ok
        self.unit = unit

    def draw(self, fb, ui, now_ms):
        fb.fill(0)
        draw.title(fb, self.title)
        draw.centered(fb, 26, self.show(self.value) + self.unit)
        fb.rect(8, 22, draw.WIDTH - 16, 16, 1)
        draw.hint(fb, "+/-  OK=next")

    def key(self, ui, button, kind, now_ms):
        if button in (UP, DOWN) and kind in _SCROLL:
            # Held keys speed up after a while: 5 steps per repeat.
            n = self.step * (5 if kind == "repeat" and self._fast() else 1)
            v = self.value + (n if button == UP else -n)
            self.value = max(self.lo, min(self.hi, v))
            self._repeats = self._repeats + 1 if kind == "repeat" else 0
        elif button == OK and kind == "short":
            self.on_ok(ui, self.value, now_ms)
        else:
            Screen.key(self, ui, button, kind, now_ms)

    _repeats = 0

    def _fast(self):
        return self._repeats >= 10


class Confirm(Screen):
    """Explicit confirmation before anything is delivered: hold OK for
    hold_ms (a bar fills), release early and nothing happens. hold_ms 0
    takes a plain OK press; hold_ms None asks the UI at every key
    (ui.confirm_hold_ms: 0 while `ui.require_button_confirm` is off), so
    turning it on counts at once, even for a screen already open."""

    def __init__(self, title, lines, on_confirm, hold_ms):
        self.title = title
        self.lines = lines
        self.on_confirm = on_confirm
        self.hold_ms = hold_ms
        self.down_ms = None
        self.done = False

    def _hold(self, ui):
        return ui.confirm_hold_ms if self.hold_ms is None else self.hold_ms

    def draw(self, fb, ui, now_ms):
        fb.fill(0)
        draw.title(fb, self.title)
        for i in range(min(4, len(self.lines))):
            draw.line(fb, i, self.lines[i])
        hold = self._hold(ui)
        if hold:
            held = 0 if self.down_ms is None else now_ms - self.down_ms
            draw.bar(fb, 0, 47, draw.WIDTH, 7, held, hold)
            draw.hint(fb, "Hold OK  BACK=no")
        else:
            draw.hint(fb, "OK=go  BACK=no")

    def key(self, ui, button, kind, now_ms):
        if button != OK:
            if kind == "short" and button == BACK:
                ui.pop()
            return
        if self._hold(ui) == 0:
            if kind == "short":
                self._fire(ui, now_ms)
        elif kind == "down":
            self.down_ms = now_ms
        elif kind in ("short", "up", "stuck"):
            # Released (or jammed) before the bar filled: start over.
            self.down_ms = None
        elif kind in ("long", "repeat"):
            self.tick(ui, now_ms)

    def tick(self, ui, now_ms):
        if self.down_ms is not None and now_ms - self.down_ms >= self._hold(ui):
            self._fire(ui, now_ms)

    def tick_ms(self):
        return 100 if self.down_ms is not None else None

    def _fire(self, ui, now_ms):
        if not self.done:  # once, even if OK stays down
            self.done = True
            self.down_ms = None
            self.on_confirm(ui, now_ms)


class Message(Screen):
    """A result or an error; any click goes back to the status screen, and
    so does the clock at close_ms if one is given (a result that would
    otherwise outlive what it reports)."""

    def __init__(self, title, lines, close_ms=None):
        self.title = title
        self.lines = lines
        self.close_ms = close_ms

    def tick(self, ui, now_ms):
        if self.close_ms is not None and now_ms >= self.close_ms and ui.top() is self:
            ui.home()

    def tick_ms(self):
        return 500 if self.close_ms is not None else None

    def draw(self, fb, ui, now_ms):
        fb.fill(0)
        draw.title(fb, self.title)
        for i in range(min(5, len(self.lines))):
            draw.line(fb, i, self.lines[i])

    def key(self, ui, button, kind, now_ms):
        if kind == "short":
            ui.home()


class TextList(Screen):
    """Read-only scrolling lines (history, settings). lines(ui) -> [str]."""

    ROWS = 6

    def __init__(self, title, lines):
        self.title = title
        self.source = lines
        self.top = 0

    def draw(self, fb, ui, now_ms):
        fb.fill(0)
        draw.title(fb, self.title)
        lines = self.source(ui)
        if not lines:
            draw.line(fb, 0, "(none)")
        for row in range(min(self.ROWS, len(lines) - self.top)):
            draw.line(fb, row, fit(lines[self.top + row], draw.COLS))

    def key(self, ui, button, kind, now_ms):
        n = len(self.source(ui))
        if button == UP and kind in _SCROLL:
            self.top = max(0, self.top - 1)
        elif button == DOWN and kind in _SCROLL:
            self.top = max(0, min(n - self.ROWS, self.top + 1))
        else:
            Screen.key(self, ui, button, kind, now_ms)
