"""ops.dagster_runs keeps what each run's partition tags say it covered (tenant, first and last
partition date), and a table written by an older Cerebro gets the new columns in place."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest

from cerebro.settings import load_settings
from cerebro.warehouse import Warehouse
from orchestration.partitions import partition_key, tenant_daily_partitions
from orchestration.run_history import (
    RANGE_END_TAG,
    RANGE_START_TAG,
    partition_columns,
    write_run_history,
)

NOTHING = {"tenant_id": None, "partition_start_date": None, "partition_end_date": None}


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        pytest.param(
            {"dagster/partition": "2026-11-20|casafacil_cl",
             "dagster/partition/date": "2026-11-20", "dagster/partition/tenant": "casafacil_cl"},
            {"tenant_id": "casafacil_cl", "partition_start_date": "2026-11-20",
             "partition_end_date": "2026-11-20"},
            id="one_partition",
        ),
        pytest.param(
            {RANGE_START_TAG: "2026-11-01|casafacil_cl", RANGE_END_TAG: "2026-11-20|casafacil_cl"},
            {"tenant_id": "casafacil_cl", "partition_start_date": "2026-11-01",
             "partition_end_date": "2026-11-20"},
            id="range_of_one_tenant",
        ),
        pytest.param(
            {RANGE_START_TAG: "2026-11-01|casafacil_cl", RANGE_END_TAG: "2026-11-20|casafacil_pe"},
            {"tenant_id": None, "partition_start_date": "2026-11-01",
             "partition_end_date": "2026-11-20"},
            id="range_over_several_tenants",
        ),
        pytest.param({}, NOTHING, id="unpartitioned"),
        pytest.param({RANGE_START_TAG: "2026-11-01", RANGE_END_TAG: "2026-11-02"}, NOTHING,
                     id="range_of_another_partitioning"),
        pytest.param({RANGE_START_TAG: "ayer|casafacil_cl", RANGE_END_TAG: "hoy|casafacil_cl"},
                     {**NOTHING, "tenant_id": "casafacil_cl"}, id="dates_that_are_not_dates"),
    ],
)  # fmt: skip
def test_partition_columns_read_dagster_tags(tags, expected):
    assert partition_columns(tags) == expected


@dg.asset(partitions_def=tenant_daily_partitions)
def partitioned_thing() -> None:
    return None


partitioned_job = dg.define_asset_job("partitioned_job", selection=[partitioned_thing])
DEFINITIONS = dg.Definitions(assets=[partitioned_thing], jobs=[partitioned_job])


def _environ(request, kind: str, tmp_path) -> dict[str, str]:
    if kind == "duckdb":
        return {"CEREBRO_DUCKDB_PATH": str(tmp_path / "w.duckdb")}
    server = request.getfixturevalue("postgres_server")
    return server.cerebro_environ(server.create_database("run_history_partitions"))


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
def test_an_older_table_gets_the_partition_columns_and_its_views_keep_working(
    request, kind, tmp_path
):
    warehouse = Warehouse(load_settings(_environ(request, kind, tmp_path)))
    old = pd.DataFrame(
        {"run_id": ["old"], "job_name": ["cerebro_platform"], "status": ["SUCCESS"],
         "created_at": [pd.Timestamp("2026-01-01")], "started_at": [pd.Timestamp("2026-01-01")],
         "finished_at": [pd.Timestamp("2026-01-01 00:10")]}
    )  # fmt: skip
    warehouse.replace_table("ops", "dagster_runs", old)
    with warehouse.connect() as connection:  # what dbt's staging view does
        connection.cursor().execute("create view ops.runs_view as select * from ops.dagster_runs")
    job = DEFINITIONS.resolve_job_def("partitioned_job")
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("tenant", ["casafacil_cl", "casafacil_pe"])
        one = job.execute_in_process(
            instance=instance, partition_key=partition_key(pd.Timestamp("2026-11-20").date(),
                                                           "casafacil_pe"),
        )  # fmt: skip
        both = job.execute_in_process(
            instance=instance,
            tags={RANGE_START_TAG: "2026-11-01|casafacil_cl",
                  RANGE_END_TAG: "2026-11-20|casafacil_pe"},
        )  # fmt: skip
        assert write_run_history(warehouse, instance) == 2
    rows = warehouse.query("select * from ops.dagster_runs").set_index("run_id")
    assert rows.loc[one.run_id, "tenant_id"] == "casafacil_pe"
    assert rows.loc[one.run_id, "partition_start_date"] == "2026-11-20"
    assert pd.isna(rows.loc[both.run_id, "tenant_id"])
    assert rows.loc[both.run_id, ["partition_start_date", "partition_end_date"]].tolist() == [
        "2026-11-01", "2026-11-20"
    ]  # fmt: skip
    assert sorted(warehouse.query("select run_id from ops.runs_view")["run_id"]) == sorted(
        [one.run_id, both.run_id]
    )
