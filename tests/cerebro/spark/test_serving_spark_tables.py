"""Spark's marts served from the DuckDB file (cerebro/spark/serving.py), without Spark.

Oracle: Parquet folders laid out as Spark's warehouse keeps managed tables
(``<home>/warehouse/<schema>.db/<table>/part-*.parquet``, partitioned tables one folder per
value), written here by DuckDB from known rows: each view must give those rows back, and
nothing that is not a finished table may become one.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cerebro.settings import load_settings
from cerebro.spark.serving import expose_spark_tables
from cerebro.warehouse import SparkBuildError


@pytest.fixture
def settings(tmp_path):
    return load_settings({"CEREBRO_DATA_DIR": str(tmp_path), "CEREBRO_WAREHOUSE": "spark"})


def _spark_table(settings, schema: str, table: str, sql: str, partition: str | None = None):
    folder: Path = settings.spark_home / "warehouse" / f"{schema}.db" / table
    folder.mkdir(parents=True)
    with duckdb.connect() as connection:
        if partition:
            connection.execute(
                f"copy ({sql}) to '{folder}' (format parquet, partition_by ({partition}))"
            )
        else:
            part = folder / "part-00000.parquet"
            connection.execute(f"copy ({sql}) to '{part}' (format parquet)")
    (folder / "_SUCCESS").touch()  # Spark's marker of a finished write: not data
    return folder


def test_each_spark_table_is_a_view_with_its_rows(settings):
    _spark_table(
        settings, "marts", "mart_orders_daily",
        "select 'shop_cl' as tenant_id, date '2026-11-01' as order_date, 3 as orders "
        "union all select 'shop_pe', date '2026-11-01', 5",
    )  # fmt: skip
    _spark_table(
        settings, "marts", "fct_orders",
        "select * from (values ('shop_cl', 'o1', 10.5), ('shop_cl', 'o2', 1.0), "
        "('shop_pe', 'o3', 7.25)) t(tenant_id, order_id, total)",
        partition="tenant_id",
    )  # fmt: skip

    assert expose_spark_tables(settings) == 2

    with duckdb.connect(str(settings.duckdb_path), read_only=True) as connection:
        daily = connection.execute(
            "select tenant_id, orders from marts.mart_orders_daily order by 1"
        ).fetchall()
        orders = connection.execute(
            "select tenant_id, order_id, total from marts.fct_orders order by order_id"
        ).fetchall()
        columns = connection.execute("select * from marts.fct_orders limit 0").description
    assert daily == [("shop_cl", 3), ("shop_pe", 5)]
    # The partition column comes back from the folder names, first as in every model.
    assert orders == [("shop_cl", "o1", 10.5), ("shop_cl", "o2", 1.0), ("shop_pe", "o3", 7.25)]
    assert [column[0] for column in columns] == ["tenant_id", "order_id", "total"]


def test_a_rebuilt_table_is_read_afresh(settings):
    folder = _spark_table(settings, "marts", "dim_tenants", "select 'shop_cl' as tenant_id")
    expose_spark_tables(settings)
    (folder / "part-00000.parquet").unlink()
    with duckdb.connect() as connection:
        connection.execute(
            "copy (select 'shop_pe' as tenant_id) to "
            f"'{folder / 'part-00001.parquet'}' (format parquet)"
        )
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as connection:
        assert connection.execute("select * from marts.dim_tenants").fetchall() == [("shop_pe",)]


def test_only_finished_tables_of_served_schemas_are_served(settings):
    _spark_table(settings, "marts", "mart_kept", "select 1 as n")
    _spark_table(settings, "staging", "stg_orders", "select 1 as n")  # Spark's working state
    (settings.spark_home / "warehouse" / "marts.db" / "mart_empty_folder").mkdir()
    (settings.spark_home / "warehouse" / "marts.db" / "_temporary").mkdir()

    assert expose_spark_tables(settings) == 1

    with duckdb.connect(str(settings.duckdb_path), read_only=True) as connection:
        views = connection.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
        ).fetchall()
    assert views == [("marts.mart_kept",)]


def test_nothing_built_yet_serves_nothing(settings):
    assert expose_spark_tables(settings) == 0


def test_a_file_that_is_not_duckdb_is_one_line(settings):
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    settings.duckdb_path.write_text("not a database")
    _spark_table(settings, "marts", "mart_kept", "select 1 as n")
    with pytest.raises(SparkBuildError, match=r"^cannot open .*cerebro\.duckdb: ") as raised:
        expose_spark_tables(settings)
    assert "\n" not in str(raised.value)


def test_a_mart_a_duckdb_run_built_in_the_file_is_replaced(settings):
    """`make demo` (DuckDB) and then a run on Spark share the DuckDB file: the demo's table of
    a mart gives way to the view of Spark's, rather than stopping the run."""
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.duckdb_path)) as connection:
        connection.execute("create schema marts")
        connection.execute("create table marts.dim_tenants as select 'from_duckdb' as tenant_id")
        connection.execute("create table marts.mart_not_on_spark as select 1 as kept")
    _spark_table(settings, "marts", "dim_tenants", "select 'from_spark' as tenant_id")

    assert expose_spark_tables(settings) == 1

    with duckdb.connect(str(settings.duckdb_path), read_only=True) as connection:
        assert connection.execute("select * from marts.dim_tenants").fetchall() == [("from_spark",)]
        kinds = dict(
            connection.execute(
                "select table_name, table_type from information_schema.tables "
                "where table_schema = 'marts'"
            ).fetchall()
        )
    assert kinds == {"dim_tenants": "VIEW", "mart_not_on_spark": "BASE TABLE"}
