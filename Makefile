# Two commands for a new user: `make demo` (set up + run the platform) and `make test`.
# Only python3 (3.11+) and make are assumed; uv is installed from PyPI into .tools/.

PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
RUN := $(UV) run --frozen
export UV_PYTHON_DOWNLOADS := never
# Installed packages are compiled to bytecode once: where PYTHONDONTWRITEBYTECODE is set (as on
# this machine) every Python process, each tap, target and dbt run, compiled them again (~1 s).
export UV_COMPILE_BYTECODE := 1
# The interpreter's own path, not a launcher's (a pyenv shim): uv compares it with the one the
# virtualenv was made from, and a shim never matches, so every uv command made .venv again.
export UV_PYTHON := $(shell $(PYTHON) -c 'import sys; print(sys.executable)' 2>/dev/null)

.PHONY: setup setup-spark setup-test system-deps demo test test-slow test-all lint format dagster clean bench-clv bench-radar bench-mmm bench-dbt bench-load \
	bench bench-hourly

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Once `make setup-spark` has run, every sync keeps its extra (a plain sync removes it).
.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --quiet $(if $(wildcard .venv/.spark),--extra spark)
	@touch $@

## setup: install the locked environment (.venv) with uv
setup: .venv/.synced

## setup-spark: add Apache Spark (dbt-spark, pyspark; Java 17 from Debian when missing) to
## .venv, for `cerebro spark build` and the Spark tests. pyspark is built from its source
## package once; `uv cache prune` then drops what the build left in uv's cache.
setup-spark: .venv/.spark
.venv/.spark: .venv/.synced
	@command -v java >/dev/null 2>&1 || [ -n "$$JAVA_HOME" ] || \
	  ([ "$$(id -u)" = 0 ] && apt-get install -y -qq --no-install-recommends \
	    openjdk-17-jre-headless >/dev/null 2>&1) || \
	  echo "no Java runtime: install openjdk-17-jre-headless (Spark needs Java 17)"
	$(UV) sync --locked --quiet --extra spark
	@$(UV) cache prune --quiet
	@touch $@

## demo: the whole platform on DuckDB with demo data, then a summary
demo: setup
	$(RUN) cerebro run

## system-deps: Debian packages two test groups drive: headless chromium (the static
## dashboards) and docker-compose 1.29 (validates docker-compose.yml without an engine).
## Installed with apt-get when running as root; otherwise those tests skip and say why.
SYSTEM_COMMANDS := chromium:chromium chromedriver:chromium-driver docker-compose:docker-compose
system-deps:
	@missing=""; for pair in $(SYSTEM_COMMANDS); do \
	  command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair##*:}"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing$$missing (apt-get)"; \
	  (apt-get install -y -qq --no-install-recommends $$missing >/dev/null 2>&1 \
	   || (apt-get update -qq >/dev/null 2>&1 \
	       && apt-get install -y -qq --no-install-recommends $$missing >/dev/null 2>&1)) \
	  || echo "could not install$$missing: the browser and compose tests will skip"; \
	else echo "missing$$missing (needs root and apt-get): the browser and compose tests will skip"; fi

## setup-test: once per machine, what the tests need beyond `make setup`: the Spark extra and
## the system packages (stamped in .venv/.test-ready once all are there, so a second
## `make test` installs nothing).
setup-test: .venv/.test-ready
.venv/.test-ready: .venv/.spark
	@$(MAKE) --no-print-directory system-deps
	@for pair in $(SYSTEM_COMMANDS); do command -v $${pair%%:*} >/dev/null 2>&1 || exit 0; done; \
	  touch $@

## test: lint (as `make lint`), then the default test suite (pytest exits non-zero, 5, when
## nothing is collected). Two workers (pytest-xdist): the suite's subprocesses (taps, dbt,
## Dagster) leave a core idle in a single worker; tests sharing a folder's session fixtures
## share a worker, and the whole-platform demos are built once per run for both
## (tests/conftest.py). `make test TEST_ARGS="tests/taps -x"` runs a part.
TEST_WORKERS ?= 2
TEST_ARGS ?=
test: setup-test lint
	$(RUN) pytest -m "not slow" -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder \
	  $(TEST_ARGS)

## test-slow: the long-running tests only
test-slow: setup
	$(RUN) pytest -m slow

test-all: setup
	$(RUN) pytest

## lint: ruff, and the allowed imports between the packages (import-linter contracts in
## pyproject.toml: [tool.importlinter])
lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports

format: setup
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

## bench-clv: each purchase model a tenant can get (BG/NBD, MBG/NBD) + Gamma-Gamma on 1M
## simulated customers, ml_assets.clv vs lifetimes (on 100 000 of them: minutes per model at 1M)
## (not a test)
bench-clv: setup
	$(RUN) python benchmarks/clv_benchmark.py --lifetimes-customers 100000

## bench-radar: the churn radar (BG/NBD and each tenant's chosen model) against who is really
## gone in the demo, shipped tenants and held-out seeds (not a test)
bench-radar: setup
	$(RUN) python benchmarks/churn_radar_bench.py

## bench-mmm: the budget brain vs pymc-marketing on independent simulated data, fresh seeds (not
## a test); SEEDS=0,1,2 to choose them. pymc-marketing needs Python >= 3.12 in its own
## environment (PYMC_PYTHON=/path); its fits are cached in .bench/pymc-cache.
# The first Python >= 3.12 that runs: a pyenv shim for a version that is not selected is on the
# PATH but fails, so each candidate is run, pyenv's own installs included.
PYMC_PYTHON ?= $(firstword $(foreach candidate,python3.13 python3.12 \
  $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3),\
  $(shell $(candidate) -c 'import sys; assert sys.version_info >= (3, 12); print(sys.executable)' \
  2>/dev/null)) python3.12)
PYMC_ENV := .bench/pymc-marketing
bench-mmm: setup
	@($(UV) venv --quiet --allow-existing --python $(PYMC_PYTHON) $(PYMC_ENV) 2>/dev/null \
	  && $(UV) pip install --quiet --python $(PYMC_ENV)/bin/python pymc-marketing==1.3.0) \
	  || echo "pymc-marketing: no usable Python >= 3.12 ($(PYMC_PYTHON)); reference models only"
	$(RUN) python benchmarks/mmm_benchmark.py --pymc-python $(PYMC_ENV)/bin/python \
	  $(if $(SEEDS),--seeds $(SEEDS))

## bench-dbt: dbt full rebuild vs one daily partition run, two years of demo data (not a test).
## SIZE=tiny|small|medium|large|agency (several: SIZE="small medium"; agency = 100 stores of
## mixed sizes), WAREHOUSE=duckdb|postgres|both,
## or spark (after make setup-spark);
## more options in BENCH_DBT_ARGS (e.g. "--repeats 1 --dbt-ref HEAD"; "--cold-full-build" times
## the first full build instead of a rebuild after it, where a build takes most of an hour;
## see --help).
SIZE ?= small
WAREHOUSE ?= both
bench-dbt: setup
	$(RUN) python benchmarks/dbt_incremental_benchmark.py $(foreach size,$(SIZE),--size $(size)) \
	  --warehouse $(WAREHOUSE) $(BENCH_DBT_ARGS)

## bench: every stage of the platform timed per size and warehouse (not a test;
## docs/benchmarks.md): generation, Singer landing vs bulk load, dbt full and daily, CLV vs lifetimes,
## MMM and optimizer, every dashboard card's p50/p95, the KPI functions; growth exponents and
## the targets. SIZE and WAREHOUSE as for bench-dbt; STAGE="dbt clv" measures only those
## (what they need still runs); BENCH_JSON=path (default .bench/platform/results.json, sizes
## accumulate); more options in BENCH_ARGS (e.g. "--repeats 1"; "--mmm-tenants all" fits every
## tenant's budget brain, as the agency's night does; see --help).
STAGE ?=
BENCH_JSON ?=
bench: setup
	$(RUN) python benchmarks/platform_benchmark.py $(foreach size,$(SIZE),--size $(size)) \
	  --warehouse $(WAREHOUSE) $(foreach stage,$(STAGE),--stage $(stage)) \
	  $(if $(BENCH_JSON),--json $(BENCH_JSON)) $(BENCH_ARGS)

## bench-hourly: the hourly job (Shopify incremental + today's operational marts) run on the
## demo warehouse (`make demo` first) for each tenant; seconds per tenant and rows touched (not
## a test). DATE=2026-11-22 for another day than today; more options in BENCH_HOURLY_ARGS.
DATE ?=
bench-hourly: setup
	$(RUN) python benchmarks/hourly_bench.py $(if $(DATE),--date $(DATE)) $(BENCH_HOURLY_ARGS)

## bench-load: the CPU and wall seconds of loading the Dagster code location in a fresh process
## (what the code server, `dagster dev` and every run pay first), libraries and Cerebro's part
## apart; needs a parsed manifest (`make demo` first) (not a test)
bench-load: setup
	$(RUN) python benchmarks/code_location_bench.py

## dagster: the Dagster UI on http://localhost:3000, over the run history of the data directory
## (`make dagster DATA_DIR=/path`; default CEREBRO_DATA_DIR, else data/)
DATA_DIR ?= $(or $(CEREBRO_DATA_DIR),data)
dagster: setup
	CEREBRO_DATA_DIR=$(abspath $(DATA_DIR)) DAGSTER_HOME=$(abspath $(DATA_DIR))/dagster_home \
	  $(RUN) dagster dev

clean:
	rm -rf data dbt_project/target dbt_project/logs
