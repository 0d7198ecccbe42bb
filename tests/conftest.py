"""Session fixtures shared across the suite: a throwaway PostgreSQL server, and the same small
demo platform run once on each warehouse (DuckDB, Spark and PostgreSQL)."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from _pytest.nodeid import coerce_node_id

from cerebro.settings import environment_set
from orchestration.partition_days import FALLBACK_START, START_ENV
from tests.support.demo_platform import (
    DEMO_TENANTS_YAML,
    DemoRun,
    read_shared_run,
    run_demo_platform,
)
from tests.support.shared_build import SharedBuild, stop_builder
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


# The same small demo on every warehouse ------------------------------------------------------

#: The demos built once per test run in the background and shared by every worker
#: (tests/support/shared_build.py), by the fixture that reads each.
SHARED_DEMOS = {"demo_duckdb": "duckdb", "demo_spark": "spark"}


def _shared_builds_root(tmp_path_factory) -> Path:
    """A folder every worker of this test run shares (pytest-xdist's recipe: the workers'
    base folders are siblings); without xdist, the session's own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _shared_demo(tmp_path_factory, fixture: str) -> SharedBuild:
    folder = _shared_builds_root(tmp_path_factory) / "shared_demos" / SHARED_DEMOS[fixture]
    return SharedBuild(folder, "tests.support.demo_platform")


def _demos_needed(items) -> set[str]:
    needed = set().union(*(_shared_demos_read(item) for item in items))
    if not importlib.util.find_spec("pyspark"):
        needed.discard("demo_spark")  # its tests skip
    return needed


#: How much lower than the shared builds' the workers' CPU priority is (a nice increment).
WORKER_NICENESS = 5


@pytest.fixture(scope="session", autouse=True)
def _start_shared_demos(request, tmp_path_factory) -> Iterator[None]:
    """Start, in the background, the build of every shared demo this run's tests read, before
    the first test: the workers run other tests while it builds.

    The builds are the run's critical path (the Spark demo and then its tests take longer than
    any worker's share of the rest), so the workers then lower their own priority: the builds
    take the cores when they need them and the workers every cycle they leave."""
    needed = _demos_needed(request.session.items)
    under_xdist = bool(os.environ.get("PYTEST_XDIST_WORKER"))
    # In a single process, nothing can read a build after this session: one still running
    # when it ends (a run of a few files, stopped by -x) is stopped with it, or it would go
    # on for minutes, orphaned. Under xdist another worker may still be waiting for it.
    started = [
        _shared_demo(tmp_path_factory, fixture).start(own_process_group=not under_xdist)
        for fixture in sorted(needed)
    ]
    if needed and under_xdist:
        os.nice(WORKER_NICENESS)
    yield
    if not under_xdist:
        for builder in filter(None, started):
            stop_builder(builder)


@pytest.fixture(scope="session")
def run_demo():
    """`run_demo_platform`, for conftests below this one (they cannot import this module)."""
    return run_demo_platform


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory) -> Path:
    """Where this worker's demo runs live, with the shared tenants file."""
    root = tmp_path_factory.mktemp("demo_warehouses")
    (root / "tenants.yml").write_text(DEMO_TENANTS_YAML, encoding="utf-8")
    return root


def _succeeded(run: DemoRun) -> DemoRun:
    if run.exit_code != 0:
        pytest.fail(f"the demo platform failed on {run.kind}:\n{run.output}", pytrace=False)
    return run


@pytest.fixture(scope="session")
def demo_duckdb(demo_root, tmp_path_factory) -> DemoRun:
    """The small demo run once per test run on DuckDB (fails if the run failed), copied into
    this worker's folder: a test may write to this warehouse while other workers read theirs."""
    build = _shared_demo(tmp_path_factory, "demo_duckdb")
    result = build.wait()
    root = demo_root / "duckdb"
    return _succeeded(read_shared_run(build.directory, result, root, demo_root / "tenants.yml"))


@pytest.fixture(scope="session")
def demo_spark(tmp_path_factory) -> DemoRun:
    """The same demo run once per test run with dbt on Spark (local), its marts served from
    the run's DuckDB file (decision 0040). Skipped without the Spark extra.

    Read in place: Spark's metastore holds its tables' absolute paths. Only the Spark folder's
    tests read it, and they share a worker (their folder is their worker group)."""
    pytest.importorskip("pyspark", reason="the Spark extra is not installed (make setup-spark)")
    build = _shared_demo(tmp_path_factory, "demo_spark")
    result = build.wait()
    return _succeeded(
        read_shared_run(build.directory, result, build.directory, build.directory / "tenants.yml")
    )


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


@dataclass
class DemoWarehouses:
    """The same tenants file run through the whole platform on DuckDB and on PostgreSQL."""

    tenants_file: Path
    duckdb: DemoRun
    postgres: DemoRun

    def __iter__(self) -> Iterator[DemoRun]:
        return iter((self.duckdb, self.postgres))


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


def _uses_the_duckdb_demo(item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    if names & {"demo_duckdb", "oracle_demos"}:  # oracle_demos reads it as oracle_demos["duckdb"]
        return True
    # Tests that pick the demo by name at run time (`request.getfixturevalue(f"demo_{kind}")`).
    return _picks_demo_of(item, "duckdb") and bool(names & (PER_WAREHOUSE_FIXTURES | {"request"}))


def _shared_demos_read(item) -> set[str]:
    """The shared demos (fixture names) a test reads, directly or through other fixtures."""
    demos = {"demo_spark"} & set(getattr(item, "fixturenames", ()))
    if _uses_the_duckdb_demo(item):
        demos.add("demo_duckdb")
    return demos


#: The floors of cerebro/ whose packages tests/cerebro mirrors one level deeper
#: (tests/cerebro/serving/kpis for cerebro/serving/kpis; decision 0056).
_CEREBRO_FLOORS = {"landing", "serving", "actions", "cli"}


def _folder(item) -> str:
    """The test's folder as tests/ mirrors the packages: two levels down (`dbt_project/marts`,
    `platform/e2e`, `cerebro/spark`), three under a floor of cerebro/ (`cerebro/serving/kpis`),
    so that each package's tests stay a group of their own; a first-level folder for a file
    directly in it (`cerebro`), the file's stem for a file directly in tests/."""
    parts = Path(str(item.path)).relative_to(Path(__file__).parent).parts
    depth = 3 if parts[0] == "cerebro" and len(parts) > 3 and parts[1] in _CEREBRO_FLOORS else 2
    if len(parts) > depth:
        return "/".join(parts[:depth])
    return parts[0] if len(parts) > 1 else Path(parts[0]).stem


#: Under pytest-xdist (`make test` runs two workers), tests sharing a session fixture should
#: share a worker, or each worker pays for the fixture: tests are grouped by their folder,
#: whose conftests hold the folder's own session fixtures (crafted warehouses, parsed
#: projects). A folder's tests that read a shared demo form a group of their own: the demos
#: are built once per run whatever the worker, and the folder's other tests need not wait.
def _worker_group(item) -> str:
    demos = _shared_demos_read(item)
    # Spark's demo is read in place and its last test writes to it: its readers share a group.
    return "+".join([_folder(item), *(["demo_spark"] if "demo_spark" in demos else sorted(demos))])


def _start_order(item) -> int:
    """Tests that wait for no demo first, while the demos build; then Spark's group, on one
    worker, while the other starts on the DuckDB demo's readers. Measured on two cores: with
    Spark's group last, its 224 s ran alone after every other test had ended (one core idle for
    175 s); the DuckDB readers (318 s in all) fill that time instead. A worker that reaches
    Spark's group before its build ends waits while the build and the other worker keep both
    cores busy."""
    demos = _shared_demos_read(item)
    return 1 if "demo_spark" in demos else 2 if demos else 0


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
    # Stable: each worker sorts the same collection the same way, as xdist requires. `make
    # test` keeps this order of groups (--no-loadscope-reorder).
    items.sort(key=_start_order)
    for item in items:
        if _needs_extra_platform_run(item):
            item.add_marker(pytest.mark.slow)
        _join_worker_group(config, item)
