# plunger-test: both
# The OK-button confirmer, on virtual time.
import asyncio

from console.confirm import ButtonConfirmer
from testkit import run_async
from vclock import VirtualClock


class Presses:
    def __init__(self):
        self.pending = False

    def press(self):
        self.pending = True

    def take(self):
        p = self.pending
        self.pending = False
        return p


def _run(clock, coro, actions):
    """Run the confirmer while scripted presses happen at virtual times."""
    result = []

    async def main():
        async def ask():
            result.append(await coro)

        t = asyncio.create_task(ask())

        def on_advance(now):
            for at, fn in actions:
                if at == now:
                    fn()

        await clock.run_until(60000, on_advance)
        await t

    run_async(main())
    return result[0]


def test_press_within_timeout_confirms():
    clock = VirtualClock()
    p = Presses()
    shown = []
    c = ButtonConfirmer(clock, p.take, shown.append)
    assert _run(clock, c("bolus 1.000 U", 30000), [(1000, p.press)]) is True
    assert shown[0].endswith("bolus 1.000 U") and shown[-1] is None


def test_no_press_times_out_false():
    clock = VirtualClock()
    p = Presses()
    c = ButtonConfirmer(clock, p.take)
    assert _run(clock, c("prime", 30000), [(31000, p.press)]) is False


def test_press_before_the_question_does_not_count():
    clock = VirtualClock()
    p = Presses()
    p.press()
    c = ButtonConfirmer(clock, p.take)
    assert _run(clock, c("rewind", 5000), []) is False
