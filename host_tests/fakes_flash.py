# A fake flash with littlefs semantics that can "lose power" at any write.
#
# Every mutating call (write, append, rename, remove) is one write point,
# numbered from 1. With cut_at=N, write point N is interrupted: a write or
# append leaves only a prefix of its bytes (a torn write), a rename or remove
# either happened or did not (littlefs makes them atomic), then PowerCut is
# raised and the flash image freezes: every later call raises PowerCut too.
# reboot() returns a fresh fake over the frozen image, as the next boot sees it.
# Works on CPython and MicroPython (no os, no random module needed).


class PowerCut(Exception):
    pass


class FakeFlash:
    def __init__(self, files=None, cut_at=None, tear=None):
        self.files = {}
        if files:
            for k in files:
                self.files[k] = bytes(files[k])
        self.writes = 0  # write points passed so far
        self.bytes_written = 0
        self.cut_at = cut_at
        # tear(n_bytes, write_point) -> how many bytes of an interrupted write
        # reach the flash; default: about half, varied by the write point.
        self.tear = tear
        self.dead = False

    # -- power ---------------------------------------------------------------
    def _point(self):
        if self.dead:
            raise PowerCut("flash is frozen")
        self.writes += 1
        return self.cut_at is not None and self.writes == self.cut_at

    def _die(self):
        self.dead = True
        raise PowerCut("power cut at write %d" % self.writes)

    def _torn(self, data):
        n = len(data)
        if self.tear is not None:
            keep = self.tear(n, self.writes)
        else:
            keep = (self.writes * 7919) % (n + 1)
        return bytes(data[:keep])

    def reboot(self):
        return FakeFlash(self.files)

    # -- the store.fs interface ----------------------------------------------
    def read(self, path, max_bytes):
        if self.dead:
            raise PowerCut("flash is frozen")
        data = self.files.get(path)
        if data is None:
            return None
        if len(data) > max_bytes:
            raise ValueError("file too large")
        return data

    def open_read(self, path):
        if self.dead:
            raise PowerCut("flash is frozen")
        data = self.files.get(path)
        if data is None:
            return None
        return _Reader(data)

    def write(self, path, data):
        if self._point():
            self.files[path] = self._torn(data)
            self._die()
        self.files[path] = bytes(data)
        self.bytes_written += len(data)

    def append(self, path, data):
        old = self.files.get(path, b"")
        if self._point():
            self.files[path] = old + self._torn(data)
            self._die()
        self.files[path] = old + bytes(data)
        self.bytes_written += len(data)

    def rename(self, src, dst):
        cut = self._point()
        if cut and self.writes % 2:
            self._die()  # the rename did not happen
        if src not in self.files:
            raise OSError(2)
        self.files[dst] = self.files.pop(src)
        if cut:
            self._die()  # the rename happened, then power went

    def remove(self, path):
        cut = self._point()
        if cut and self.writes % 2:
            self._die()
        self.files.pop(path, None)
        if cut:
            self._die()

    def size(self, path):
        if self.dead:
            raise PowerCut("flash is frozen")
        data = self.files.get(path)
        return -1 if data is None else len(data)

    def listdir(self, path):
        if self.dead:
            raise PowerCut("flash is frozen")
        prefix = path.rstrip("/") + "/"
        out = []
        for k in self.files:
            if k.startswith(prefix) and "/" not in k[len(prefix):]:
                out.append(k[len(prefix):])
        return out


class _Reader:
    """A file opened for reading: readinto() and close(), as the store uses."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def readinto(self, buf):
        n = min(len(buf), len(self.data) - self.pos)
        buf[:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n

    def close(self):
        pass
