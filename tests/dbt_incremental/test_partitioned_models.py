"""The partitioned dbt step (decision 0011) on a copy of the session's DuckDB demo, with dbt run
the way Dagster runs it: partition windows passed as vars.

Oracles: a full rebuild (`--full-refresh`) of the same data, and the untouched demo warehouse.
"""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest
from partitioned_dbt import DEMO_LAST_DAY, table_differences

pytestmark = pytest.mark.slow

DAYS = 60


def _delete_window(database, tables: dict[str, str | None], first_day: dt.date) -> None:
    """Lose the window's rows: what the partition runs must rebuild."""
    with duckdb.connect(str(database)) as connection:
        for table, date_column in tables.items():
            column = date_column or "signup_date"  # dim_customers: the window's new customers
            connection.execute(f"delete from marts.{table} where {column} >= ?", [first_day])


def test_sixty_partitions_one_by_one_equal_a_full_rebuild(dbt_on_copy, tmp_path):
    dbt_on_copy.invoke("run", "--select", "config.materialized:incremental", "--full-refresh")
    rebuilt = tmp_path / "full_rebuild.duckdb"
    shutil.copy(dbt_on_copy.database, rebuilt)
    tables = dbt_on_copy.incremental_tables()
    assert len(tables) >= 10 and "fct_orders" in tables and "dim_customers" in tables

    first_day = DEMO_LAST_DAY - dt.timedelta(days=DAYS - 1)
    _delete_window(dbt_on_copy.database, tables, first_day)
    lost = table_differences(dbt_on_copy.database, rebuilt, tables)
    assert set(lost) == set(tables), "every incremental table had rows in the window"

    # No lookback: each run must rebuild exactly its own day for the end state to match.
    for offset in range(DAYS):
        day = first_day + dt.timedelta(days=offset)
        dbt_on_copy.run_partitions(day, day, lookback_days=0)

    assert table_differences(dbt_on_copy.database, rebuilt, tables) == {}


def test_running_a_partition_again_changes_nothing(dbt_on_copy, demo_duckdb):
    tables = None
    for _ in range(2):
        dbt_on_copy.run_partitions(DEMO_LAST_DAY, DEMO_LAST_DAY)
        tables = tables or dbt_on_copy.incremental_tables()
        original = demo_duckdb.settings.duckdb_path
        assert table_differences(dbt_on_copy.database, original, tables) == {}


def test_a_restated_day_changes_only_its_partitions(dbt_on_copy, demo_duckdb):
    restated_day = DEMO_LAST_DAY - dt.timedelta(days=10)  # inside the 30-day lookback
    with duckdb.connect(str(dbt_on_copy.database)) as connection:
        restated = connection.execute(
            "update raw_meta_ads.ads_insights set spend = spend * 3 + 1"
            " where tenant_id = 'test_cl' and cast(date_start as date) = ?",
            [restated_day],
        ).fetchone()[0]
    assert restated > 0

    dbt_on_copy.run_partitions(DEMO_LAST_DAY, DEMO_LAST_DAY, tenants=["test_cl"])

    tables = dbt_on_copy.incremental_tables()
    changed = table_differences(dbt_on_copy.database, demo_duckdb.settings.duckdb_path, tables)
    assert "fct_ad_spend_daily" in changed
    with duckdb.connect(str(dbt_on_copy.database), read_only=True) as connection:
        connection.execute(f"attach '{demo_duckdb.settings.duckdb_path}' as original (read_only)")
        for table in changed:
            date_column = tables[table]
            assert date_column is not None, f"{table} changed but it is not daily"
            outside = connection.execute(
                f"select count(*) from ("
                f"  (select * from marts.{table} except all select * from original.marts.{table})"
                f"  union all"
                f"  (select * from original.marts.{table} except all select * from marts.{table})"
                f") as changed_rows where tenant_id <> 'test_cl' or {date_column} <> ?",
                [restated_day],
            ).fetchone()[0]
            assert outside == 0, f"{table}: {outside} rows changed outside the restated day"
