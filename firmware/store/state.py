# The pump state the journal implies, folded record by record.
#
# The same fold runs at boot (over everything read back) and while the pump
# runs (over each record as it is written), so the checkpoint that starts a
# new journal segment is exactly what a reboot would have rebuilt.
#
# Record data the fold understands (amounts in milliunits):
#   bolus_start {"now_mu", "extended_mu", "duration_min"}   before the first step
#   bolus_end   {"delivered_mu"}                            after the last step
#   basal       {"mu"}             basal delivered since the previous basal record
#   temp_start  {"duration_min", "percent" | "rate_mu_per_h"}   temp_end {}
#   suspend {}  resume {}  stop {"reason"} (an alarm stopped delivery: kept
#   as suspended, so only a resume starts basal again)
#   prime {"amount_mu"}  reservoir {"amount_mu"}
#   profile {"name"} selects a profile; with "segments" it only defines one
#   boot {...}  checkpoint {see checkpoint()}
# These are the shapes Engine.pop_events() produces (extra keys ignored).
# Unknown kinds are kept in the journal and ignored here.


from micropython import const

# Deliveries older than this no longer matter (IOB and the 24 h limits).
WINDOW_MS = const(25 * 3600 * 1000)


def _int(v, lo=0, hi=10**9):
    # Journal data passed its CRC, but a bug elsewhere must not become a
    # crash or a huge number here.
    if type(v) is not int or v < lo or v > hi:
        return None
    return v


# Records the Recorder writes with its basal total settled: after one of
# these, only basal delivered since can be missing from the journal.
_BASAL_MARKS = ("basal", "boot", "bolus_start", "temp_start", "temp_end", "suspend", "stop")


class JournalState:
    def __init__(self):
        self.boot = 0  # boots seen in the journal
        self.boot_end_ms = [0]  # last now_ms seen in each boot
        self.boot_wall = [None]  # (now_ms, wall_s) pair of each boot, if known
        self.boot_base_ms = [0]  # monotonic time of all earlier boots
        # [boot, now_ms, wall_s, amount_mu, kind], oldest first; only those
        # that may lie inside WINDOW_MS (see _trim), and only while
        # keep_deliveries (boot sets it False once recovery has used them:
        # the running pump's checkpoints never need them).
        self.deliveries = []
        self.keep_deliveries = True
        self.open_bolus = None  # [boot, now_ms, wall_s, requested_mu]
        self.suspended = False
        self.temp = None  # [boot, now_ms, wall_s, duration_min, key, value]
        self.reservoir_mu = None
        self.profile = None
        self.last_seq = None
        self.ignored = 0  # records with data the fold refused
        # (boot, now_ms, wall_s) of the last record after which the Recorder
        # starts a new basal total (a basal record, or one that settles basal
        # first, or a boot): basal since then may not be on flash yet.
        self.basal_mark = None

    def _at(self, now_ms, wall_s):
        if now_ms < self.boot_end_ms[self.boot]:
            self._new_boot()  # now_ms went back: a boot without its record
        self.boot_end_ms[self.boot] = now_ms
        if wall_s is not None:
            self.boot_wall[self.boot] = (now_ms, wall_s)

    def _new_boot(self):
        self.boot_base_ms.append(self.boot_base_ms[self.boot] + self.boot_end_ms[self.boot])
        self.boot += 1
        self.boot_end_ms.append(0)
        self.boot_wall.append(None)

    def _trim(self):
        # Monotonic time since a delivery is a lower bound of its age (time
        # powered off is not counted), so once that passes the window it
        # can never matter again; the rest stay until recovery looks.
        d = self.deliveries
        now = self.boot_base_ms[self.boot] + self.boot_end_ms[self.boot]
        base = self.boot_base_ms
        while d and now - (base[d[0][0]] + d[0][1]) >= WINDOW_MS:
            d.pop(0)

    def _delivered(self, now_ms, wall_s, amount_mu, kind):
        if amount_mu and self.keep_deliveries:
            self._trim()
            self.deliveries.append([self.boot, now_ms, wall_s, amount_mu, kind])
            if self.reservoir_mu is not None:
                self.reservoir_mu = max(0, self.reservoir_mu - amount_mu)

    def add(self, rec):
        seq, wall_s, now_ms, kind, d = rec
        self.last_seq = seq
        if kind == "boot":
            self._new_boot()
        self._at(now_ms, wall_s)
        if kind in _BASAL_MARKS:
            self.basal_mark = (self.boot, now_ms, wall_s)
        if kind == "bolus_start":
            now_mu = _int(d.get("now_mu", 0))
            ext_mu = _int(d.get("extended_mu", 0))
            if now_mu is None or ext_mu is None:
                # Damaged amounts: count the largest the firmware could have
                # commanded rather than nothing.
                now_mu, ext_mu = 10**6, 0
                self.ignored += 1
            self.open_bolus = [self.boot, now_ms, wall_s, now_mu + ext_mu]
        elif kind == "bolus_end":
            got = _int(d.get("delivered_mu", 0))
            if self.open_bolus is not None:
                req = self.open_bolus[3]
                if got is None or got > req:
                    got = req
                self.open_bolus = None
                self._delivered(now_ms, wall_s, got, "uncertain" if d.get("uncertain") else "bolus")
            else:
                self.ignored += 1
        elif kind == "basal":
            mu = _int(d.get("mu", 0))
            if mu is None:
                self.ignored += 1
            else:
                self._delivered(now_ms, wall_s, mu, "basal")
        elif kind == "temp_start":
            dur = _int(d.get("duration_min"), 1, 24 * 60)
            key = "percent" if d.get("percent") is not None else "rate_mu_per_h"
            val = _int(d.get(key))
            if dur is None or val is None:
                self.ignored += 1
                self.temp = None
            else:
                self.temp = [self.boot, now_ms, wall_s, dur, key, val]
        elif kind == "temp_end":
            self.temp = None
        elif kind == "suspend" or kind == "stop":
            self.suspended = True
            self.temp = None
        elif kind == "resume":
            self.suspended = False
        elif kind == "prime":
            mu = _int(d.get("amount_mu", 0))
            if mu and self.reservoir_mu is not None:
                self.reservoir_mu = max(0, self.reservoir_mu - mu)
        elif kind == "reservoir":
            self.reservoir_mu = _int(d.get("amount_mu"))
        elif kind == "profile":
            name = d.get("name")
            if "segments" not in d:
                self.profile = name if isinstance(name, str) else None
        elif kind == "checkpoint":
            self._load_checkpoint(d)

    # -- checkpoint: what a new segment must carry so old ones can go --------
    def checkpoint(self):
        d = {"suspended": self.suspended, "reservoir_mu": self.reservoir_mu,
             "profile": self.profile}
        if self.open_bolus is not None:
            d["open_bolus_mu"] = self.open_bolus[3]
        if self.temp is not None:
            t = self.temp
            # Only a temp with a known wall start can be resumed after a
            # reset, so that is all the checkpoint keeps.
            if t[2] is not None:
                d["temp"] = [t[2], t[3], t[4], t[5]]
        return d

    def _load_checkpoint(self, d):
        self.suspended = d.get("suspended") is not False  # damaged = suspended
        self.reservoir_mu = _int(d.get("reservoir_mu"))
        p = d.get("profile")
        self.profile = p if isinstance(p, str) else None
        ob = d.get("open_bolus_mu")
        if ob is not None:
            ob = _int(ob)
            self.open_bolus = [self.boot, self.boot_end_ms[self.boot], None,
                               10**6 if ob is None else ob]
        t = d.get("temp")
        self.temp = None
        if isinstance(t, list) and len(t) == 4 and t[2] in ("percent", "rate_mu_per_h"):
            wall0, dur, key, val = _int(t[0], 0, 2**40), _int(t[1], 1, 1440), t[2], _int(t[3])
            if wall0 is not None and dur is not None and val is not None:
                # Stored by its wall start; now_ms is unknown, mark with -1.
                self.temp = [self.boot, -1, wall0, dur, key, val]
