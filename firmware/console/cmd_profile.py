# profile: show, select and edit the daily basal profiles (rates in U/h).
# Selecting another profile or saving one can raise basal: both wait for OK,
# after the same checks the engine makes.

from console import parse, render
from console.parse import Usage
from console.reply import Pending, ok
from console.words import name, nargs

_USAGE = "profile [show [NAME]] | profile select NAME | profile edit NAME 00:00=0.8 06:00=1.2 ..."


def run(c, cmd, args):
    sub = args[0] if args else "show"
    if sub == "show":
        nargs(args, 0, 2, _USAGE)
        profiles = c.facade.config_get("profiles")
        active = c.facade.status(c.now_ms()).get("profile")
        names = [args[1]] if len(args) == 2 else sorted(profiles)
        for n in names:
            if n not in profiles:
                raise Usage("no profile named %r" % n)
        data = {"active": active, "profiles": dict((n, profiles[n]) for n in names)}
        text = "\r\n".join(render.profile(n, profiles[n], n == active) for n in names)
        return ok("profile", data, text or "no profiles")
    if sub == "select":
        nargs(args, 2, 2, "profile select NAME")
        pname = name(args[1], "profile name")

        def select():
            res = c.facade.select_profile(c.now_ms(), pname)
            return ok("profile", res, "profile %s selected" % pname)

        if c.gates.check_select_profile(c.facade, c.now_ms(), pname):  # another profile: may raise basal
            return Pending("profile", "switch basal to profile %s" % pname, select)
        return select()
    if sub == "edit":
        if len(args) < 3:
            raise Usage("usage: profile edit NAME 00:00=0.8 06:00=1.2 ...")
        pname = name(args[1], "profile name")
        segs = segments(args[2:])
        c.gates.check_set_profile(c.facade, c.now_ms(), pname, segs)

        def save():
            res = c.facade.set_profile(c.now_ms(), pname, segs)
            return ok("profile", res, "profile %s saved (%d segments)" % (pname, len(segs)))

        top = max(seg[1] for seg in segs)
        return Pending("profile", "save profile %s, %d segments, up to %s U/h" % (
            pname, len(segs), parse.format_mu(top)), save)
    raise Usage("usage: " + _USAGE)


def segments(words):
    segs = []
    for w in words:
        t, eq, r = w.partition("=")
        if not eq:
            raise Usage("segment must be HH:MM=U/H, not %r" % w)
        start = parse.clock_min(t, "segment start")
        rate = parse.units_mu(r, "segment rate (U/h)")
        if segs and start <= segs[-1][0]:
            raise Usage("segments must be in time order: %r" % w)
        if not segs and start != 0:
            raise Usage("the first segment must start at 00:00")
        segs.append([start, rate])
    if not segs:
        raise Usage("a profile needs at least one segment")
    return segs
