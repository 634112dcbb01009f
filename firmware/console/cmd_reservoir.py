# prime, rewind and refill: changing the syringe. Prime and rewind move the
# motor (Pending, OK button); refill only tells the pump what the new
# syringe holds, which makes "units left", "hours left" and the
# low-reservoir alarm meaningful.

from console import parse
from console.parse import Usage, format_mu
from console.reply import Pending, ok
from console.words import nargs


def run(c, cmd, args):
    if cmd == "prime":
        return _prime(c, args)
    if cmd == "rewind":
        nargs(args, 0, 0, "rewind")
        c.gates.check_rewind(c.facade, c.now_ms())  # refused before the OK prompt

        def go():
            return ok("rewind", c.facade.rewind(c.now_ms()), "rewinding to home")

        return Pending("rewind", "rewind the plunger to home", go)
    nargs(args, 1, 1, "refill U")
    amount = parse.units_mu(args[0], "reservoir amount")
    return ok("refill", c.facade.new_reservoir(c.now_ms(), amount),
              "reservoir set to %s U" % format_mu(amount))


def _prime(c, args):
    nargs(args, 1, 1, "prime U")
    amount = parse.units_mu(args[0], "prime amount")
    if amount == 0:
        raise Usage("prime of 0 U: nothing to do")
    c.gates.check_prime(c.facade, c.now_ms(), amount)  # refused before the OK prompt
    what = "prime %s U (fills the line; not counted as delivered)" % format_mu(amount)

    def go():
        return ok("prime", c.facade.prime(c.now_ms(), amount), "priming %s U" % format_mu(amount))

    return Pending("prime", what, go)
