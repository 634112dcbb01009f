# suspend and resume. Resuming moves the motor (basal), so it asks for OK.

from console.reply import Pending, ok
from console.words import nargs


def run(c, cmd, args):
    nargs(args, 0, 0, cmd)
    if cmd == "suspend":
        return ok("suspend", c.facade.suspend(c.now_ms()), "delivery suspended")

    c.gates.check_resume(c.facade, c.now_ms())  # refused before the OK prompt

    def go():
        return ok("resume", c.facade.resume(c.now_ms()), "delivery resumed")

    return Pending("resume", "resume basal delivery", go)
