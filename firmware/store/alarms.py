# Alarms: priorities, escalation, acknowledgement, and persistence until
# acknowledged.
#
# The active alarms live in /alarms.json (a CRC, a space, then JSON),
# replaced atomically on every raise and acknowledgement, so they survive a
# reset even after the journal has rotated the original record away. The journal gets an "alarm"/"ack" record
# too (history). Delivery-stopping alarms keep the motor off until the user
# acknowledges them.

import binascii
import json

from store.fs import write_atomic

from micropython import const

HIGH = const(3)
MEDIUM = const(2)
LOW = const(1)

# id: (priority, stops delivery)
KINDS = {
    "occlusion": (HIGH, True),
    "empty": (HIGH, True),
    "motor_fault": (HIGH, True),
    "config_error": (HIGH, True),
    "uncertain_delivery": (HIGH, True),
    "watchdog_reset": (HIGH, True),
    "task_died": (HIGH, True),
    "storage_error": (HIGH, True),
    "low_reservoir": (MEDIUM, False),
    "low_battery": (MEDIUM, False),
    "no_time": (LOW, False),
    "button_stuck": (LOW, False),
}

# First reminder after raising, per priority; each unacknowledged reminder
# halves the interval down to the floor (escalation).
_FIRST_REMINDER_MS = {HIGH: 60000, MEDIUM: 300000, LOW: 900000}
_FLOOR_MS = const(15000)
_MAX_DETAIL = const(120)
_MAX_FILE = const(4096)
PATH = "/alarms.json"


class AlarmManager:
    def __init__(self, fs, journal_fn=None, path=PATH):
        """journal_fn(kind, data) appends a record (or None: no history)."""
        self.fs = fs
        self.journal_fn = journal_fn
        self.path = path
        self._active = []  # dicts: id, priority, stops, detail, next_ms, interval_ms, reminders
        self.load_problem = None

    # -- persistence ---------------------------------------------------------
    def load(self, now_ms):
        """Bring back the alarms active before the reset. A damaged file
        cannot say which alarms were on, so it becomes a storage_error alarm
        (delivery stays off until someone looks)."""
        self._active = []
        try:
            raw = self.fs.read(self.path, _MAX_FILE)
            saved = []
            if raw is not None:
                # "<crc32hex> <json>": a bit flip that still parses must not
                # quietly drop an alarm.
                if int(raw[:8], 16) != binascii.crc32(raw[9:]) & 0xFFFFFFFF:
                    raise ValueError("alarms file checksum")
                saved = json.loads(raw[9:])["active"]
            for a in saved:
                aid = a[0]
                if aid not in KINDS:
                    raise ValueError("unknown alarm")
                self._add(aid, str(a[1])[:_MAX_DETAIL], now_ms)
        except MemoryError:
            raise
        except Exception:
            self.load_problem = "alarms file damaged"
            self._add("storage_error", "alarms file damaged", now_ms)
        return self.active()

    def _save(self):
        data = json.dumps({"active": [[a["id"], a["detail"]] for a in self._active]}).encode()
        write_atomic(self.fs, self.path, b"%08x " % (binascii.crc32(data) & 0xFFFFFFFF) + data)

    def _add(self, aid, detail, now_ms):
        pri, stops = KINDS[aid]
        for a in self._active:
            if a["id"] == aid:
                a["detail"] = detail
                return False
        first = _FIRST_REMINDER_MS[pri]
        self._active.append({"id": aid, "priority": pri, "stops": stops, "detail": detail,
                             "interval_ms": first, "next_ms": now_ms, "reminders": 0})
        return True

    # -- the API -------------------------------------------------------------
    def raise_alarm(self, aid, now_ms, detail=""):
        """Raise (or refresh) an alarm; persisted before this returns.
        Unknown ids raise ValueError (a firmware bug, not a user problem)."""
        if aid not in KINDS:
            raise ValueError("unknown alarm id %r" % (aid,))
        detail = str(detail)[:_MAX_DETAIL]
        new = self._add(aid, detail, now_ms)
        self._save()
        if new and self.journal_fn is not None:
            self.journal_fn("alarm", {"id": aid, "detail": detail})
        return new

    def acknowledge(self, aid, now_ms):
        """The user saw it. Returns True if it was active."""
        for i, a in enumerate(self._active):
            if a["id"] == aid:
                del self._active[i]
                self._save()
                if self.journal_fn is not None:
                    self.journal_fn("ack", {"id": aid})
                return True
        return False

    def active(self):
        """Active alarms, highest priority first: list of (id, priority, detail)."""
        out = [(a["id"], a["priority"], a["detail"]) for a in self._active]
        out.sort(key=lambda t: -t[1])
        return out

    def is_active(self, aid):
        for a in self._active:
            if a["id"] == aid:
                return True
        return False

    def delivery_blocked(self):
        """True while any delivery-stopping alarm is unacknowledged."""
        for a in self._active:
            if a["stops"]:
                return True
        return False

    def due(self, now_ms):
        """Alarms to announce now (buzzer, display), and escalate them: the
        next reminder comes sooner each time it is ignored."""
        out = []
        for a in self._active:
            if now_ms - a["next_ms"] >= 0:
                out.append((a["id"], a["priority"], a["detail"], a["reminders"]))
                a["reminders"] += 1
                a["interval_ms"] = max(_FLOOR_MS, a["interval_ms"] // 2) if a["reminders"] > 1 \
                    else a["interval_ms"]
                a["next_ms"] = now_ms + a["interval_ms"]
        out.sort(key=lambda t: -t[1])
        return out
