"""The whole platform with dbt on Apache Spark gives what it gives on DuckDB.

`demo_spark` (tests/conftest.py) runs `cerebro run` with ``CEREBRO_WAREHOUSE=spark`` on the
same small demo as `demo_duckdb`: the taps land into the run's DuckDB file, every dbt step
builds on Spark (inside each dbt process, the default on one machine) from the Parquet landing,
and the marts are served back from that file (decision 0040). Oracle: the DuckDB run, mart by
mart and KPI by KPI. The build leaves the data tests to the DuckDB run; each kind of test then
runs here on Spark (decision 0057).

Then a partition run on Spark (two days of one tenant, what a catch-up night's run does),
through a Spark Connect server started on this machine (``CEREBRO_SPARK_REMOTE=local``, the way
a cluster is reached, decision 0049): it must replace its tenant's partitions of the incremental
tables, leave the other tenant's files alone, and give the rows of a full build.

Needs the Spark extra (`make setup-spark`, which `make test` installs). The Spark run is the
suite's longest build (about ten minutes on two cores, most of it Spark's seconds per model and
test): it starts in the background before the first test (tests/support/shared_build.py);
these tests start after those that read no demo, on one worker, while the other runs the
DuckDB demo's readers (tests/conftest.py, `_start_order`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from cerebro.spark.connect_server import reach_spark
from cerebro.spark.dbt_command import run_dbt
from orchestration.dbt_selection import MACRO_TESTS
from orchestration.partitions import PartitionWindow
from tests.support.dbt_manifest import prepared_dbt_manifest
from tests.support.mart_comparison import (
    assert_every_mart_matches,
    assert_same_rows,
    sorted_rows,
)

pytestmark = [pytest.mark.e2e, pytest.mark.spark]


def _section(output: str, heading: str) -> list[str]:
    """The lines of the run summary's section under ``heading``, up to the next blank line."""
    lines = output.splitlines()
    start = lines.index(heading) + 1
    end = lines.index("", start)
    return lines[start:end]


def test_the_run_builds_on_spark_and_says_where_the_data_is(demo_spark):
    output = demo_spark.output
    assert "Running the platform for 3 tenants into spark…" in output
    dbt_steps = [line for line in output.splitlines() if line.strip().startswith("dbt_")]
    assert len(dbt_steps) == 3, dbt_steps
    # The steps that build marts serve them; the seeds' step has none yet to serve.
    assert all("failed" not in line for line in dbt_steps)
    assert sum("Spark tables served" in line for line in dbt_steps) == 3
    assert (
        f"Warehouse: Spark (tables in {demo_spark.data_dir / 'spark'}), "
        f"marts served from {demo_spark.data_dir / 'cerebro.duckdb'}"
    ) in output


def test_every_dbt_step_ran_spark_inside_dbt_without_a_server(demo_spark):
    logs = demo_spark.data_dir / "logs"
    assert not (logs / "spark-connect-server.log").exists()
    for step in ("dbt_reference", "dbt_models", "dbt_ml_models"):
        log = (logs / "dbt" / f"{step}.log").read_text(encoding="utf-8")
        assert "target='spark'" in log, step


def test_every_mart_has_duckdbs_rows(demo_duckdb, demo_spark):
    """Every mart the DuckDB run built, ML marts included, and no other."""
    assert_every_mart_matches(demo_duckdb.warehouse, demo_spark.warehouse, "spark")


def test_the_headline_kpis_are_duckdbs(demo_duckdb, demo_spark):
    """The KPI functions and the RFM table function read Spark's marts through the file."""
    heading = "Headline KPIs, each tenant's last 30 days of data:"
    spark_lines = _section(demo_spark.output, heading)
    assert spark_lines == _section(demo_duckdb.output, heading)
    assert any("Segmentos RFM" in line for line in spark_lines)


#: The last day of the test demo (tests/conftest.py, DEMO_TENANTS_YAML).
DEMO_LAST_DAY = dt.date(2026, 10, 31)


def _files(folder: Path) -> dict[str, float]:
    return {path.name: path.stat().st_mtime for path in folder.glob("*.parquet")}


@pytest.fixture(scope="module")
def spark_connect(demo_spark) -> Iterator[dict[str, str]]:
    """One Spark Connect server started here for this module's dbt commands, as a run's steps
    reach a cluster: dbt's environment to reach it."""
    settings = dataclasses.replace(demo_spark.warehouse.settings, spark_remote="local")
    with reach_spark(settings) as reached:
        yield {**os.environ, **reached.dbt_env()}


#: Generic tests whose arguments are only names (columns, models, quoting): every instance of
#: one kind is the same SQL up to those names, so one of each proves the kind runs on Spark.
#: A test whose argument is SQL (expression_is_true's expression) proves only itself.
SQL_ARGUMENTS = {"expression_is_true": "expression"}
#: The tag of the macro tests' models (orchestration/dbt_selection.py, MACRO_TESTS).
MACRO_TEST_TAG = MACRO_TESTS.removeprefix("tag:")


def _data_tests_that_prove_each_kind() -> list[str]:
    """Every singular test, every test whose argument is SQL, one test of every other kind
    (its macro, its arguments' names, its quoting): decision 0057. Not the tests of the macro
    tests' fixed cases, which no run builds (CI runs them on DuckDB, see MACRO_TESTS)."""
    manifest = json.loads(prepared_dbt_manifest().read_text(encoding="utf-8"))
    nodes = manifest["nodes"]
    chosen: dict[tuple, str] = {}
    for node in sorted(nodes.values(), key=lambda node: node["name"]):
        if node["resource_type"] != "test" or any(
            MACRO_TEST_TAG in nodes.get(parent, {}).get("tags", [])
            for parent in node["depends_on"]["nodes"]
        ):
            continue
        generic = node.get("test_metadata")
        if generic is None or generic["name"] in SQL_ARGUMENTS:
            chosen[(node["name"],)] = node["name"]
            continue
        arguments = generic["kwargs"]
        kind = (generic["name"], tuple(sorted(arguments)), arguments.get("quote"))
        chosen.setdefault(kind, node["name"])
    return sorted(chosen.values())


def test_every_kind_of_data_test_runs_on_spark_and_passes(spark_connect, tmp_path):
    """The Spark build leaves the data tests out (decision 0057): the marts equal DuckDB's,
    where every test passes. What only Spark can fail is a test's SQL: each kind runs here,
    on the marts the build made."""
    selected = _data_tests_that_prove_each_kind()
    singular = [name for name in selected if name.startswith("assert_")]
    assert len(singular) >= 7 and len(selected) >= 80, selected
    target = tmp_path / "target"
    run_dbt(
        "the data tests", ["test", "--select", *selected, "--target-path", str(target)],
        spark_connect, tmp_path / "spark-tests.log",
    )  # fmt: skip
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    outcomes = {  # the project's on-run-start hooks have results too
        result["unique_id"].split(".")[2]: result["status"]
        for result in results
        if result["unique_id"].startswith("test.")
    }
    assert sorted(outcomes) == selected
    assert set(outcomes.values()) == {"pass"}, outcomes


def test_a_partition_run_replaces_its_tenants_partitions_as_a_full_build_would(
    demo_duckdb, demo_spark, spark_connect, tmp_path
):
    """Last in this module: it runs dbt on the Spark warehouse the other tests read."""
    settings = demo_spark.warehouse.settings
    marts = settings.spark_home / "warehouse" / "marts.db"
    # The incremental marts: tables partitioned by tenant.
    partitioned = sorted(p.name for p in marts.iterdir() if (p / "tenant_id=test_pe").is_dir())
    assert {"fct_orders", "dim_customers", "mart_orders_daily", "mart_rfm_customers"} <= set(
        partitioned
    )
    untouched = {name: _files(marts / name / "tenant_id=test_cl") for name in partitioned}
    # A stale copy of test_pe's rows in every partition: the run must replace the folder.
    for name in partitioned:
        folder = marts / name / "tenant_id=test_pe"
        shutil.copy(next(folder.glob("*.parquet")), folder / "part-stale-copy.parquet")

    # The last two days in one run (a catch-up night's window, as a single-run backfill gives
    # it), on the module's Spark Connect server, as a run's steps reach a cluster. One dbt
    # invocation: on Spark each costs every incremental model's statements whatever its days.
    log = tmp_path / "spark-partitions.log"  # a dbt without the server fails: no Spark settings
    env = spark_connect
    assert env["SPARK_REMOTE"].startswith("sc://127.0.0.1:")
    assert env["CEREBRO_DBT_TARGET"] == "spark_connect"
    window = PartitionWindow(("test_pe",), DEMO_LAST_DAY - dt.timedelta(days=1), DEMO_LAST_DAY)
    # A target folder of its own: dbt_project/target holds the manifest the Dagster
    # definitions are built from, which other tests read meanwhile (a Spark manifest there
    # lacks the DuckDB-only table functions).
    run_dbt(
        f"the partitions {window.start} to {window.end}",
        ["run", "--select", "config.materialized:incremental",
         "--target-path", str(tmp_path / "target")],
        {**env, **window.dbt_env()}, log,
    )  # fmt: skip

    server_log = (settings.logs_dir / "spark-connect-server.log").read_text(encoding="utf-8")
    starts = [line for line in server_log.splitlines() if line.startswith("$ ")]
    assert len(starts) == 1, starts  # one server for the run and the module's data tests
    assert "spark.connect.grpc.binding.address=127.0.0.1" in starts[0]

    assert {name: _files(marts / name / "tenant_id=test_cl") for name in partitioned} == untouched
    for name in partitioned:
        table = f"marts.{name}"
        assert_same_rows(
            sorted_rows(demo_duckdb.warehouse, table),
            sorted_rows(demo_spark.warehouse, table),
            table,
            "spark",
        )
