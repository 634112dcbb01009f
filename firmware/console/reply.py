# What a command answers, in one shape for both output modes: a human text
# and a JSON object {"ok": true, "cmd", "data"} or {"ok": false, "cmd",
# "error", "code"}.

import json


class Usage(Exception):
    """A wrong or out-of-range argument; the message says which and why.
    (Here, not in parse.py, so the shell can catch it without loading the
    parser at boot.)"""


class Reply:
    def __init__(self, ok, cmd, data=None, text=None, error=None, code=None):
        self.ok = ok
        self.cmd = cmd
        self.data = data
        self.text = text
        self.error = error
        self.code = code

    def to_json(self):
        obj = {"ok": self.ok, "cmd": self.cmd}
        if self.ok:
            obj["data"] = self.data
        else:
            obj["error"] = self.error
            obj["code"] = self.code
        return json.dumps(obj)

    def to_text(self):
        if self.ok:
            return self.text if self.text is not None else "ok"
        return "error: %s" % self.error


def ok(cmd, data=None, text=None):
    return Reply(True, cmd, data, text)


def fail(cmd, code, error):
    return Reply(False, cmd, error=error, code=code)


class Pending:
    """A command that can raise what is delivered and waits for the OK
    button. Nothing has been sent to the pump yet: Console.finish(pending,
    True) runs `action` (a zero-argument callable returning a Reply).
    always: ask even when ui.require_button_confirm is off (turning it off)."""

    def __init__(self, cmd, prompt, action, preview=None, always=False):
        self.cmd = cmd
        self.prompt = prompt
        self.action = action
        self.preview = preview
        self.always = always
