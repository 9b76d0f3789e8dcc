# Kilowatt: `make demo` runs it, `make test` proves it.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo serve test lint typecheck unit integration e2e bench clean browser messages

$(STAMP): pyproject.toml constraints.txt package.json package-lock.json
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(STAMP)

install: $(STAMP)

# make demo PORT=8080 SPEED=60 (or KILOWATT_PORT / KILOWATT_DEMO_SPEED in the environment)
demo: install
	$(BIN)/kilowatt demo $(if $(PORT),--port $(PORT)) $(if $(SPEED),--speed $(SPEED))

serve: install
	$(BIN)/kilowatt serve

lint: install
	$(BIN)/ruff format --check src tests migrations bench scripts
	$(BIN)/ruff check src tests migrations bench scripts
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest tests/unit -q

integration: install
	$(BIN)/pytest tests/integration -q -n 2

# The browser tests drive Debian's chromium (browsers cannot be downloaded by Playwright here).
browser:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || \
	  { $$SUDO apt-get update -q >/dev/null && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; }

test: lint typecheck browser
	$(BIN)/python -m tests.preflight
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest -q -n 2 tests/unit tests/integration
	$(BIN)/pytest -q -n 2 tests/e2e

# The browser tests run in a pytest process of their own: Playwright's sync API keeps an event
# loop running in its thread, which the asyncio tests of the same worker would trip over.
e2e: install browser
	$(BIN)/pytest -q -n 2 tests/e2e

# After changing a text of the dashboard: extract it into the gettext catalogs.
messages: install
	$(BIN)/python scripts/update_catalogs.py

bench: install
	$(BIN)/python bench/hotpath.py
	$(BIN)/python bench/actions.py
	$(BIN)/python bench/storm.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/run.py
	$(BIN)/python bench/tariffs.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
