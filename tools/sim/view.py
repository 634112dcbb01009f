"""Drawing the simulated pump for humans (CPython only): the 128x64 OLED frame
as terminal text (half blocks or braille) or as a PNG, and the whole terminal
UI as text lines that curses shows and `render_png` turns into a picture."""
import os

WIDTH = 128
HEIGHT = 64
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"

# Keys of the terminal UI: key -> (label, action line for the firmware side).
KEYS = (
    ("w / up", "UP", "press up 150"),
    ("s / down", "DOWN", "press down 150"),
    ("enter / space", "OK", "press ok 150"),
    ("b / esc", "BACK", "press back 150"),
    ("W S O B", "hold 2 s", None),
    ("o", "occlusion on/off", None),
    ("e", "syringe empty", None),
    ("k", "stall on/off", None),
    ("p", "screenshot", None),
    (":", "type a console line", None),
    ("q / ctrl-c", "quit", None),
)


def pixel(frame, x, y):
    return (frame[(y >> 3) * WIDTH + x] >> (y & 7)) & 1 if frame else 0


def halfblocks(frame):
    """32 lines of 128 characters: each character is two pixels stacked."""
    glyph = (" ", "\u2584", "\u2580", "\u2588")  # none, lower, upper, both
    lines = []
    for row in range(0, HEIGHT, 2):
        lines.append("".join(glyph[pixel(frame, x, row) * 2 + pixel(frame, x, row + 1)]
                             for x in range(WIDTH)))
    return lines


_BRAILLE_BITS = ((0, 0, 0x01), (0, 1, 0x02), (0, 2, 0x04), (1, 0, 0x08), (1, 1, 0x10),
                 (1, 2, 0x20), (0, 3, 0x40), (1, 3, 0x80))


def braille(frame):
    """16 lines of 64 characters (2x4 pixels each), for 80-column terminals."""
    lines = []
    for row in range(0, HEIGHT, 4):
        out = []
        for col in range(0, WIDTH, 2):
            bits = 0
            for dx, dy, bit in _BRAILLE_BITS:
                if pixel(frame, col + dx, row + dy):
                    bits |= bit
            out.append(chr(0x2800 + bits))
        lines.append("".join(out))
    return lines


# Quadrant blocks: one character is 2x2 pixels, index TL + 2 TR + 4 BL + 8 BR.
QUADRANTS = (" ", "\u2598", "\u259d", "\u2580", "\u2596", "\u258c", "\u259e", "\u259b",
             "\u2597", "\u259a", "\u2590", "\u259c", "\u2584", "\u2599", "\u259f", "\u2588")
_QUADRANT_BITS = dict((ch, i) for i, ch in enumerate(QUADRANTS))


def quadrants(frame):
    """32 lines of 64 characters, 2x2 pixels each: every pixel shown, as
    solid blocks (the 8x8 font stays legible), for 66 to 129 columns, where
    half blocks do not fit and braille dots are too faint to read."""
    lines = []
    for row in range(0, HEIGHT, 2):
        out = []
        for col in range(0, WIDTH, 2):
            out.append(QUADRANTS[pixel(frame, col, row) | pixel(frame, col + 1, row) << 1
                                 | pixel(frame, col, row + 1) << 2
                                 | pixel(frame, col + 1, row + 1) << 3])
        lines.append("".join(out))
    return lines


def frame_image(frame, scale=4):
    """The OLED as a Pillow image: light-blue pixels on black, scaled up."""
    from PIL import Image

    img = Image.new("RGB", (WIDTH, HEIGHT), (0, 0, 0))
    px = img.load()
    for y in range(HEIGHT):
        for x in range(WIDTH):
            if pixel(frame, x, y):
                px[x, y] = (140, 220, 255)
    return img.resize((WIDTH * scale, HEIGHT * scale), Image.NEAREST)


def save_frame_png(frame, path, scale=4):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    frame_image(frame or bytes(WIDTH * HEIGHT // 8), scale).save(path)


def clock_text(t_ms):
    s = t_ms // 1000
    return "%d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60)


def status_lines(snap, info, width):
    """Everything but the display: plunger, keys, alarms, console tail."""
    st = snap["state"]
    out = []
    if st:
        travel = max(1, st["travel_steps"])
        bar_w = max(10, min(50, width - 40))
        filled = bar_w * (travel - st["pos_steps"]) // travel
        out.append("reservoir [%s%s] %4d uL  plunger %d/%d steps" % (
            "#" * filled, "." * (bar_w - filled), st["remaining_ul"], st["pos_steps"], travel))
        out.append("delivered %d steps  force %d g  motor %s  battery %d mV  buzzer %s" % (
            st["delivered_steps"], st["force_g"], "ON" if st["en"] else "off", st["battery_mv"],
            ("%d Hz" % st["buzzer_hz"]) if st["buzzer_hz"] else "quiet"))
    else:
        out.append("waiting for the firmware...")
    out += key_lines(width)
    alarms = snap["alarms"][-3:]
    out.append("alarms: " + ("  ".join("%s %s" % (clock_text(t), d.replace("id=", ""))
                                       for t, d in alarms) if alarms else "none"))
    out.append("console: %s  (tools/pumpctl status, or screen PATH)" % (info.get("pty") or "(no pty)"))
    return out


def key_lines(width):
    """The key hints, wrapped between hints so none is cut at this width."""
    start, indent = "keys: ", "      "
    lines, cur = [], start
    for k, label, _ in KEYS:
        hint = "%s=%s" % (k, label)
        fresh = cur in (start, indent)
        if not fresh and len(cur) + 2 + len(hint) > width:
            lines.append(cur)
            cur, fresh = indent, True
        cur += ("" if fresh else "  ") + hint
    lines.append(cur)
    return lines


def screen_lines(snap, info, width=132, height=50):
    """The terminal UI as plain text lines (what curses draws)."""
    st = snap["state"]
    title = "Plunger simulator  board %s  %s  x%s  t=%s" % (
        info.get("board", "sim"), info.get("runtime", "micropython"), info.get("speed", 1),
        clock_text(st.get("t_ms", 0)))
    tall = height >= 32 + 14
    if tall and width >= WIDTH + 2:
        art = halfblocks(snap["frame"])
    elif tall and width >= WIDTH // 2 + 2:
        art = quadrants(snap["frame"])
    else:
        art = braille(snap["frame"])
    w = len(art[0])
    lines = [title[:width], "+" + "-" * w + "+"]
    lines += ["|" + a + "|" for a in art]
    lines.append("+" + "-" * w + "+")
    lines += [s[:width] for s in status_lines(snap, info, width)]
    room = height - len(lines) - 1
    if room > 0:
        tail = [c for c in snap["console"] if c.strip()][-room:]
        lines += ["> " + c[:width - 2] for c in tail]
    return lines


def render_png(lines, path, cell=(9, 18)):
    """Terminal text lines as a PNG (dark terminal colours)."""
    from PIL import Image, ImageDraw, ImageFont

    try:
        font = ImageFont.truetype(FONT, 15)
    except OSError:
        font = ImageFont.load_default()
    cols = max(len(s) for s in lines)
    img = Image.new("RGB", (cols * cell[0] + 16, len(lines) * cell[1] + 16), (24, 24, 28))
    draw = ImageDraw.Draw(img)
    for i, s in enumerate(lines):
        colour = (140, 220, 255) if any(ch in _QUADRANT_BITS and ch != " " for ch in s) \
            else (220, 220, 220)
        if s.startswith("alarms:") and "none" not in s:
            colour = (255, 110, 110)
        for j, ch in enumerate(s):
            x, y = 8 + j * cell[0], 8 + i * cell[1]
            # Block glyphs are drawn as rectangles so the display is crisp
            # whatever the font's metrics.
            bits = _QUADRANT_BITS.get(ch)
            if bits is None:
                draw.text((x, y), ch, font=font, fill=colour)
                continue
            hx, hy = cell[0] // 2, cell[1] // 2
            for i, (dx, dy) in enumerate(((0, 0), (hx, 0), (0, hy), (hx, hy))):
                if bits >> i & 1:
                    x0, y0 = x + dx, y + dy
                    x1 = x + (cell[0] if dx else hx) - 1
                    y1 = y + (cell[1] if dy else hy) - 1
                    draw.rectangle((x0, y0, x1, y1), fill=colour)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    img.save(path)
