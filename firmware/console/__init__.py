# Serial console: a line editor, a command parser/dispatcher and the asyncio
# task that reads the board's USB serial a byte at a time. Import the part
# you need (console.shell.Console); this file stays empty so importing the
# package costs no RAM.
