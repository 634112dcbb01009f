"""Flash wear: journal bytes written in a simulated day of typical use, from
the safety tests' scripted pump life (host_tests/test_faults_scenario: per
day 24 h basal, 5 boluses, 2 temp basals, a suspend, alarms with acks, a
refill, a prime and a reset), replayed on a journal that never rotates so
every byte ever appended is counted."""
import common

KEYS = ("flash.journal_bytes_per_day",)


def measure(ctx):
    try:
        import test_faults_scenario as sc
        from fakes_flash import FakeFlash
    except Exception as e:
        return [common.missing(KEYS[0], "store scenario not importable: %r" % (e,),
                               "< 32 KiB")]
    days = 1 if ctx["quick"] else 3
    big = FakeFlash()
    orig = sc.SEGMENT_BYTES, sc.MAX_SEGMENTS
    sc.SEGMENT_BYTES, sc.MAX_SEGMENTS = 1 << 22, 2
    try:
        sc.run(big, sc.Truth(), sc.script(24 * days))
    finally:
        sc.SEGMENT_BYTES, sc.MAX_SEGMENTS = orig
    journal = sum(len(d) for n, d in big.files.items() if n.startswith("/journal_"))
    per_day = journal // days
    return [common.figure(KEYS[0], per_day, "< 32 KiB (32768 B)", per_day < 32768, {
        "days": days, "all_flash_bytes_written_per_day": big.bytes_written // days,
        "source": "host_tests/test_faults_scenario.script/run on fakes_flash.FakeFlash"}, "B")]
