# Small widgets shared by all screens. Everything is in pixels on a 128x64
# MONO_VLSB framebuf with the built-in 8x8 font (16 columns x 8 rows).

from micropython import const

from ui.fmt import fit

WIDTH = const(128)
HEIGHT = const(64)
COLS = const(16)
LINE_H = const(9)  # 8 px glyphs + 1 px gap: 6 menu rows under a title
TITLE_H = const(9)


def title(fb, text):
    """Inverted title bar across the top."""
    fb.fill_rect(0, 0, WIDTH, TITLE_H, 1)
    fb.text(fit(text, COLS), 0, 1, 0)


def line(fb, row, text, inverted=False):
    """A text row under the title (row 0..5)."""
    y = TITLE_H + 2 + row * LINE_H  # 1 px gap: a highlighted row never merges into the title
    if inverted:
        fb.fill_rect(0, y - 1, WIDTH, LINE_H, 1)
    fb.text(fit(text, COLS), 0, y, 0 if inverted else 1)


def centered(fb, y, text, c=1):
    text = fit(text, COLS)
    fb.text(text, (WIDTH - 8 * len(text)) // 2, y, c)


def bar(fb, x, y, w, h, done, total):
    """Progress bar: outline plus a fill proportional to done/total."""
    fb.rect(x, y, w, h, 1)
    if total > 0 and done > 0:
        inner = (w - 2) * min(done, total) // total
        fb.fill_rect(x + 1, y + 1, inner, h - 2, 1)


def battery(fb, x, y, pct):
    """12x7 battery icon with a 2 px nub; pct None = unknown (hollow, with
    a cross)."""
    fb.rect(x, y, 12, 7, 1)
    fb.fill_rect(x + 12, y + 2, 2, 3, 1)
    if pct is None:
        for i in range(5):
            fb.pixel(x + 3 + i, y + 1 + i, 1)
            fb.pixel(x + 7 - i, y + 1 + i, 1)
        return
    fb.fill_rect(x + 1, y + 1, 10 * max(0, min(pct, 100)) // 100, 5, 1)


def hint(fb, text):
    """Bottom row: which button does what."""
    fb.text(fit(text, COLS), 0, HEIGHT - 8, 1)
