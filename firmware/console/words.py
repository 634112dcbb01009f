# Small argument checks every command group shares (kept apart from parse.py
# so a group that needs only these does not load the calendar code).

from console.reply import Usage


def nargs(args, lo, hi, usage):
    if len(args) < lo or len(args) > hi:
        raise Usage("usage: " + usage)


def name(text, what):
    """A profile or alarm name: 1..16 ASCII letters, digits, _ or -."""
    if not text or len(text) > 16:
        raise Usage("%s must be 1..16 characters" % what)
    for c in text:
        if not (("a" <= c <= "z") or ("A" <= c <= "Z") or ("0" <= c <= "9") or c in "_-"):
            raise Usage("%s may only hold letters, digits, _ and -: %r" % (what, text))
    return text
