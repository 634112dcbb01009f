# plunger-test: both
# The delivery journal: checksummed lines, torn tails, rotation, checkpoints.
from fakes_flash import FakeFlash
from store import journal as jmod
from store.journal import Journal
from store.state import JournalState


def _fill(j, n, kind="basal"):
    seqs = []
    for i in range(n):
        seqs.append(j.append(1700000000 + i, 1000 * i, kind, {"mu": i + 1}))
    return seqs


def test_encode_decode_round_trip():
    line = jmod.encode(7, None, 1234, "bolus_start", {"now_mu": 2000, "extended_mu": 0})
    assert line.endswith(b"\n")
    rec = jmod.decode(line[:-1])
    assert rec == (7, None, 1234, "bolus_start", {"now_mu": 2000, "extended_mu": 0})
    rec = jmod.decode(jmod.encode(8, 1700000000, 5, "ack", {"id": "empty"})[:-1])
    assert rec[1] == 1700000000


def test_a_changed_byte_fails_the_checksum():
    line = bytearray(jmod.encode(7, None, 1234, "basal", {"mu": 2000})[:-1])
    for i in range(len(line)):
        bad = bytearray(line)
        bad[i] = bad[i] ^ 0x04
        assert jmod.decode(bytes(bad)) is None, i


def test_records_survive_a_reboot_in_order():
    flash = FakeFlash()
    j = Journal(flash)
    j.read()
    _fill(j, 20)
    j2 = Journal(flash.reboot())
    rep = j2.read()
    assert [r[0] for r in rep.records] == list(range(20))
    assert rep.damaged == 0 and not rep.torn_tail and rep.describe() is None
    assert j2.append(None, 0, "boot", {}) == 20


def test_torn_tail_is_skipped_reported_and_never_appended_to():
    flash = FakeFlash()
    j = Journal(flash)
    j.read()
    _fill(j, 5)
    seg = "/journal_000000.log"
    flash.files[seg] = flash.files[seg] + jmod.encode(5, None, 9, "basal", {"mu": 1})[:17]
    j2 = Journal(flash)
    rep = j2.read()
    assert len(rep.records) == 5 and rep.torn_tail and rep.damaged == 1
    assert "torn" in rep.describe()
    j2.append(None, 10, "boot", {})  # must not glue onto the torn bytes
    rep = Journal(flash).read()
    assert [r[3] for r in rep.records][-1] == "boot"
    assert len(rep.records) == 6


def test_corrupt_middle_record_is_skipped_and_counted():
    flash = FakeFlash()
    j = Journal(flash)
    j.read()
    _fill(j, 6)
    seg = "/journal_000000.log"
    lines = flash.files[seg].split(b"\n")
    lines[2] = b"garbage|" + lines[2][8:]
    flash.files[seg] = b"\n".join(lines)
    rep = Journal(flash).read()
    assert [r[0] for r in rep.records] == [0, 1, 3, 4, 5]
    assert rep.damaged == 1 and rep.seq_gaps == 1 and not rep.torn_tail


def test_rotation_bounds_the_size_and_keeps_the_newest():
    flash = FakeFlash()
    j = Journal(flash, segment_bytes=1024, max_segments=3)
    j.read()
    _fill(j, 500)
    total = 0
    for name in flash.listdir("/"):
        total += flash.size("/" + name)
    assert len(flash.listdir("/")) == 3
    assert total <= 3 * 1024 + 200
    rep = Journal(flash.reboot()).read()
    assert rep.records[-1][0] == 499 and rep.damaged == 0
    seqs = [r[0] for r in rep.records]
    assert seqs == list(range(seqs[0], 500))


def test_checkpoint_keeps_the_state_when_old_segments_go():
    flash = FakeFlash()
    j = Journal(flash, segment_bytes=512, max_segments=2)
    j.read()
    fold = JournalState()
    j.checkpoint = fold.checkpoint

    def rec(kind, data):
        seq = j.append(None, 0, kind, data)
        fold.add((seq, None, 0, kind, data))

    rec("reservoir", {"amount_mu": 300000})
    rec("profile", {"name": "weekend"})
    rec("suspend", {})
    for _ in range(100):
        rec("note", {"text": "x" * 20})
    rep = Journal(flash.reboot()).read()
    assert "suspend" not in [r[3] for r in rep.records]  # rotated away...
    again = JournalState()
    for r in rep.records:
        again.add(r)
    assert again.suspended  # ...but the checkpoint kept it
    assert again.profile == "weekend" and again.reservoir_mu == 300000


def test_an_oversized_segment_is_reported_not_loaded():
    flash = FakeFlash()
    j = Journal(flash, segment_bytes=256)
    j.read()
    _fill(j, 2)
    flash.files["/journal_000000.log"] = b"x" * 5000
    rep = Journal(flash).read()
    assert rep.records == [] and rep.damaged == 1
