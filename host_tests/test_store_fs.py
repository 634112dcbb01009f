# plunger-test: both
# The device filesystem adapter, on the host's real filesystem: the same
# calls the store makes on littlefs.
import os
import time

from store.alarms import AlarmManager
from store.config import ConfigStore
from store.fs import DeviceFs, write_atomic
from store.journal import Journal

# A folder of its own, so two runs at once (pytest and micropython) never share it.
ROOT = "/tmp/plunger_fs_%d_%d" % (time.time(), id(object()))


def _fresh():
    try:
        for name in os.listdir(ROOT):
            os.remove(ROOT + "/" + name)
    except OSError:
        os.mkdir(ROOT)
    return DeviceFs(ROOT)


def _cleanup():
    for name in os.listdir(ROOT):
        os.remove(ROOT + "/" + name)
    os.rmdir(ROOT)


def test_device_fs_basic_calls():
    fs = _fresh()
    try:
        assert fs.read("/a", 100) is None and fs.size("/a") == -1
        fs.write("/a", b"hello")
        fs.append("/a", b" world")
        assert fs.read("/a", 100) == b"hello world" and fs.size("/a") == 11
        write_atomic(fs, "/a", b"new")
        assert fs.read("/a", 100) == b"new"
        assert sorted(fs.listdir("/")) == ["a"]  # the temp file is gone
        fs.remove("/a")
        fs.remove("/a")  # removing a missing file is not an error
        assert fs.listdir("/") == []
        fs.write("/big", b"x" * 200)
        try:
            fs.read("/big", 100)
            raise AssertionError("a file over max_bytes was read")
        except ValueError:
            pass
    finally:
        _cleanup()


def test_store_on_the_device_fs():
    fs = _fresh()
    try:
        def validate(cfg):
            return cfg

        ConfigStore(fs, validate).save({"version": 1})
        assert ConfigStore(fs, validate).load() == {"version": 1}
        j = Journal(fs, segment_bytes=256, max_segments=2)
        j.read()
        for i in range(30):
            j.append(None, i, "basal", {"mu": i})
        rep = Journal(fs, segment_bytes=256, max_segments=2).read()
        assert rep.damaged == 0 and rep.records[-1][0] == 29
        am = AlarmManager(fs)
        am.load(0)
        am.raise_alarm("empty", 0)
        assert AlarmManager(fs).load(0)[0][0] == "empty"
    finally:
        _cleanup()
