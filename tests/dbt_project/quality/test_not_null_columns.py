"""not_null_columns, the one test per model of its required columns (decision 0019): it fails
on NULLs in any of its columns, names each column with its count of NULLs, counts the NULLs as
`not_null` would, and in a partition run reads the window only (decision 0015)."""

from __future__ import annotations

import datetime as dt

import duckdb

from orchestration.partitions import PartitionWindow

TEST = "not_null_columns_fct_orders"
#: The demo of tests/conftest.py ends on this day; with the lookback the window starts in October.
WINDOW = PartitionWindow(("test_cl", "test_pe"), dt.date(2026, 10, 31), dt.date(2026, 10, 31))
OLDER_THAN_THE_WINDOW = dt.date(2026, 8, 1)


def _run(copy, env=None) -> dict:
    copy.dbt("test", "--store-failures", "--select", TEST, env=env)
    (result,) = copy.node_results()
    return result


def _null_out(connection, column: str, rows: int, *, before: dt.date | None = None) -> None:
    older = "and created_date < ?" if before else ""
    connection.execute(
        f"update marts.fct_orders set {column} = null where order_id in ("
        f"  select order_id from marts.fct_orders where tenant_id = 'test_cl' {older}"
        f"  order by order_id limit {rows}) and tenant_id = 'test_cl'",
        [before] if before else [],
    )


def test_it_names_each_column_with_nulls_and_counts_the_nulls(warehouse_copy):
    assert _run(warehouse_copy)["status"] == "pass"
    with duckdb.connect(str(warehouse_copy.database)) as connection:
        _null_out(connection, "net_amount", 2)
        _null_out(connection, "created_hour", 1)

    result = _run(warehouse_copy)
    assert (result["status"], result["failures"]) == ("fail", 3)
    with duckdb.connect(str(warehouse_copy.database), read_only=True) as connection:
        stored = connection.execute(
            f"select column_name, null_rows from {result['relation_name']}"
        ).fetchall()
    assert sorted(stored) == [("created_hour", 1), ("net_amount", 2)]


def test_a_partition_run_reads_its_window_and_the_full_build_everything(warehouse_copy):
    with duckdb.connect(str(warehouse_copy.database)) as connection:
        _null_out(connection, "is_valid", 1, before=OLDER_THAN_THE_WINDOW)

    assert _run(warehouse_copy, env=WINDOW.dbt_env())["status"] == "pass"
    assert _run(warehouse_copy)["status"] == "fail"
