# Power cut at every write point of a scripted 72-hour pump life (basal,
# boluses, a cancel, temp basals, suspends, alarms, planned and watchdog
# resets), with six ways the interrupted write can land. After each cut the
# pump reboots from the frozen flash and test_faults_scenario.check_after_cut
# verifies it is safe, explained and lost nothing confirmed. CPython only (it
# takes a few seconds); the 24-hour version runs on MicroPython too.
import test_faults_scenario as sc
from fakes_flash import FakeFlash

TEARS = (
    None,  # the fake's default: a varying prefix
    lambda n, w: 0,  # nothing of the write landed
    lambda n, w: 1,  # one byte
    lambda n, w: n // 2,
    lambda n, w: n - 1,  # all but the newline: CRC intact, record unfinished
    lambda n, w: n,  # all of it landed, the caller never heard back
)


def test_power_cut_at_every_write_point_72h_six_tear_modes():
    total = 0
    points = None
    for tear in TEARS:
        cuts, points = sc.sweep(72, tear=tear)
        assert cuts == points
        total += cuts
    assert points > 150
    assert total >= 1000
    print("power cuts tried: %d (%d write points x %d tear modes), violations: 0"
          % (total, points, len(TEARS)))


def test_journal_bytes_per_simulated_day_of_typical_use():
    # Each scripted day: 24 h basal, 5 boluses (one cancelled), 2 temp
    # basals, a suspend, 2 alarms with acks, a refill, a prime and a reset.
    flash = FakeFlash()
    before = {}
    sc.run(flash, sc.Truth(), sc.script(72))
    journal_bytes = 0
    for name, data in flash.files.items():
        if name.startswith("/journal_"):
            before[name] = len(data)
    # The journal rotated, so count what was appended, from the sequence:
    # read every record ever written by replaying on a journal that never rotates.
    big = FakeFlash()
    orig = sc.SEGMENT_BYTES, sc.MAX_SEGMENTS
    sc.SEGMENT_BYTES, sc.MAX_SEGMENTS = 1 << 20, 2
    try:
        sc.run(big, sc.Truth(), sc.script(72))
    finally:
        sc.SEGMENT_BYTES, sc.MAX_SEGMENTS = orig
    for name, data in big.files.items():
        if name.startswith("/journal_"):
            journal_bytes += len(data)
    per_day = journal_bytes // 3
    all_per_day = big.bytes_written // 3  # plus alarms.json rewrites
    print("journal bytes per simulated day: %d (all flash writes %d)" % (per_day, all_per_day))
    assert 0 < per_day < 32 * 1024
    assert all_per_day < 32 * 1024
    # The bounded journal holds at most its segments plus one record.
    on_flash = sum(before.values())
    assert on_flash <= sc.SEGMENT_BYTES * sc.MAX_SEGMENTS + 256
