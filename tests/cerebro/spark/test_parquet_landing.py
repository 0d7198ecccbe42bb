"""The Parquet landing Spark reads (cerebro/spark/landing.py), checked by reading it back.

Oracle: the DuckDB tables the landing was written from. Every row comes back once, under its
tenant's folder, with its values; the types Spark cannot read arrive cast; an empty table
keeps its columns; a failed export leaves the previous landing as it was.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pytest

from cerebro.spark import landing
from cerebro.spark.landing import LandingError, land_as_parquet


@pytest.fixture
def warehouse(tmp_path) -> Path:
    path = tmp_path / "cerebro.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema raw_shop; create schema ml; create schema marts")
        connection.execute(
            "create table raw_shop.orders (tenant_id varchar, order_id uuid, "
            "created_at timestamp_s, total_amount decimal(38, 9), tags varchar[])"
        )
        connection.execute(
            "insert into raw_shop.orders values "
            "('shop_cl', '00000000-0000-0000-0000-000000000001', '2026-11-01 10:00:00', "
            "1990.5, ['a', 'b']), "
            "('shop_cl', '00000000-0000-0000-0000-000000000002', '2026-11-02 11:30:00', 10, []), "
            "('shop_pe', '00000000-0000-0000-0000-000000000003', '2026-11-03 00:00:01', 7.25, "
            "null)"
        )
        connection.execute("create table ml.empty_runs (tenant_id varchar, score double)")
        connection.execute("create table marts.not_a_source (tenant_id varchar)")
    return path


def _read(folder: Path):
    return ds.dataset(folder, format="parquet", partitioning="hive").to_table()


def test_every_row_lands_once_under_its_tenant_with_readable_types(warehouse, tmp_path):
    landed = {(t.schema, t.name): t for t in land_as_parquet(warehouse, tmp_path / "landing")}

    assert set(landed) == {("raw_shop", "orders"), ("ml", "empty_runs")}
    orders = landed["raw_shop", "orders"]
    assert (orders.partitioned, orders.rows) == (True, 3)
    assert sorted(p.name for p in orders.path.iterdir()) == [
        "tenant_id=shop_cl",
        "tenant_id=shop_pe",
    ]
    rows = sorted(_read(orders.path).to_pylist(), key=lambda row: row["order_id"])
    assert [row["tenant_id"] for row in rows] == ["shop_cl", "shop_cl", "shop_pe"]
    assert rows[0]["order_id"] == "00000000-0000-0000-0000-000000000001"
    assert rows[0]["created_at"] == dt.datetime(2026, 11, 1, 10, 0)
    assert rows[0]["total_amount"] == Decimal("1990.500000000")
    assert rows[0]["tags"] == "[a, b]"
    assert rows[2]["tags"] is None


def test_an_empty_table_keeps_its_columns(warehouse, tmp_path):
    landed = {t.name: t for t in land_as_parquet(warehouse, tmp_path / "landing")}

    empty = landed["empty_runs"]
    assert (empty.partitioned, empty.rows) == (False, 0)
    table = _read(empty.path)
    assert (table.num_rows, table.column_names) == (0, ["tenant_id", "score"])
    assert empty.as_dbt_arg()["partitioned_by"] is None
    assert landed["orders"].as_dbt_arg()["partitioned_by"] == "tenant_id"


def test_a_new_landing_replaces_the_old_one(warehouse, tmp_path):
    land_as_parquet(warehouse, tmp_path / "landing")
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("delete from raw_shop.orders where tenant_id = 'shop_pe'")

    land_as_parquet(warehouse, tmp_path / "landing")

    folder = tmp_path / "landing" / "raw_shop" / "orders"
    assert [p.name for p in folder.iterdir()] == ["tenant_id=shop_cl"]
    assert _read(folder).num_rows == 2
    assert [p.name for p in folder.parent.iterdir()] == ["orders"]  # nothing left aside


def test_a_failed_export_leaves_the_previous_landing(warehouse, tmp_path, monkeypatch):
    land_as_parquet(warehouse, tmp_path / "landing")
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("delete from raw_shop.orders")

    def disk_full(staging, folder):
        raise OSError("No space left on device")

    monkeypatch.setattr(landing, "_swap_in", disk_full)
    with pytest.raises(OSError):
        land_as_parquet(warehouse, tmp_path / "landing")

    folder = tmp_path / "landing" / "raw_shop" / "orders"
    assert _read(folder).num_rows == 3
    assert [p.name for p in folder.parent.iterdir()] == ["orders"]


@pytest.mark.parametrize("prepare", ["missing", "empty"])
def test_a_warehouse_without_landed_tables_is_one_clear_error(tmp_path, prepare):
    path = tmp_path / "cerebro.duckdb"
    if prepare == "empty":
        duckdb.connect(str(path)).close()

    with pytest.raises(LandingError, match="run `cerebro run`") as error:
        land_as_parquet(path, tmp_path / "landing")
    assert "\n" not in str(error.value)
