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

import binascii
import json

from micropython import const

_SEG_DIGITS = const(6)
_MAX_LINE = const(1024)  # longer lines are corrupt by definition
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

    def read(self):
        """Read every segment; returns a ReadReport. Never raises for bad
        data. Also prepares appending: the next record continues the
        sequence, and a torn tail is never appended to (a new segment
        starts instead)."""
        self._scan()
        rep = ReadReport()
        last_seq = None
        for i, n in enumerate(self.segments):
            try:
                raw = self.fs.read(self._path(n), self.segment_bytes * 4 + _MAX_LINE)
            except ValueError:
                raw = None
                rep.damaged += 1
            if raw is None:
                if i == len(self.segments) - 1:
                    rep.torn_tail = True  # unreadable active segment: start a new one
                continue
            lines = raw.split(b"\n")
            tail = lines.pop()  # bytes after the last newline: a torn record
            if tail:
                rep.damaged += 1
                if i == len(self.segments) - 1:
                    rep.torn_tail = True
            for line in lines:
                rec = decode(line)
                if rec is None:
                    rep.damaged += 1
                    continue
                if last_seq is not None:
                    if rec[0] <= last_seq:
                        rep.damaged += 1  # out of order: not trusted
                        continue
                    rep.seq_gaps += rec[0] - last_seq - 1
                last_seq = rec[0]
                rep.records.append(rec)
            if i == len(self.segments) - 1:
                self.active_size = len(raw)
        self.next_seq = 0 if last_seq is None else last_seq + 1
        self._needs_new_segment = rep.torn_tail or not self.segments
        return rep

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
