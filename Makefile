# Kilowatt: `make demo` runs it, `make test` proves it.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo serve test lint typecheck unit integration bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@if [ -f package.json ]; then npm ci --no-audit --no-fund; fi
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/kilowatt demo

serve: install
	$(BIN)/kilowatt serve

lint: install
	$(BIN)/ruff format --check src tests migrations bench
	$(BIN)/ruff check src tests migrations bench
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest tests/unit -q

integration: install
	$(BIN)/pytest tests/integration -q -n 2

test: lint typecheck
	$(BIN)/python -m tests.preflight
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest -q -n 2

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
