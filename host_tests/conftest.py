# pytest setup: the firmware is written for MicroPython first, so CPython gets
# the few missing pieces (micropython.const, time.ticks_*, asyncio.sleep_ms)
# from tools/cpython_shims before any firmware module is imported.
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for p in (os.path.join(ROOT, "tools", "cpython_shims"), os.path.join(ROOT, "firmware"),
          os.path.join(ROOT, "tools"), HERE):
    if p not in sys.path:
        sys.path.insert(0, p)

import cpython_compat  # noqa: E402

cpython_compat.install()

# Both runners work from host_tests/, so test files can use the same relative
# paths (../boards/..., ../firmware/...) on either runtime.
os.chdir(HERE)
