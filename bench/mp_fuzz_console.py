# Run under the micropython binary by m_fuzz_console.py: the console fuzz of
# host_tests/console_fuzzkit.py (real console, real pump facade, fake
# flash), N lines in-process. Prints BENCH name value lines.
import gc
import sys

sys.path.insert(0, "../firmware")
sys.path.insert(0, "../tools")
sys.path.insert(0, ".")

from console_fuzzkit import Harness  # noqa: E402

lines = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
h = Harness(seed=2026)
gc.collect()
heap0 = gc.mem_alloc()
h.run(lines)
gc.collect()
heap1 = gc.mem_alloc()
ok = h.answers()
print("BENCH lines", h.lines)
print("BENCH internal", h.internal)
print("BENCH violations", len(h.violations))
print("BENCH restarts", h.con.restarts)
print("BENCH answers", 1 if ok else 0)
print("BENCH prompts", h.confirm.asked)
print("BENCH confirmed", h.confirm.yes)
print("BENCH long_lines", h.long_lines)
print("BENCH heap_growth_bytes", heap1 - heap0)
print("BENCH journal_bytes", sum(len(v) for v in h.flash.files.values()))
