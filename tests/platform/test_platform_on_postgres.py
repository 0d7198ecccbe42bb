"""The whole platform on PostgreSQL gives what it gives on DuckDB.

`demo_warehouses` (tests/conftest.py) runs `cerebro run` on the same small demo twice: into a
DuckDB file, and with ``CEREBRO_WAREHOUSE=postgres`` into a fresh database of a throwaway
PostgreSQL 15 server whose TimeZone is deliberately not UTC. Oracles: the generator's datasets
(every row lands once; timestamps and amounts as generated), the DuckDB run (same raw shape and
rows, same marts), and the password (never written anywhere).

The two runs are session fixtures shared with the KPI oracle tests and the DuckDB end-to-end
tests, so the whole suite pays for each once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pyarrow.parquet as pq
import pytest
import yaml
from cerebro_raw_contract import STREAMS_BY_SOURCE

from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.settings import DBT_PROJECT_DIR
from cerebro.warehouse import Warehouse
from tests.support.demo_sources import DEMO_LANDED_SOURCES
from tests.support.mart_comparison import (
    assert_every_mart_matches,
    assert_same_rows,
    sorted_rows,
)

pytestmark = pytest.mark.e2e

TENANTS = ("test_cl", "test_pe")
RAW_TABLES = [
    f"raw_{source}.{stream}"
    for source in DEMO_LANDED_SOURCES
    for stream in STREAMS_BY_SOURCE[source]
]
CORE_MARTS = [
    "marts.dim_tenants", "marts.dim_customers", "marts.fct_orders", "marts.fct_order_lines",
    "marts.fct_checkouts", "marts.fct_ad_spend_daily", "marts.fct_organic_search_daily",
    "marts.fct_calendar_events",
]  # fmt: skip
#: Column type families: the two targets (and the two engines) spell types differently.
TYPE_FAMILIES = {
    "bigint": "integer", "integer": "integer", "smallint": "integer", "hugeint": "integer",
    "decimal": "exact number", "numeric": "exact number",
    "double": "float", "double precision": "float", "real": "float", "float": "float",
    "varchar": "text", "text": "text", "character varying": "text",
    "boolean": "boolean", "date": "date",
    "timestamp": "timestamp", "timestamp without time zone": "timestamp",
    "json": "json", "jsonb": "json",
}  # fmt: skip


def _type_family(data_type: str) -> str:
    return TYPE_FAMILIES[data_type.lower().split("(")[0]]


def _columns(warehouse: Warehouse, table: str) -> list[tuple[str, str]]:
    schema, name = table.split(".")
    frame = warehouse.query(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = %(schema)s and table_name = %(name)s order by ordinal_position",
        {"schema": schema, "name": name},
    )
    return list(frame.itertuples(index=False, name=None))


def test_platform_run_succeeds_on_postgres_and_says_where_the_data_is(demo_warehouses):
    run = demo_warehouses.postgres
    assert run.exit_code == 0, run.output
    assert "Cerebro platform run succeeded" in run.output
    pg = run.settings.postgres
    assert f"postgresql://{pg.user}@{pg.host}:{pg.port}/{pg.database}" in run.output
    dbt_line = next(line for line in run.output.splitlines() if line.startswith("dbt:"))
    passed, total = (
        int(dbt_line.split(";")[1].split()[0]),
        int(dbt_line.split(" of ")[1].split()[0]),
    )
    assert passed == total > 100
    assert dbt_line == next(
        line for line in demo_warehouses.duckdb.output.splitlines() if line.startswith("dbt:")
    )


@pytest.mark.parametrize("tenant", TENANTS)
@pytest.mark.parametrize("table", RAW_TABLES)
def test_every_generated_row_lands_once_in_postgres(demo_warehouses, table, tenant):
    stream = table.split(".")[1]
    generated = {
        run.kind: pq.read_metadata(run.data_dir / "demo" / tenant / f"{stream}.parquet").num_rows
        for run in demo_warehouses
    }
    landed = demo_warehouses.postgres.warehouse.query(
        f"select count(*) as n from {table} where tenant_id = %(tenant)s", {"tenant": tenant}
    )
    # The Peruvian store's rates stream is empty (its profile has no rate series).
    empty = (table, tenant) == ("raw_exchange_rates.daily_rates", "test_pe")
    assert generated["postgres"] == generated["duckdb"] > 0 or (
        empty and generated["postgres"] == generated["duckdb"] == 0
    )
    assert landed["n"].iloc[0] == generated["duckdb"]


@pytest.mark.parametrize("table", RAW_TABLES)
def test_raw_tables_have_the_duckdb_targets_columns_in_the_same_type_families(
    demo_warehouses, table
):
    duck = _columns(demo_warehouses.duckdb.warehouse, table)
    pg = _columns(demo_warehouses.postgres.warehouse, table)
    assert [name for name, _ in pg] == [name for name, _ in duck]
    assert [_type_family(t) for _, t in pg] == [_type_family(t) for _, t in duck]


@pytest.mark.parametrize("table", RAW_TABLES)
def test_raw_rows_are_the_same_on_both_warehouses(demo_warehouses, table):
    """Every value but Singer's load metadata: amounts exact, timestamps the same UTC instants."""
    assert_same_rows(
        sorted_rows(demo_warehouses.duckdb.warehouse, table),
        sorted_rows(demo_warehouses.postgres.warehouse, table),
        table,
        "postgres",
    )


def test_raw_timestamps_and_amounts_are_the_generated_ones(demo_warehouses):
    """Against the generator's own data (UTC), not just DuckDB: naive values hold UTC."""
    run = demo_warehouses.postgres
    generated = pq.read_table(run.data_dir / "demo" / "test_pe" / "orders.parquet").to_pylist()
    landed = run.warehouse.query(
        "select order_id, created_at, total_amount from raw_shopify.orders "
        "where tenant_id = %(tenant)s",
        {"tenant": "test_pe"},
    )
    by_id = {row.order_id: row for row in landed.itertuples()}
    assert any(Decimal(repr(order["total_amount"])) % 1 for order in generated)  # cents exist
    for order in generated:
        row = by_id[order["order_id"]]
        assert row.created_at.to_pydatetime() == order["created_at"]
        assert row.total_amount == Decimal(repr(order["total_amount"]))


def test_singer_load_times_are_utc_on_a_server_set_to_local_time(demo_warehouses, postgres_server):
    run = demo_warehouses.postgres
    with postgres_server.connect() as connection:
        (server_zone,) = connection.execute("show timezone").fetchone()
    assert server_zone != "UTC"
    loaded = run.warehouse.query(
        "select min(_sdc_batched_at) as first, max(_sdc_batched_at) as last from raw_shopify.orders"
    )
    slack = dt.timedelta(seconds=5)
    assert run.started_at - slack <= loaded["first"].iloc[0].to_pydatetime()
    assert loaded["last"].iloc[0].to_pydatetime() <= run.finished_at + slack


@pytest.mark.parametrize("table", CORE_MARTS)
def test_core_marts_are_identical_on_both_warehouses(demo_warehouses, table):
    assert_same_rows(
        sorted_rows(demo_warehouses.duckdb.warehouse, table),
        sorted_rows(demo_warehouses.postgres.warehouse, table),
        table,
        "postgres",
    )


def test_every_mart_is_built_on_both_warehouses_with_the_same_rows(demo_warehouses):
    """The KPI and ML marts too, whichever exist: no model may be DuckDB-only."""
    duckdb_run, postgres_run = demo_warehouses
    assert_every_mart_matches(duckdb_run.warehouse, postgres_run.warehouse, "postgres")


def _files_written_by(run) -> list[Path]:
    """Every file of the run's folder: the data directory holds dbt's folders too."""
    return [path for path in run.data_dir.parent.rglob("*") if path.is_file()]


def test_the_password_is_never_written_to_logs_state_or_output(demo_warehouses, postgres_server):
    run = demo_warehouses.postgres
    secret = postgres_server.password
    spellings = {secret, quote(secret, safe=""), quote(secret)}
    files = _files_written_by(run)
    assert any(path.name.endswith(".target.log") for path in files)
    assert any(path.name == "dbt.log" for path in files)
    leaks = [
        str(path)
        for path in files
        for spelling in spellings
        if spelling.encode() in path.read_bytes()
    ]
    assert not leaks
    assert not any(spelling in run.output for spelling in spellings)


def test_marts_are_indexed_on_what_dashboards_filter_by(demo_warehouses):
    """Oracle: each mart's columns; the index is (tenant_id, its partition or first date column),
    and the customer page's lookups (a customer's orders, an order's lines) have theirs."""
    postgres = demo_warehouses.postgres.warehouse
    indexes = (
        postgres.query("select tablename, indexdef from pg_indexes where schemaname = 'marts'")
        .groupby("tablename")["indexdef"]
        .agg(" | ".join)
    )
    assert "(tenant_id, created_date)" in indexes["fct_orders"]
    assert "(tenant_id, customer_id)" in indexes["fct_orders"]
    assert "(tenant_id, order_id)" in indexes["fct_order_lines"]
    assert "(tenant_id, spend_date)" in indexes["fct_ad_spend_daily"]
    assert "(tenant_id, signup_date)" in indexes["mart_acquisition_daily"]
    tables_with_tenant = postgres.query(
        "select distinct c.table_name from information_schema.columns as c"
        " join information_schema.tables as t using (table_schema, table_name)"
        " where c.table_schema = 'marts' and c.column_name = 'tenant_id'"
        " and t.table_type = 'BASE TABLE'"
    )["table_name"]
    unindexed = sorted(set(tables_with_tenant) - set(indexes.index))
    assert unindexed == []


def test_raw_tables_are_indexed_on_the_times_partition_runs_read(demo_warehouses):
    """Oracle: the sources' declared `partition_index_columns` (read from the dbt project's
    files here, not from dbt); the platform's dbt run created each (tenant_id, column) index."""
    sources = yaml.safe_load(
        (DBT_PROJECT_DIR / "models" / "staging" / "shopify" / "_shopify__sources.yml").read_text()
    )["sources"][0]
    declared = {
        f"CREATE INDEX {table['name']}__partition_{column} ON {sources['schema']}.{table['name']}"
        f" USING btree (tenant_id, {column})"
        for table in sources["tables"]
        for column in table["config"]["meta"].get("partition_index_columns", [])
    }
    indexes = set(
        demo_warehouses.postgres.warehouse.query(
            "select indexdef from pg_indexes where schemaname = %(schema)s",
            {"schema": sources["schema"]},
        )["indexdef"]
    )
    assert len(declared) >= 7
    assert declared <= indexes


def _planner_statistics(warehouse: Warehouse) -> dict[str, tuple[bool, int]]:
    """Per table of the marts and intermediates: whether the planner has column statistics for
    it, and how many times ANALYZE was run on it by hand (a post-hook), not by autovacuum."""
    frame = warehouse.query(
        "select t.schemaname || '.' || t.relname as name, t.analyze_count,"
        " exists (select 1 from pg_stats as s where s.schemaname = t.schemaname"
        " and s.tablename = t.relname) as has_statistics"
        " from pg_stat_user_tables as t where t.schemaname in ('marts', 'intermediate')"
    )
    return {
        row.name: (bool(row.has_statistics), int(row.analyze_count)) for row in frame.itertuples()
    }


def test_running_a_partition_again_changes_no_mart_on_postgres(demo_warehouses, tmp_path):
    """The incremental path on PostgreSQL: the last partition of both tenants, built again with
    its 30-day lookback, leaves every mart and intermediate table (decision 0017) as the first
    (full) build made it. The full build analyzed every table it wrote rows to; the partition
    run analyzes none that has statistics (decision 0043: ANALYZE is for new tables)."""
    postgres = demo_warehouses.postgres
    tables = postgres.warehouse.query(
        "select table_schema || '.' || table_name as name from information_schema.tables"
        " where table_schema in ('marts', 'intermediate') and table_type = 'BASE TABLE'"
    )["name"].tolist()
    assert "intermediate.int_touchpoints_channel_mapped" in tables
    before = {t: postgres.warehouse.query(f"select * from {t}") for t in tables}
    statistics_before = _planner_statistics(postgres.warehouse)
    unanalyzed = sorted(t for t in tables if len(before[t]) > 0 and not statistics_before[t][0])
    assert unanalyzed == []
    variables = {
        "partition_tenants": list(TENANTS),
        "partition_start_date": "2026-10-31",
        "partition_end_date": "2026-10-31",
    }
    dbt = Path(sys.executable).parent / "dbt"
    environ = {**os.environ, **postgres.settings.dbt_env()}
    subprocess.run(
        [str(dbt), "run", "--quiet", "--select", "config.materialized:incremental",
         "--vars", json.dumps(variables), "--target-path", str(tmp_path / "target")],
        cwd=DBT_PROJECT_DIR, env=environ, check=True,
    )  # fmt: skip
    for table, frame in before.items():
        after = postgres.warehouse.query(f"select * from {table}")
        columns = list(frame.columns)
        left = frame.sort_values(columns).reset_index(drop=True)
        right = after[columns].sort_values(columns).reset_index(drop=True)
        assert left.equals(right), table
    statistics_after = _planner_statistics(postgres.warehouse)
    analyzed_again = sorted(
        t
        for t, (has_statistics, count) in statistics_before.items()
        if has_statistics and statistics_after[t][1] != count
    )
    assert analyzed_again == []


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from _plan_nodes(child)


def _reads_of(warehouse: Warehouse, sql: str, params: dict, relation: str) -> list[dict]:
    """The scans of ``relation`` in PostgreSQL's plan for ``sql``."""
    explained = warehouse.query(f"explain (format json) {sql}", params).iloc[0, 0]
    plan = (json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]
    return [node for node in _plan_nodes(plan) if node.get("Relation Name") == relation]


def test_the_customer_page_reads_only_that_customers_orders(demo_warehouses):
    """Oracle: PostgreSQL's plans. The P(alive) history is a view of several CTEs over every
    order; unless its CTEs are inlined and the card filters on a value (not a join), PostgreSQL
    computes every tenant's history before picking one customer (minutes at the agency size)."""
    postgres = demo_warehouses.postgres.warehouse
    customer = postgres.query(
        "select customer_id from marts.mart_customer_value where tenant_id = 'test_cl' limit 1"
    ).iloc[0, 0]
    direct = _reads_of(
        postgres,
        "select * from marts.mart_customer_alive_history"
        " where tenant_id = %(tenant_id)s and customer_id = %(customer_id)s",
        {"tenant_id": "test_cl", "customer_id": customer},
        "mart_customer_orders_daily",
    )
    page = next(d for d in load_dashboards() if d.key == "ficha_cliente")
    card = page.card("ficha_probabilidad_activo")
    sql, params = card.bind({"tenant": "test_cl", "customer": None})
    from_card = _reads_of(postgres, sql, params, "mart_customer_orders_daily")
    for scan in direct + from_card:
        conditions = " ".join(scan.get(key, "") for key in ("Index Cond", "Recheck Cond", "Filter"))
        assert "customer_id" in conditions, scan
    assert direct and from_card
