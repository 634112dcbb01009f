# plunger-test: both
# History read backwards on demand, and the journal streamed through one
# buffer: the same records as a whole read, without holding them all.
from fakes_flash import FakeFlash
from store import history
from store.journal import Journal
from store.state import JournalState


def _journal(n, seg=600, segs=4):
    j = Journal(FakeFlash(), segment_bytes=seg, max_segments=segs)
    j.read()
    fold = JournalState()
    j.checkpoint = fold.checkpoint
    for i in range(n):
        seq = j.append(1700000000 + 60 * i, 1000 * i, "basal", {"mu": i + 1})
        fold.add((seq, 1700000000 + 60 * i, 1000 * i, "basal", {"mu": i + 1}))
    return j


def test_recent_is_the_tail_of_a_full_read_across_segments():
    j = _journal(60)
    everything = Journal(j.fs, 600, 4).read().records
    assert len(j.segments) == 4  # rotated: several segments to walk back through
    for n in (1, 3, 10, 25, 200):
        assert history.recent(j, n) == everything[-n:], n


def test_recent_since_a_wall_time():
    j = _journal(60)
    everything = Journal(j.fs, 600, 4).read().records
    since = everything[-7][1]
    got = history.recent(j, 200, since_wall_s=since)
    assert got == [r for r in everything if r[1] is not None and r[1] >= since]
    assert history.recent(j, 2, since_wall_s=since) == got[-2:]


def test_streamed_read_matches_line_by_line_decode():
    j = _journal(40)
    fs = j.fs
    expected = []
    for name in sorted(fs.listdir("/")):
        for line in fs.files["/" + name].split(b"\n")[:-1]:
            expected.append(line)
    got = list(Journal(fs, 600, 4).records())
    assert len(got) == len(expected)
    assert got[-1][4] == {"mu": 40}


def test_a_line_longer_than_the_buffer_is_one_damaged_record():
    j = _journal(5)
    path = "/" + sorted(j.fs.listdir("/"))[-1]
    good = j.fs.files[path]
    j.fs.files[path] = good + b"x" * 3000 + b"\n" + good.split(b"\n")[0] + b"\n"
    j2 = Journal(j.fs, 600, 4)
    recs = list(j2.records())
    assert j2.report.damaged == 2  # the long line, and the repeated (out of order) record
    assert [r[0] for r in recs] == [r[0] for r in Journal(FakeFlash({path: good}), 600, 4).read().records]


def test_the_fold_keeps_only_deliveries_inside_the_window():
    fold = JournalState()
    hour = 3600000
    for i in range(60):  # 60 h of hourly basal records in one boot
        fold.add((i, None, i * hour, "basal", {"mu": 800}))
    ages = [59 * hour - d[1] for d in fold.deliveries]
    assert ages and max(ages) < 25 * hour
    assert len(fold.deliveries) == 25
