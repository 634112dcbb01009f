# The board's USB serial as the console's stream, MicroPython only: the
# documented asyncio pattern, StreamReader over sys.stdin, reads without
# blocking the scheduler (the loop polls stdin). read(1) gives a 1-char str;
# the line editor takes str, bytes or int alike.

import asyncio
import sys


def stdin_stream():
    return asyncio.StreamReader(sys.stdin)

