# plunger-test: both
# A short console fuzz in `make test` (issue 17): 3,000 lines of commands,
# mutations, invalid UTF-8, escape sequences, control bytes, Ctrl-C and
# 10 KB lines, with bolus and other delivery prompts interleaved, through
# Console.serve() on the real pump facade. No `internal` reply, no delivery
# call without its OK press, and the console still answers at the end. The
# 100,000-line runs are in the bench (m_fuzz_console, and the simulator's pty).
from console_fuzzkit import Harness


def test_3000_fuzzed_lines_on_the_real_facade():
    h = Harness(seed=7).run(3000)
    assert h.lines == 3000
    assert h.internal == 0, h.out[-8:]
    assert h.violations == []
    assert h.con.restarts == 0
    assert h.pump.cfg["ui"]["require_button_confirm"] is True
    assert h.long_lines > 50 and h.interrupts > 0
    assert h.confirm.yes > 20 and h.confirm.asked > h.confirm.yes  # both answers were fuzzed
    assert h.answers()


def test_another_seed_reaches_deliveries_too():
    h = Harness(seed=99).run(1500)
    assert h.internal == 0 and h.violations == []
    kinds = [r[3] for r in h.pump.journal.read().records]
    assert "bolus_start" in kinds  # the fuzz does get through to the motor commands
    assert h.answers()
