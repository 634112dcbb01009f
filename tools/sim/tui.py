"""The simulator's terminal UI (CPython, curses): draws the pump's display,
plunger, alarms and console tail; keys press the pump's buttons and inject
faults. The firmware runs in its own process (see link.py)."""
import curses
import os
import time

import view

HOLD_MS = 2000
# The `p` key's pictures go with the other build products, not into the
# folder the simulator was started from.
SHOT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        "build")


class Tui:
    def __init__(self, link, info, screenshot=None):
        self.link = link
        self.info = info
        self.screenshot = screenshot
        self.shots = 0
        self.occluded = False
        self.stalled = False
        self.prompt = None  # text of a console line being typed, or None
        self.message = ""
        self._seen_requests = 0

    def run(self):
        return curses.wrapper(self._main)

    def save_screenshot(self, snap):
        path = self.screenshot or os.path.join(SHOT_DIR, "sim-screenshot.png")
        if self.shots:
            root, ext = path.rsplit(".", 1) if "." in path else (path, "png")
            path = "%s-%d.%s" % (root, self.shots + 1, ext)
        self.shots += 1
        view.save_frame_png(snap["frame"], path)
        self.message = "saved %s" % path

    def _key(self, ch):
        link = self.link
        if self.prompt is not None:
            if ch in (10, 13, curses.KEY_ENTER):
                link.type_bytes((self.prompt + "\r\n").encode())
                self.prompt = None
            elif ch == 27:
                self.prompt = None
            elif ch in (8, 127, curses.KEY_BACKSPACE):
                self.prompt = self.prompt[:-1]
            elif 32 <= ch < 127:
                self.prompt += chr(ch)
            return True
        presses = {ord("w"): "up", curses.KEY_UP: "up", ord("s"): "down",
                   curses.KEY_DOWN: "down", 10: "ok", 13: "ok", curses.KEY_ENTER: "ok",
                   ord(" "): "ok", ord("b"): "back", 27: "back", curses.KEY_BACKSPACE: "back"}
        holds = {ord("W"): "up", ord("S"): "down", ord("O"): "ok", ord("B"): "back"}
        if ch in presses:
            link.action("press %s 150" % presses[ch])
        elif ch in holds:
            link.action("press %s %d" % (holds[ch], HOLD_MS))
        elif ch == ord("o"):
            self.occluded = not self.occluded
            link.action("fault occlusion" if self.occluded else "fault occlusion_clear")
        elif ch == ord("k"):
            self.stalled = not self.stalled
            link.action("fault stall" if self.stalled else "fault stall_clear")
        elif ch == ord("e"):
            link.action("fault empty")
        elif ch == ord("p"):
            self.save_screenshot(link.snapshot())
        elif ch == ord(":"):
            self.prompt = ""
        elif ch in (ord("q"), 3):  # q or Ctrl-C
            return False
        return True

    def _main(self, scr):
        curses.raw()  # Ctrl-C arrives as a key: we stop the firmware ourselves
        curses.curs_set(0)
        scr.nodelay(True)
        scr.keypad(True)
        try:
            curses.set_escdelay(25)
        except AttributeError:
            pass
        running = True
        while running and self.link.proc.poll() is None:
            ch = scr.getch()
            while ch != -1 and running:
                running = self._key(ch)
                ch = scr.getch()
            snap = self.link.snapshot()
            while self._seen_requests < len(self.link.shots):
                # A scenario `screenshot`: the frame of its moment, not of now.
                shot = dict(snap, frame=self.link.shots[self._seen_requests])
                self._seen_requests += 1
                self.save_screenshot(shot)
            h, w = scr.getmaxyx()
            lines = view.screen_lines(snap, self.info, w - 1, h - 1)
            if self.prompt is not None:
                lines.append("console> " + self.prompt + "_")
            elif self.message:
                lines.append(self.message)
            scr.erase()
            for i, line in enumerate(lines[:h - 1]):
                try:
                    scr.addstr(i, 0, line[:w - 1])
                except curses.error:
                    pass
            scr.refresh()
            time.sleep(0.05)
        return running
