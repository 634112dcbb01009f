# The console: turns typed lines into pump commands and replies, in human
# text or JSON lines, and prints log lines and alarms without garbling the
# line being typed.
#
# Split for testing: handle(line) and finish(pending, confirmed) are plain
# synchronous calls (the property test feeds them 100,000 lines); run_line()
# and serve() add the OK-button wait and the byte-at-a-time reader on top.
#
# Each command group is its own module, console/cmd_GROUP.py with one
# run(console, command, args), imported the first time one of its commands
# is typed: a pump that only ever hears `status` never loads the bolus,
# config, calibration or help code. status and bolus stay loaded once used
# (what a pump hears most); every other group is dropped again after its
# command, so a console session never holds them all at once.

import gc
import json
import sys

from console.lineedit import LineEditor
from console.reply import Pending, Usage, fail

PROMPT = "plunger> "
CONFIRM_TIMEOUT_MS = 30000
_LEVELS = {"debug": 0, "info": 1, "warn": 2, "error": 3}
CONFIRM_FLAG = "ui.require_button_confirm"

# command -> group module (console/cmd_<group>.py)
GROUPS = {
    "status": "status", "bolus": "bolus", "cancel": "bolus", "temp": "temp",
    "suspend": "suspend", "resume": "suspend",
    "prime": "reservoir", "rewind": "reservoir", "refill": "reservoir",
    "profile": "profile", "history": "history", "alarms": "alarms", "ack": "alarms",
    "config": "config", "time": "time", "calibrate": "calibrate",
    "version": "info", "board": "info", "log": "info", "json": "info", "help": "help",
    "reset": "reset",
}
_KEEP = ("status", "bolus")  # what a pump hears most; every other group is dropped after use


def group(name):
    """The module of one command group, imported on first use."""
    full = "console.cmd_" + name
    mod = sys.modules.get(full)
    if mod is None:
        __import__(full)
        mod = sys.modules[full]
    return mod


def drop(name):
    """Forget a group module so the GC can free it (it loads again if used)."""
    from lazy import drop as forget

    forget("console.cmd_" + name)


def _stop_app():
    # Same path as a Ctrl-C the port catches itself: the app's run() turns
    # KeyboardInterrupt into "motor off, back to the REPL".
    raise KeyboardInterrupt


class Console:
    def __init__(self, facade, now_ms, write, confirmer=None,
                 confirm_timeout_ms=CONFIRM_TIMEOUT_MS, on_interrupt=_stop_app, gates=None):
        """facade: the pump (firmware/pump.py); now_ms: the clock's now_ms;
        write(str): the serial output; confirmer: async (prompt, timeout_ms)
        -> bool, True when OK was pressed in time; gates: the confirmation
        policy and dry-run checks (firmware/gates.py, the default)."""
        self._gates = gates  # None: firmware/gates.py, imported on first use
        self.facade = facade
        self.now_ms = now_ms
        self.write = write
        self.confirmer = confirmer
        self.confirm_timeout_ms = confirm_timeout_ms
        self.on_interrupt = on_interrupt
        self.editor = LineEditor(write)
        self.json = False
        self.log_level = "info"
        self.calibration = None  # mU dispensed, waiting for the weighed mass
        self.busy = False  # a command (or its OK wait) is running
        self.restarts = 0  # times the reader task recovered from an exception

    @property
    def gates(self):
        if self._gates is None:
            import gates

            self._gates = gates
        return self._gates

    def set_json(self, on):
        self.json = on
        self.editor.echo = not on  # scripts want replies only, no echo

    def confirm_required(self):
        try:
            return self.facade.config_get(CONFIRM_FLAG) is not False
        except Exception:
            return True  # unreadable flag: keep the safe default

    # ---- one line, synchronously ---------------------------------------

    def handle(self, line):
        """-> (Reply or Pending, json_mode for this reply). Never raises
        (a MemoryError is a no_memory reply); a Pending has sent nothing to
        the pump yet."""
        as_json = self.json
        words = line.split()
        if words and words[0].startswith("!"):
            as_json = True
            words[0] = words[0][1:]
            if not words[0]:
                words.pop(0)
        if words and words[-1] == "--json":
            as_json = True
            words.pop()
        if not words:
            return None, as_json
        name = words[0].lower()
        grp = GROUPS.get(name)
        if grp is None:
            return fail(name, "unknown_command", "unknown command %r; type help" % words[0]), as_json
        try:
            return self._call(name, _run_group, words[1:], grp), as_json
        finally:
            if grp not in _KEEP:
                drop(grp)

    def _call(self, name, fn, args, grp=None):
        try:
            return fn(self, name, args, grp)
        except Usage as e:
            return fail(name, "usage", str(e))
        except MemoryError:
            gc.collect()
            return fail(name, "no_memory", "out of memory during %s: check status" % name)
        except Exception as e:  # the pump refused, or a facade bug: one error line
            return _refusal(name, e)

    def finish(self, pending, confirmed):
        if not confirmed:
            return fail(pending.cmd, "not_confirmed",
                        "not confirmed on the pump: nothing was done")
        return self._call(pending.cmd, lambda _c, _n, _a, _g: pending.action(), None)

    # ---- rendering -------------------------------------------------------

    def render(self, reply, as_json):
        return reply.to_json() if as_json else reply.to_text()

    def _print(self, text):
        self.write(text.replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n")

    def prompt(self):
        if not self.json:
            self.write(PROMPT)

    def event(self, kind, data, text):
        """Asynchronous output (log line, alarm): erase the prompt and the
        partial line, print, then redraw them so typing carries on."""
        if self.json:
            self.write(json.dumps({"event": kind, "data": data}) + "\r\n")
            return
        if self.busy:
            self._print(text)
            return
        self.write("\r\x1b[K")
        self._print(text)
        self.write(PROMPT + self.editor.text())

    def log(self, level, message):
        if _LEVELS.get(level, 1) >= _LEVELS[self.log_level]:
            self.event("log", {"level": level, "msg": message}, "[%s] %s" % (level, message))

    def alarm(self, alarm):
        """alarm: a dict with at least "id" (firmware/store/alarms.py)."""
        self.event("alarm", alarm, "ALARM %s %s" % (alarm.get("id"), alarm.get("message", "")))

    # ---- one line, with the OK-button wait ---------------------------------

    async def run_line(self, line):
        self.busy = True
        try:
            reply, as_json = self.handle(line)
            if isinstance(reply, Pending):
                reply = await self._confirm(reply, as_json)
            if reply is not None:
                self._print(self.render(reply, as_json))
        finally:
            self.busy = False

    async def _confirm(self, pending, as_json):
        if not pending.always and not self.confirm_required():
            return self.finish(pending, True)
        timeout_s = self.confirm_timeout_ms // 1000
        if as_json:
            self._print(json.dumps({"event": "confirm", "data": {
                "cmd": pending.cmd, "prompt": pending.prompt, "timeout_s": timeout_s}}))
        else:
            self._print("%s: press OK on the pump to confirm (%d s)" % (pending.prompt, timeout_s))
        ok = False
        if self.confirmer is not None:
            try:
                ok = await self.confirmer(pending.prompt, self.confirm_timeout_ms)
            except Exception as e:  # a broken confirmer never counts as OK
                self.log("error", "confirm failed: %r" % (e,))
                ok = False
        return self.finish(pending, ok is True)

    # ---- the reader task -------------------------------------------------

    async def feed(self, ch):
        """One byte (int, 1-char str or bytes) from the serial line."""
        res = self.editor.feed(ch)
        if res is not None:
            await self._line_done(res)

    async def _line_done(self, res):
        if res[0] == "interrupt":
            self.on_interrupt()
        elif res[0] == "error":
            reply = fail("input", "bad_line", res[1])
            self._print(self.render(reply, self.json))
        elif res[1].strip():
            await self.run_line(res[1])
        self.prompt()

    async def serve(self, stream):
        """The console task: stream is asyncio.StreamReader over the board's
        USB serial (console/stdio.py), anything with an awaitable read(1) in
        tests. Ends only at EOF (or Ctrl-C, which stops the app).

        Nothing typed may end this task: delivery does not depend on it, but
        a dead console is a pump nobody can talk to, and the app treats any
        dying task as a fault that stops delivery. So an exception here
        (a bug, a MemoryError) is journaled and the reader starts over with
        an empty line; repeated failures back off so they cannot hog the
        loop."""
        self.prompt()
        backoff_ms = 0
        while True:
            try:
                await self._read_loop(stream)
                return  # EOF
            except Exception as e:  # noqa: BLE001 - see above; Ctrl-C is not an Exception
                self._restarted(e)
            await _sleep_ms(backoff_ms)
            backoff_ms = min(1000, backoff_ms * 2 + 10)

    async def _read_loop(self, stream):
        # readinto one preallocated byte: nothing is allocated per byte read.
        into = getattr(stream, "readinto", None)
        buf = bytearray(1)
        while True:
            try:
                if into is not None:
                    if not await into(buf):
                        return  # EOF
                    ch = buf[0]
                else:
                    ch = await stream.read(1)
                    if not ch:
                        return  # EOF
            except UnicodeError:
                # A text stream (sys.stdin without .buffer) that met invalid
                # UTF-8: the bytes are gone; the line they were in is bad.
                self.editor.feed(0xFF)
                continue
            res = self.editor.feed(ch)  # plain call: no coroutine made per byte
            if res is not None:
                await self._line_done(res)

    def _restarted(self, e):
        self.restarts += 1
        self.busy = False
        self.editor.reset()
        what = "%s: %s" % (type(e).__name__, e)
        n = self.restarts
        if n > 8 and n & (n - 1):
            return  # a failure that keeps coming: journal the 1st..8th, 16th, 32nd...
        rec = getattr(self.facade, "recorder", None)
        if rec is not None:
            try:
                rec.record(self.now_ms(), "console_restart", {"error": what[:80],
                                                             "count": self.restarts})
            except Exception:  # noqa: BLE001 - a full journal must not kill the console
                pass
        try:
            self._print("error: the console restarted after %s; delivery was not affected"
                        % what[:80])
            self.prompt()
        except Exception:  # noqa: BLE001 - the output itself may be what failed
            pass


async def _sleep_ms(ms):
    import asyncio

    if hasattr(asyncio, "sleep_ms"):
        await asyncio.sleep_ms(ms)
    else:  # CPython, in the host tests
        await asyncio.sleep(ms / 1000)


def _run_group(con, name, args, grp):
    # Inside Console._call, so a failing import is one error line too.
    return group(grp).run(con, name, args)


def _refusal(name, e):
    code = getattr(e, "code", None)
    if code is not None:
        return fail(name, str(code), str(e))  # delivery.errors.Rejected
    if isinstance(e, ValueError):
        return fail(name, "invalid", str(e))  # config_set validation
    if isinstance(e, KeyError):
        return fail(name, "not_found", "no such item: %s" % (e.args[0] if e.args else "?"))
    return fail(name, "internal", "internal error: %r" % (e,))
