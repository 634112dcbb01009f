# The delivery journal: append-only, checksummed, bounded.
#
# One record per line:  seq|wall_s|now_ms|kind|data-json|crc32hex\n
# (wall_s is "-" when unknown). The CRC covers everything before its "|".
# Records go into numbered segment files /journal_NNNNNN.log; when the active
# one passes segment_bytes a new one starts and the oldest beyond
# max_segments is removed, so the journal never grows past about
# segment_bytes * max_segments. Every new segment starts with a checkpoint
# record (the state a reboot needs) so dropping old segments loses history,
# never the pump's state. Reading skips and counts torn or corrupt lines.
# Reading streams: records() yields one record at a time, each segment read
# through one buffer of the longest line, so RAM does not grow with the
# journal.

import binascii
import json

from micropython import const

_SEG_DIGITS = const(6)
_MAX_LINE = const(1024)  # longer lines are corrupt by definition
LINE_BYTES = _MAX_LINE + 1  # the read buffer: the longest line and its newline
DIR = "/"
_PREFIX = "journal_"


def _name(n):
    s = str(n)
    return _PREFIX + "0" * (_SEG_DIGITS - len(s)) + s + ".log"


def encode(seq, wall_s, now_ms, kind, data):
    body = "%d|%s|%d|%s|%s" % (seq, "-" if wall_s is None else "%d" % wall_s, now_ms, kind,
                               json.dumps(data, separators=(",", ":")))
    return ("%s|%08x\n" % (body, binascii.crc32(body.encode()) & 0xFFFFFFFF)).encode()


def decode(line):
    """(seq, wall_s, now_ms, kind, data) or None if the line is damaged."""
    try:
        if len(line) > _MAX_LINE:
            return None
        text = line.decode()
        cut = text.rfind("|")
        if cut < 0 or len(text) - cut != 9:
            return None
        body = text[:cut]
        if int(text[cut + 1:], 16) != binascii.crc32(body.encode()) & 0xFFFFFFFF:
            return None
        parts = body.split("|", 4)
        if len(parts) != 5:
            return None
        seq = int(parts[0])
        wall_s = None if parts[1] == "-" else int(parts[1])
        now_ms = int(parts[2])
        data = json.loads(parts[4])
        if seq < 0 or now_ms < 0 or not isinstance(data, dict) or not parts[3]:
            return None
        return (seq, wall_s, now_ms, parts[3], data)
    except Exception:  # bad UTF-8, bad numbers, bad JSON: all just "damaged"
        return None


class ReadReport:
    def __init__(self):
        self.records = []  # (seq, wall_s, now_ms, kind, data), oldest first
        self.damaged = 0  # lines skipped (torn tail or corrupt)
        self.torn_tail = False  # the last segment ends mid-record
        self.seq_gaps = 0  # records missing between two good ones

    def describe(self):
        if not (self.damaged or self.seq_gaps):
            return None
        return "journal: %d damaged record(s) skipped%s, %d missing by sequence" % (
            self.damaged, " (torn last record)" if self.torn_tail else "", self.seq_gaps)


class Journal:
    def __init__(self, fs, segment_bytes=8192, max_segments=4, directory=DIR):
        self.fs = fs
        self.segment_bytes = segment_bytes
        self.max_segments = max_segments
        self.dir = directory
        self.segments = []  # segment numbers on flash, oldest first
        self.active_size = 0
        self.next_seq = 0
        self.bytes_written = 0
        self.checkpoint = None  # callable -> dict written at each new segment
        self.report = None  # ReadReport of the last records() pass
        self._needs_new_segment = True  # until read() finds a clean active segment

    def _path(self, n):
        return self.dir.rstrip("/") + "/" + _name(n)

    def _scan(self):
        nums = []
        try:
            names = self.fs.listdir(self.dir)
        except OSError:
            names = []
        for name in names:
            if (len(name) == len(_PREFIX) + _SEG_DIGITS + 4 and name.startswith(_PREFIX)
                    and name.endswith(".log")):
                try:
                    nums.append(int(name[len(_PREFIX):len(_PREFIX) + _SEG_DIGITS]))
                except ValueError:
                    pass
        nums.sort()
        self.segments = nums

    def records(self):
        """Every good record, oldest first, one at a time. Each segment is
        read through one fixed buffer, so a full journal never sits in RAM;
        self.report (a ReadReport with no records) counts what was skipped.
        Never raises for bad data. Also prepares appending: the next record
        continues the sequence, and a torn tail is never appended to (a new
        segment starts instead)."""
        self._scan()
        rep = ReadReport()
        self.report = rep
        last_seq = None
        buf = bytearray(LINE_BYTES)
        last = len(self.segments) - 1
        for i, n in enumerate(self.segments):
            for rec in self._segment(n, i == last, buf, rep):
                if last_seq is not None:
                    if rec[0] <= last_seq:
                        rep.damaged += 1  # out of order: not trusted
                        continue
                    rep.seq_gaps += rec[0] - last_seq - 1
                last_seq = rec[0]
                yield rec
        self.next_seq = 0 if last_seq is None else last_seq + 1
        self._needs_new_segment = rep.torn_tail or not self.segments

    def segment_records(self, n, buf=None):
        """The good records of segment n, oldest first (for readers that
        walk the journal backwards a segment at a time)."""
        rep = ReadReport()
        return self._segment(n, False, buf or bytearray(LINE_BYTES), rep)

    def _segment(self, n, is_last, buf, rep):
        path = self._path(n)
        size = self.fs.size(path)
        f = None
        if 0 <= size <= self.segment_bytes * 4 + _MAX_LINE:
            f = self.fs.open_read(path)
        if f is None:
            if size >= 0:
                rep.damaged += 1  # too large to be ours
            if is_last:
                rep.torn_tail = True  # unreadable active segment: start a new one
            return
        if is_last:
            self.active_size = size
        mv = memoryview(buf)
        fill = 0
        skipping = False  # inside a line longer than any record can be
        try:
            while True:
                got = f.readinto(mv[fill:])
                fill += got or 0
                start = 0
                while True:
                    nl = buf.find(b"\n", start, fill)
                    if nl < 0:
                        break
                    if skipping:
                        skipping = False
                        rec = None
                    else:
                        rec = decode(bytes(mv[start:nl]))
                    start = nl + 1
                    if rec is None:
                        rep.damaged += 1
                    else:
                        yield rec
                if start:
                    buf[:fill - start] = buf[start:fill]
                    fill -= start
                elif fill == len(buf):
                    skipping = True  # no newline in a whole buffer: corrupt
                    fill = 0
                if not got:
                    break
        finally:
            f.close()
        if fill or skipping:
            rep.damaged += 1  # bytes after the last newline: a torn record
            if is_last:
                rep.torn_tail = True

    def read(self):
        """Every record at once, in a ReadReport (tests and tools; the
        firmware streams with records())."""
        recs = list(self.records())
        self.report.records = recs
        return self.report

    def append(self, wall_s, now_ms, kind, data):
        """Write one record; returns its sequence number. When this returns,
        the record is on flash (littlefs commits on close)."""
        if self._needs_new_segment or self.active_size >= self.segment_bytes:
            self._rotate(wall_s, now_ms)
        seq = self.next_seq
        line = encode(seq, wall_s, now_ms, kind, data)
        self.fs.append(self._path(self.segments[-1]), line)
        self.next_seq = seq + 1
        self.active_size += len(line)
        self.bytes_written += len(line)
        return seq

    def _rotate(self, wall_s, now_ms):
        n = self.segments[-1] + 1 if self.segments else 0
        self.segments.append(n)
        self.active_size = 0
        self._needs_new_segment = False
        if self.checkpoint is not None:
            line = encode(self.next_seq, wall_s, now_ms, "checkpoint", self.checkpoint())
            self.fs.append(self._path(n), line)
            self.next_seq += 1
            self.active_size += len(line)
            self.bytes_written += len(line)
        # Only now, with the checkpoint safely written, drop the oldest.
        while len(self.segments) > self.max_segments:
            self.fs.remove(self._path(self.segments.pop(0)))
