# The console on the real stdin of the `micropython` binary (console/stdio.py),
# fed invalid UTF-8 through a pipe as a serial line would: it answers on.
# Issue 17 item 1: the text sys.stdin raised UnicodeError out of the task.
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
MPY = os.path.join(os.path.dirname(HERE), ".venv", "bin", "micropython")

SCRIPT = """
import sys
sys.path.insert(0, "../firmware")
sys.path.insert(0, "../tools")
sys.path.insert(0, ".")
import asyncio
from app_rig import boot
from console import stdio
from console.shell import Console
pump, _, _, clock = boot()
con = Console(pump, clock.now_ms, sys.stdout.write)
asyncio.run(con.serve(stdio.stdin_stream()))
print("EOF reached")
"""


def test_invalid_utf8_on_the_real_stdin_does_not_end_the_console():
    data = b"status\xc3\r\n\xff\xfe\r\n\x80\r\n!version\r\n"
    res = subprocess.run([MPY, "-c", SCRIPT], input=data, cwd=HERE, capture_output=True,
                         timeout=60)
    out = res.stdout.decode("utf-8", "replace")
    assert res.returncode == 0, out + res.stderr.decode("utf-8", "replace")
    assert out.count("invalid UTF-8") == 3
    assert '"version"' in out and "EOF reached" in out
    assert "Traceback" not in out + res.stderr.decode("utf-8", "replace")
