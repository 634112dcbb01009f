# reset: restart the board on purpose. It leaves the reset note first
# (firmware/reset_note.py), so the pump comes back with no watchdog_reset
# alarm (an RP2040 reports any machine.reset() as a watchdog reset) and, on
# an RP2040, with the time of day its RTC loses in every reset. Refused while
# a bolus runs: a reset then would leave it uncertain.

from console.reply import fail
from console.words import nargs


def run(c, cmd, args):
    nargs(args, 0, 0, "reset")
    st = c.facade.status(c.now_ms())
    if st.get("bolus") is not None:
        return fail("reset", "bolus_running", "a bolus is running: `bolus cancel` first")
    import handover

    chip = handover.chip_of(c.facade.board_info().get("platform"))
    c.write("resetting (deliberate: no watchdog alarm)\r\n")
    handover.deliberate_reset(handover.ResetNote(chip))
