# Run tools/sim/launch.py under the micropython binary and report heap use:
#   BENCH live_peak BYTES   largest heap in use right after a gc.collect(),
#                           sampled every _EVERY virtual-clock advances
#   BENCH mem_peak BYTES    micropython.mem_peak(); on this build it counts
#                           every allocation and GC never lowers it, so it is
#                           the total allocated during the run, not a peak
# Same options as launch.py. Used by bench/m_memory.py.
import gc
import micropython
import os
import sys

_EVERY = 64

# launch.py finds the repository from its own absolute __file__.
_here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
if not _here.startswith("/"):
    _here = os.getcwd() + "/" + _here
_sim = _here + "/../tools/sim"
sys.path.insert(0, _here + "/../tools")
sys.path.insert(0, _sim)
sys.argv[:] = [_sim + "/launch.py"] + sys.argv[1:]

import vclock  # noqa: E402

_peak = [0, 0]  # live peak bytes, advance count
_orig_run_until = vclock.VirtualClock.run_until


def _run_until(self, end_ms, on_advance=None):
    def sample(now_ms):
        _peak[1] += 1
        if _peak[1] % _EVERY == 0:
            gc.collect()
            _peak[0] = max(_peak[0], gc.mem_alloc())
        if on_advance is not None:
            on_advance(now_ms)

    return _orig_run_until(self, end_ms, sample)


vclock.VirtualClock.run_until = _run_until

code = 0
try:
    import launch  # noqa: F401,E402  (runs the firmware)
except SystemExit as e:
    code = e.args[0] if e.args else 0
gc.collect()
print("BENCH live_peak", max(_peak[0], gc.mem_alloc()))
print("BENCH mem_peak", micropython.mem_peak())
print("BENCH advances", _peak[1])
sys.exit(code or 0)
