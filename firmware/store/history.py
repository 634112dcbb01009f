# Journal history for people (the console's `history`, the History menu):
# the newest records, read backwards a segment at a time and only when
# asked, so the pump never holds the journal in RAM.

from store.journal import LINE_BYTES


def recent(journal, n, since_wall_s=None):
    """The last n good records (seq, wall_s, now_ms, kind, data), oldest
    first; with since_wall_s only those stamped at or after it. Walks the
    segments newest first and stops as soon as it has enough (or reaches
    records older than since_wall_s)."""
    journal._scan()
    out = []
    buf = None
    for i in range(len(journal.segments) - 1, -1, -1):
        need = n - len(out)
        if need <= 0:
            break
        if buf is None:
            buf = bytearray(LINE_BYTES)
        ring = []
        older = False
        for rec in journal.segment_records(journal.segments[i], buf):
            if since_wall_s is not None and (rec[1] is None or rec[1] < since_wall_s):
                older = older or rec[1] is not None
                continue
            ring.append(rec)
            if len(ring) > need:
                ring.pop(0)
        out[:0] = ring
        if older:
            break
    return out
