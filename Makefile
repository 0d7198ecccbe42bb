# Two commands for a new user: `make demo` (set up + run the platform) and `make test`.
# Only python3 (3.11+) and make are assumed; uv is installed from PyPI into .tools/.

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
RUN := $(UV) run --frozen
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(shell command -v $(PYTHON))

.PHONY: setup demo test test-slow test-all lint format dagster clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked
	@touch $@

## setup: install the locked environment (.venv) with uv
setup: .venv/.synced

## demo: the whole platform on DuckDB with demo data, then a summary
demo: setup
	$(RUN) cerebro run

## test: the default test suite (pytest exits non-zero, 5, when nothing is collected)
test: setup
	$(RUN) pytest -m "not slow"

## test-slow: the long-running tests only
test-slow: setup
	$(RUN) pytest -m slow

test-all: setup
	$(RUN) pytest

lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: setup
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

## dagster: the Dagster UI on http://localhost:3000, over the demo's run history
dagster: setup
	DAGSTER_HOME=$(CURDIR)/data/dagster_home $(RUN) dagster dev

clean:
	rm -rf data dbt_project/target dbt_project/logs
