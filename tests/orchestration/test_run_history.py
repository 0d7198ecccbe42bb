"""Dagster's run history lands in ops.dagster_runs with each run's outcome."""

from __future__ import annotations

import dagster as dg
import pytest

from cerebro.settings import load_settings
from cerebro.warehouse import Warehouse
from orchestration.run_history import write_run_history


@dg.op
def succeed() -> None:
    return None


@dg.op
def fail() -> None:
    raise RuntimeError("boom")


@dg.job
def good_job():
    succeed()


@dg.job
def bad_job():
    fail()


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    return Warehouse(load_settings({"CEREBRO_DUCKDB_PATH": str(tmp_path / "w.duckdb")}))


def test_every_run_is_written_with_its_status_and_times(warehouse):
    with dg.DagsterInstance.ephemeral() as instance:
        good = good_job.execute_in_process(instance=instance)
        bad = bad_job.execute_in_process(instance=instance, raise_on_error=False)
        assert write_run_history(warehouse, instance) == 2
    rows = warehouse.query("select * from ops.dagster_runs").set_index("run_id")
    assert rows.loc[good.run_id, "status"] == "SUCCESS"
    assert rows.loc[bad.run_id, "status"] == "FAILURE"
    assert (rows["finished_at"] >= rows["started_at"]).all()
    assert set(rows["job_name"]) == {"good_job", "bad_job"}


def test_an_instance_without_runs_still_gets_a_typed_empty_table(warehouse):
    with dg.DagsterInstance.ephemeral() as instance:
        assert write_run_history(warehouse, instance) == 0
    types = warehouse.query(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'ops' and table_name = 'dagster_runs'"
    ).set_index("column_name")["data_type"]
    assert types["run_id"] == "VARCHAR" and types["finished_at"].startswith("TIMESTAMP")


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
def test_rewriting_keeps_the_table_and_the_views_that_read_it(request, kind, tmp_path):
    if kind == "duckdb":
        environ = {"CEREBRO_DUCKDB_PATH": str(tmp_path / "w.duckdb")}
    else:
        server = request.getfixturevalue("postgres_server")
        environ = server.cerebro_environ(server.create_database("run_history"))
    warehouse = Warehouse(load_settings(environ))
    with dg.DagsterInstance.ephemeral() as instance:
        good_job.execute_in_process(instance=instance)
        write_run_history(warehouse, instance)
        with warehouse.connect() as connection:  # what dbt's staging view does
            connection.execute("create view ops.runs_view as select * from ops.dagster_runs")
        bad_job.execute_in_process(instance=instance, raise_on_error=False)
        assert write_run_history(warehouse, instance) == 2
    statuses = warehouse.query("select status from ops.runs_view")["status"]
    assert sorted(statuses) == ["FAILURE", "SUCCESS"]
