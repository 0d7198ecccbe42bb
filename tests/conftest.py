"""Session fixtures shared across the suite: a throwaway PostgreSQL server, and the same small
demo platform run once on each warehouse (DuckDB and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _pytest.nodeid import coerce_node_id
from click.testing import CliRunner

from cerebro.cli import main
from cerebro.settings import Settings, environment_set, load_settings
from cerebro.warehouse import Warehouse
from orchestration.partition_days import FALLBACK_START, START_ENV
from tests.support.throwaway_postgres import PG_BINDIR, PostgresServer, throwaway_postgres

# One first partition day for the whole session. A platform run records its first day as the
# deployment's (orchestration/partition_days.py), and the partitions definition is built once
# per process: without this, whichever demo ran first in a worker would decide which fixed
# past days (2026-10-31, the crafted runs' days) the worker's later tests may ask for. The
# recording itself is tested in tests/orchestration/test_partition_days.py.
os.environ.setdefault(START_ENV, FALLBACK_START)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL 15 server for the whole session (skipped if it is not installed).

    Its password is also put in ``CEREBRO_PG_PASSWORD`` for the session: that variable is how
    Cerebro (its settings, dbt's profile, the Singer target) receives the password.
    """
    if not (PG_BINDIR / "initdb").exists():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BINDIR}")
    with throwaway_postgres() as server, environment_set({"CEREBRO_PG_PASSWORD": server.password}):
        yield server


# The same small demo on both warehouses -------------------------------------------------------

#: Two tenants (two currencies, two timezones), every source, a fixed end date: small enough to
#: run the platform twice in a few minutes, large enough for every mart to have rows. Most demo
#: customers book once or twice a year, so it takes a year of history for the customer brain to
#: see some of them stop (the churn radar) and for its 90-day backtest to have repeat purchases:
#: 800 and 400 signups give about 890 and 370 orders.
DEMO_TENANTS_YAML = """
tenants:
  - tenant_id: test_cl
    name: Tienda de prueba Chile
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo:
      {profile: cl_services, customers: 800, seed: 11, end_date: "2026-10-31", history_days: 365}
    # Fewer posterior draws than the default 200: the tests check the tables' shape and
    # consistency here; interval coverage is measured in tests/ml_assets/mmm.
    # The demo's geo holdout on Google Ads (written with the demo data) calibrates that channel.
    mmm: {draws: 60, experiments: demo/test_cl/experiments.csv}
    sources: &all_demo
      shopify: {tap: demo}
      meta_ads: {tap: demo}
      google_ads: {tap: demo}
      tiktok_ads: {tap: demo}
      search_console: {tap: demo}
      calendar: {tap: demo}
      costs: {tap: demo}
    # Activation destinations for `cerebro activate --dry-run` (the bad-input catalogue): the
    # hosts end in .invalid (never resolve) and the secrets' variables are set nowhere.
    destinations:
      klaviyo:
        settings: {base_url: "https://klaviyo.invalid"}
        secrets: {api_key: CEREBRO_TEST_KLAVIYO_KEY}
      shopify_coupons:
        settings: {base_url: "https://shopify.invalid", shop: prueba, api_version: "2026-10"}
        secrets: {access_token: CEREBRO_TEST_SHOPIFY_TOKEN}
      whatsapp:
        settings:
          base_url: "https://whatsapp.invalid"
          api_version: v23.0
          phone_number_id: "100000000000001"
          template_name: rescate_cliente
        secrets: {access_token: CEREBRO_TEST_WHATSAPP_TOKEN}
  - tenant_id: test_pe
    name: Tienda de prueba Perú
    timezone: America/Lima
    currency: PEN
    country_code: PE
    demo:
      {profile: pe_services, customers: 400, seed: 12, end_date: "2026-10-31", history_days: 365}
    mmm: {draws: 60}
    sources: *all_demo
"""
DEMO_TENANTS = ("test_cl", "test_pe")


@dataclass
class DemoRun:
    """One `cerebro run` of the demo into one warehouse, and how to read that warehouse."""

    warehouse: Warehouse
    data_dir: Path
    exit_code: int
    output: str
    started_at: dt.datetime  # naive UTC, like the warehouse's timestamps
    finished_at: dt.datetime

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def settings(self) -> Settings:
        return self.warehouse.settings

    @property
    def kind(self) -> str:
        return self.warehouse.kind


@dataclass
class DemoWarehouses:
    """The same tenants file run through the whole platform on DuckDB and on PostgreSQL."""

    tenants_file: Path
    duckdb: DemoRun
    postgres: DemoRun

    def __iter__(self) -> Iterator[DemoRun]:
        return iter((self.duckdb, self.postgres))


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def run_demo_platform(root: Path, tenants_file: Path, environ: dict[str, str]) -> DemoRun:
    """`cerebro run` through click, in this process, with ``environ`` added to the environment.

    The platform exports its settings into ``os.environ`` (for Dagster and dbt); the whole
    environment is restored afterwards so that the next run and other tests start clean.
    """
    data_dir = root / "data"
    saved = dict(os.environ)
    for name in ("CEREBRO_WAREHOUSE", "CEREBRO_DUCKDB_PATH", "CEREBRO_DATA_DIR",
                 "CEREBRO_SPARK_HOME"):  # fmt: skip
        os.environ.pop(name, None)
    os.environ.update({"DAGSTER_HOME": str(root / "dagster_home"), **environ})
    started_at = _utc_now()
    try:
        result = CliRunner().invoke(
            main, ["run", "--tenants-file", str(tenants_file), "--data-dir", str(data_dir)]
        )
        settings = load_settings(
            {
                **os.environ,
                "CEREBRO_TENANTS_FILE": str(tenants_file),
                "CEREBRO_DATA_DIR": str(data_dir),
            }
        )
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return DemoRun(
        warehouse=Warehouse(settings),
        data_dir=data_dir,
        exit_code=result.exit_code,
        output=result.output + (repr(result.exception) if result.exception else ""),
        started_at=started_at,
        finished_at=_utc_now(),
    )


@pytest.fixture(scope="session")
def run_demo():
    """`run_demo_platform`, for conftests below this one (they cannot import this module)."""
    return run_demo_platform


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory) -> Path:
    """Where the session's demo runs live, with the shared tenants file."""
    root = tmp_path_factory.mktemp("demo_warehouses")
    (root / "tenants.yml").write_text(DEMO_TENANTS_YAML, encoding="utf-8")
    return root


def _succeeded(run: DemoRun) -> DemoRun:
    if run.exit_code != 0:
        pytest.fail(f"the demo platform failed on {run.kind}:\n{run.output}", pytrace=False)
    return run


@pytest.fixture(scope="session")
def demo_duckdb(demo_root) -> DemoRun:
    """The small demo run once per session on DuckDB (fails if the run failed)."""
    return _succeeded(run_demo_platform(demo_root / "duckdb", demo_root / "tenants.yml", {}))


@pytest.fixture(scope="session")
def demo_postgres(demo_root, postgres_server) -> DemoRun:
    """The same demo run once per session on a fresh PostgreSQL database."""
    database = postgres_server.create_database("cerebro_demo")
    return _succeeded(
        run_demo_platform(
            demo_root / "postgres",
            demo_root / "tenants.yml",
            postgres_server.cerebro_environ(database),
        )
    )


@pytest.fixture(scope="session")
def demo_spark(demo_root, demo_duckdb) -> DemoRun:
    """The same demo run once per session with dbt on Spark (local), its marts served from
    the run's DuckDB file (decision 0040). Skipped without the Spark extra.

    After the DuckDB run, always: the process keeps the Dagster definitions of its first run,
    and Spark's manifest has no asset for the RFM table function (ephemeral there), which the
    DuckDB run then materializes. A deployment runs one warehouse, so only tests meet this."""
    pytest.importorskip("pyspark", reason="the Spark extra is not installed (make setup-spark)")
    return _succeeded(
        run_demo_platform(
            demo_root / "spark", demo_root / "tenants.yml", {"CEREBRO_WAREHOUSE": "spark"}
        )
    )


@pytest.fixture(scope="session")
def demo_warehouses(demo_root, demo_duckdb, demo_postgres) -> DemoWarehouses:
    """The same tenants file run through the whole platform on each warehouse."""
    return DemoWarehouses(demo_root / "tenants.yml", demo_duckdb, demo_postgres)


#: Session fixtures that run the whole demo platform beyond the first DuckDB run: on
#: PostgreSQL, and a second DuckDB run (idempotency). Each costs minutes on two cores, so the
#: tests needing them run with `make test-slow`; the default run keeps one platform run on
#: DuckDB plus PostgreSQL tests on crafted data (run history, marts, read-only role, pages).
EXTRA_PLATFORM_RUNS = {"demo_postgres", "demo_warehouses", "demo_platform_second_run"}
#: Parametrized fixtures that pick the demo of one warehouse from their parameter.
PER_WAREHOUSE_FIXTURES = {"demo_run", "oracle_demo"}


def _picks_demo_of(item, kind: str) -> bool:
    """Whether one of the test's parameters names the demo of ``kind`` (`duckdb`, `postgres`)."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    return any(str(value) in (kind, f"demo_{kind}") for value in params.values())


def _needs_extra_platform_run(item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    if names & EXTRA_PLATFORM_RUNS or item.get_closest_marker("postgres_demo"):
        return True
    return _picks_demo_of(item, "postgres") and bool(names & PER_WAREHOUSE_FIXTURES)


#: Under pytest-xdist (`make test` runs two workers), tests sharing a session fixture must
#: share a worker, or each worker pays for the fixture: the demo platform run (minutes) in
#: one group, and every other test grouped by its folder two levels under tests/ (tests/
#: mirrors the packages: `cerebro/kpis`, `dbt_project/marts`, `taps/tap_cerebro_shopify`,
#: `platform/e2e`), whose conftests hold the folder's own session fixtures (crafted
#: warehouses, parsed projects); a file directly in a first-level folder joins that folder's
#: group (`cerebro`), a file directly in tests/ is its own.
DEMO_PLATFORM_GROUP = "demo_platform"


def _uses_the_duckdb_demo(item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    if names & {"demo_duckdb", "oracle_demos"}:  # oracle_demos reads it as oracle_demos["duckdb"]
        return True
    # Tests that pick the demo by name at run time (`request.getfixturevalue(f"demo_{kind}")`).
    return _picks_demo_of(item, "duckdb") and bool(names & (PER_WAREHOUSE_FIXTURES | {"request"}))


def _worker_group(item) -> str:
    if _uses_the_duckdb_demo(item):
        return DEMO_PLATFORM_GROUP
    relative = Path(str(item.path)).relative_to(Path(__file__).parent)
    if len(relative.parts) > 2:
        return "/".join(relative.parts[:2])
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def _join_worker_group(config, item) -> None:
    group = _worker_group(item)
    item.add_marker(pytest.mark.xdist_group(group))
    # pytest-xdist 3.8 groups tests by an `@group` suffix it writes to `item._nodeid`, which
    # pytest 9.2 no longer reads (it keeps node ids in `item._id`): without this line every
    # test is its own group and each worker builds the session fixtures again.
    if getattr(config.option, "loadgroup", False) and not item.nodeid.endswith(f"@{group}"):
        item._id = coerce_node_id(f"{item.nodeid}@{group}")


# First: xdist reads the groups in its own hook of the same name.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if _needs_extra_platform_run(item):
            item.add_marker(pytest.mark.slow)
        _join_worker_group(config, item)
