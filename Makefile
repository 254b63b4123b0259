# The two commands a newcomer needs: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-fast lint install clean chaos bench bench-full

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/sellersync demo

test: $(STAMP)
	$(BIN)/pytest

# Everything but the tests marked slow (whole-world syncs, kill/lock/cancel runs, memory bounds).
test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow"

# Kills, restarts and faults against the real emulator and processes (docs/reliability.md); ~15 min.
chaos: $(STAMP)
	$(BIN)/python bench/chaos.py $(CHAOS_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# Benchmarks (not tests: nothing asserts a time). Each prints figure, baseline, ratio and target and
# writes bench/results/<name>.json. PostgreSQL figures need SELLERSYNC_TEST_PG_URL. See docs/performance.md.
bench: $(STAMP)
	$(BIN)/python bench/upsert_bench.py --quick
	$(BIN)/python bench/memory_bench.py --quick
	$(BIN)/python bench/sync_bench.py --size small
	$(BIN)/python bench/detect_bench.py --size small --db var/bench-detect-quick.db
	$(BIN)/python bench/document_bench.py --quick

bench-full: $(STAMP)
	$(BIN)/python bench/upsert_bench.py
	$(BIN)/python bench/memory_bench.py
	$(BIN)/python bench/sync_bench.py
	$(BIN)/python bench/detect_bench.py
	$(BIN)/python bench/document_bench.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
