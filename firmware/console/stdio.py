# The board's USB serial as the console's stream, MicroPython only: the
# documented asyncio pattern, StreamReader over stdin, reads without
# blocking the scheduler (the loop polls stdin).
#
# The binary sys.stdin.buffer, not sys.stdin: the text stream decodes UTF-8
# and raises UnicodeError on the first invalid byte (a terminal set to the
# wrong encoding, a cable plugged in), which would end the console task. The
# line editor checks UTF-8 itself.

import asyncio
import sys


def stdin_stream():
    return asyncio.StreamReader(getattr(sys.stdin, "buffer", sys.stdin))
