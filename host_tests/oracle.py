# An independent exact reference for the delivery engine, for tests only.
#
# It models the pump the way a person would read the spec, in units and
# hours with exact fractions (Python's Fraction on CPython, a tiny stand-in on
# MicroPython, which has no fractions module):
#   volume per microstep = inner area x lead / (full steps x microsteps x gear)
#   commanded steps(t)   = floor(ideal basal units(t) x steps per unit)
#                          + for each bolus the steps due by t (cut at cancel)
# It shares no code with firmware/delivery. run_script() drives an Engine
# through a command script and records what it observed; check() compares.

try:
    from fractions import Fraction
except ImportError:  # MicroPython

    def _gcd(a, b):
        while b:
            a, b = b, a % b
        return a

    class Fraction:
        def __init__(self, n, d=1):
            if isinstance(n, Fraction):
                n, d = n.n * d, n.d
            if d < 0:
                n, d = -n, -d
            g = _gcd(abs(n), d) or 1
            self.n = n // g
            self.d = d // g

        def _f(self, o):
            return o if isinstance(o, Fraction) else Fraction(o)

        def __add__(self, o):
            o = self._f(o)
            return Fraction(self.n * o.d + o.n * self.d, self.d * o.d)

        __radd__ = __add__

        def __sub__(self, o):
            o = self._f(o)
            return Fraction(self.n * o.d - o.n * self.d, self.d * o.d)

        def __mul__(self, o):
            o = self._f(o)
            return Fraction(self.n * o.n, self.d * o.d)

        __rmul__ = __mul__

        def __truediv__(self, o):
            o = self._f(o)
            return Fraction(self.n * o.d, self.d * o.n)

        def __floordiv__(self, o):
            o = self._f(o)
            return (self.n * o.d) // (self.d * o.n)

        def __lt__(self, o):
            o = self._f(o)
            return self.n * o.d < o.n * self.d

        def __le__(self, o):
            o = self._f(o)
            return self.n * o.d <= o.n * self.d

        def __gt__(self, o):
            return not self.__le__(o)

        def __ge__(self, o):
            return not self.__lt__(o)

        def __eq__(self, o):
            o = self._f(o)
            return self.n == o.n and self.d == o.d


DAY_MS = 24 * 3600 * 1000
HOUR_MS = 3600 * 1000
GRID_MS = 30 * 60 * 1000


def floor(x):
    return x // 1


def steps_per_unit(area_mm2, lead_mm, full_steps, microsteps, units_per_ml=100):
    """Microsteps per unit, from the physics. area_mm2, lead_mm: Fractions."""
    ul_per_step = area_mm2 * lead_mm / (full_steps * microsteps)  # mm^3 = uL
    ul_per_unit = Fraction(1000, units_per_ml)
    return ul_per_unit / ul_per_step


BD3_M8 = steps_per_unit(Fraction(5789, 100), Fraction(5, 4), 200, 16)


class Oracle:
    """commands: [(t_ms, name, args)] that the engine accepted, in order.
    profiles: {name: [[start_min, rate_mu_per_h], ...]}."""

    def __init__(self, spu, profiles, active, tod_offset_ms, bolus_rate_mu_per_min, commands,
                 increment_mu=50):
        self.spu = spu
        self.inc = increment_mu
        self.profiles = profiles
        self.active = active
        self.off = tod_offset_ms
        self.bolus_u_per_ms = Fraction(bolus_rate_mu_per_min, 1000 * 60000)
        self.commands = commands
        self._build()

    def _state_at(self, s):
        """(suspended, profile, temp) in force at time s, replaying commands."""
        suspended = False
        profile = self.active
        temp = None
        for t, name, a in self.commands:
            if t > s:
                break
            if temp is not None and t >= temp[1]:
                temp = None
            if name == "suspend":
                suspended = True
                temp = None
            elif name == "resume":
                suspended = False
            elif name == "select_profile":
                profile = a["name"]
            elif name == "temp_basal":
                temp = (t, t + a["duration_min"] * 60000, a.get("percent"), a.get("rate_mu_per_h"))
            elif name == "cancel_temp_basal":
                temp = None
        if temp is not None and s >= temp[1]:
            temp = None
        return suspended, profile, temp

    def rate_u_per_h(self, s):
        suspended, profile, temp = self._state_at(s)
        if suspended:
            return Fraction(0)
        tod_min = ((s + self.off) % DAY_MS) // 60000
        sched = 0
        for start, rate in self.profiles[profile]:
            if start <= tod_min:
                sched = rate
        sched = Fraction(sched, 1000)
        if temp is None:
            return sched
        if temp[2] is not None:
            return sched * Fraction(temp[2], 100)
        return Fraction(temp[3], 1000)

    def _build(self):
        # Breakpoints where the rate may change; the integral is exact
        # between them because the rate is constant there.
        self.end = max([0] + [c[0] for c in self.commands]) + 4 * DAY_MS
        points = {0}
        first = (GRID_MS - self.off % GRID_MS) % GRID_MS
        t = first
        while t <= self.end:
            points.add(t)
            t += GRID_MS
        for t, name, a in self.commands:
            points.add(t)
            if name == "temp_basal":
                points.add(t + a["duration_min"] * 60000)
        self.points = sorted(points)
        self.rates = [self.rate_u_per_h(p) for p in self.points]
        self.cum = [Fraction(0)]
        for i in range(1, len(self.points)):
            dt = self.points[i] - self.points[i - 1]
            self.cum.append(self.cum[-1] + self.rates[i - 1] * Fraction(dt, HOUR_MS))
        self.boluses = []
        self.final = {}
        cur = None
        for t, name, a in self.commands:
            if name == "bolus":
                # requests round down to the bolus increment
                now_mu = a["now_mu"] - a["now_mu"] % self.inc
                ext_mu = a.get("extended_mu", 0) - a.get("extended_mu", 0) % self.inc
                cur = [t, now_mu, ext_mu, a.get("duration_min", 0), None]
                self.boluses.append(cur)
            elif name in ("cancel_bolus", "suspend") and cur is not None and cur[4] is None:
                cur[4] = t

    def basal_units(self, t):
        lo, hi = 0, len(self.points) - 1
        while lo < hi:  # last point <= t
            mid = (lo + hi + 1) // 2
            if self.points[mid] <= t:
                lo = mid
            else:
                hi = mid - 1
        return self.cum[lo] + self.rates[lo] * Fraction(t - self.points[lo], HOUR_MS)

    def basal_steps(self, t):
        return floor(self.basal_units(t) * self.spu)

    def bolus_steps(self, t):
        total = 0
        per_ms = self.bolus_u_per_ms * self.spu  # steps per ms of a normal bolus
        for i, (t0, now_mu, ext_mu, dur_min, cut) in enumerate(self.boluses):
            if t0 >= t:
                break
            if i in self.final:  # finished or cut: its count no longer changes
                total += self.final[i]
                continue
            te = t if cut is None or t < cut else cut
            n_now = floor(Fraction(now_mu, 1000) * self.spu)
            d = floor(per_ms * (te - t0))
            part = d if d < n_now else n_now
            done = d >= n_now
            if ext_mu:
                n_ext = floor(Fraction(ext_mu, 1000) * self.spu)
                d = floor(Fraction(n_ext * (te - t0), dur_min * 60000))
                part += d if d < n_ext else n_ext
                done = done and d >= n_ext
            if done or te == cut:
                self.final[i] = part
            total += part
        return total

    def steps(self, t):
        return self.basal_steps(t) + self.bolus_steps(t)


def run_script(eng, script, end_ms, observe=(), on_obs=None):
    """Drive eng from its start to end_ms: plan() at every wake_ms, at every
    observation time and before every command. script: [(t_ms, name, args)]
    sorted by time; observe: sorted times. on_obs(t, steps_commanded,
    basal steps handed out) is called after every plan and command. Returns
    the commands the engine accepted."""
    from delivery.errors import Rejected

    accepted = []
    observe = list(observe)
    si = oi = 0
    t = eng.t_ms
    while t <= end_ms:
        # Commands first, then plan(): a command changes the next wake time.
        while si < len(script) and script[si][0] <= t:
            ts, name, args = script[si]
            si += 1
            try:
                getattr(eng, name)(ts, **args)
            except Rejected:
                continue
            accepted.append((ts, name, args))
            if on_obs is not None:
                on_obs(ts, eng.steps_commanded, eng.basal_out)
        _d, _n, _hz, wake = eng.plan(t)
        if on_obs is not None:
            on_obs(t, eng.steps_commanded, eng.basal_out)
        while oi < len(observe) and observe[oi] <= t:
            oi += 1
        nxt = wake
        if si < len(script) and script[si][0] < nxt:
            nxt = script[si][0]
        if oi < len(observe) and observe[oi] < nxt:
            nxt = observe[oi]
        if nxt <= t:
            nxt = t + 1
        t = nxt
    return accepted


class Checker:
    """Compares each observation with the oracle as it comes. worst: the
    largest deviation in steps; gap_worst: the largest gap between
    consecutive basal steps in ideal steps, which must be 1 give or take what
    the top rate delivers in 1 ms; nsteps: basal steps seen."""

    def __init__(self, oracle, max_rate_u_per_h):
        self.o = oracle
        self.eps = max_rate_u_per_h * oracle.spu / HOUR_MS  # steps per ms at the top rate
        self.worst = 0
        self.gap_worst = Fraction(0)
        self.prev_basal = None
        self.last_units = None
        self.nsteps = 0
        self.count = 0

    def observe(self, t, commanded, basal_out):
        o = self.o
        self.count += 1
        units = o.basal_units(t)
        dev = abs(commanded - floor(units * o.spu) - o.bolus_steps(t))
        if dev > self.worst:
            self.worst = dev
        prev = self.prev_basal
        if prev is not None and basal_out > prev:
            # A basal step is handed out the very ms it falls due.
            assert o.basal_steps(t - 1) < basal_out, (t, basal_out)
            if self.last_units is not None and basal_out == prev + 1:
                gap = (units - self.last_units) * o.spu
                assert gap <= 1 + self.eps and gap + self.eps >= 1, (t, gap)
                if gap > self.gap_worst:
                    self.gap_worst = gap
            self.last_units = units
            self.nsteps += basal_out - prev
        self.prev_basal = basal_out
