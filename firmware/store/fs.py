# The tiny filesystem interface the store is written against.
#
# On the device it is os + open over littlefs; in tests it is a fake flash
# (host_tests/fakes_flash.py) that can lose power at any write. littlefs makes
# os.rename atomic, which is what every "write temp, rename" here relies on;
# FAT does not, so the store is only crash-safe on littlefs (the default
# filesystem on rp2 and esp32).

import os


class DeviceFs:
    def __init__(self, root=""):
        # root: "" on the device; a host folder for the simulator and tests.
        self.root = root

    def read(self, path, max_bytes):
        """The file's bytes, or None if it does not exist. Refuses files
        larger than max_bytes (raises ValueError) so a bad file cannot
        exhaust the heap."""
        try:
            size = os.stat(self.root + path)[6]
        except OSError:
            return None
        if size > max_bytes:
            raise ValueError("file too large")
        with open(self.root + path, "rb") as f:
            return f.read()

    def open_read(self, path):
        """The file opened for reading (readinto, close), or None if it does
        not exist: for reading a file through a buffer of one's own."""
        try:
            return open(self.root + path, "rb")
        except OSError:
            return None

    def write(self, path, data):
        # Create or truncate; close flushes the data to flash.
        with open(self.root + path, "wb") as f:
            f.write(data)

    def append(self, path, data):
        with open(self.root + path, "ab") as f:
            f.write(data)

    def rename(self, src, dst):
        os.rename(self.root + src, self.root + dst)

    def remove(self, path):
        try:
            os.remove(self.root + path)
        except OSError:
            pass

    def size(self, path):
        """Size in bytes, or -1 if the file does not exist."""
        try:
            return os.stat(self.root + path)[6]
        except OSError:
            return -1

    def listdir(self, path):
        return os.listdir(self.root + path)


def write_atomic(fs, path, data):
    """Replace path with data so a power cut leaves either the old or the
    new file, never a mix: write a temp file, close it, rename over."""
    tmp = path + ".tmp"
    fs.write(tmp, data)
    fs.rename(tmp, path)
