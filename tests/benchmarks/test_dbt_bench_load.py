"""The benchmark's bulk load lands what Singer lands. Oracle: the session's demo warehouses,
landed through the real `tap-cerebro-demo | target` path from the same generated datasets."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import duckdb
import pytest
import yaml
from cerebro_raw_contract import STREAMS_BY_SOURCE

from benchmarks.dbt_bench_data import bench_tenants
from benchmarks.dbt_bench_load import append_rows, create_raw_tables, landed_tables
from cerebro.settings import PostgresSettings, Settings
from cerebro.warehouse import Warehouse

RAW_TABLES = [
    (f"raw_{source}", stream) for source, streams in STREAMS_BY_SOURCE.items() for stream in streams
]
LANDED_AT = dt.datetime(2026, 11, 1, 6, 0, 0)


def _bench_tenant_ids(demo_root) -> str:
    """The bench's tenants (the demo's Shopify stores) as a SQL list."""
    return ", ".join(f"'{t.tenant_id}'" for t in bench_tenants("small", demo_root / "tenants.yml"))


def _bulk_load(warehouse: Warehouse, demo_root, demo_run) -> dict[str, int]:
    """The session demo's tenants, bulk loaded from the datasets its tap generated."""
    tenants = bench_tenants("small", demo_root / "tenants.yml")
    directories = {t.tenant_id: demo_run.settings.demo_dir / t.tenant_id for t in tenants}
    for tenant in tenants:  # the very datasets the demo landed, not a regenerated copy
        assert (directories[tenant.tenant_id] / "FINGERPRINT").read_text() == (
            tenant.settings.fingerprint
        )
    create_raw_tables(warehouse)
    return append_rows(warehouse, landed_tables(tenants, directories, LANDED_AT))


def _columns(connection, catalog: str | None = None) -> list[tuple]:
    where = "table_schema like 'raw\\_%' escape '\\'"
    if catalog:
        where += f" and table_catalog = '{catalog}'"
    rows = connection.execute(
        "select table_schema, table_name, column_name, data_type, ordinal_position "
        f"from information_schema.columns where {where} order by 1, 2, 5"
    ).fetchall()
    return [tuple(row) for row in rows if (row[0], row[1]) in RAW_TABLES]


def test_bulk_loaded_duckdb_raw_tables_equal_the_singer_landing(demo_duckdb, demo_root, tmp_path):
    database = tmp_path / "bulk.duckdb"
    bulk = Warehouse(Settings(tmp_path, tmp_path / "unused.yml", "duckdb", database))

    counts = _bulk_load(bulk, demo_root, demo_duckdb)

    with duckdb.connect(str(database)) as connection:
        connection.execute(f"attach '{demo_duckdb.settings.duckdb_path}' as landed (read_only)")
        # The benchmark writes an empty quarantine: so did the contract checks of the landing.
        open_entries = "select count(*) from landed.ops.quarantine where resolved_at is null"
        assert connection.execute(open_entries).fetchone()[0] == 0
        # The bench loads every stream the generator makes; the demo lands its tenants' sources.
        landed_tables = sorted({(row[0], row[1]) for row in _columns(connection, "landed")})
        sources = {
            source
            for tenant in yaml.safe_load((demo_root / "tenants.yml").read_text())["tenants"]
            for source in tenant["sources"]
        }
        assert {schema for schema, _ in landed_tables} == {f"raw_{s}" for s in sources}
        bulk_columns = [c for c in _columns(connection, "bulk") if (c[0], c[1]) in landed_tables]
        assert bulk_columns == _columns(connection, "landed")
        bench_ids = _bench_tenant_ids(demo_root)
        for schema, table in landed_tables:
            columns = ", ".join(
                f'"{name}"'
                for _, t, name, _, _ in _columns(connection, "landed")
                if t == table and not name.startswith("_sdc_")
            )
            mine = f"select {columns} from {schema}.{table}"
            theirs = (
                f"select {columns} from landed.{schema}.{table} where tenant_id in ({bench_ids})"
            )
            differing = connection.execute(
                f"select (select count(*) from ({mine} except all {theirs}))"
                f" + (select count(*) from ({theirs} except all {mine}))"
            ).fetchone()[0]
            assert differing == 0, f"{schema}.{table}: {differing} rows differ"
            landed = connection.execute(f"select count(*) from ({theirs})").fetchone()
            assert counts[f"{schema}.{table}"] == landed[0] > 0
            # Singer metadata: set where the target sets it, in the same types.
            nulls = connection.execute(
                f"select count(*) filter (where _sdc_batched_at is null),"
                f" count(*) filter (where _sdc_table_version is not null)"
                f" from {schema}.{table}"
            ).fetchone()
            assert nulls == (0, 0)


def _rows(server, database: str, schema: str, table: str, columns: list[str], where="") -> Counter:
    """The table's rows as a multiset; numerics by value (12345 and 12345.0 are one number)."""
    quoted = ", ".join(f'"{c}"' for c in columns)
    with server.connect(database) as connection:
        rows = connection.execute(f"select {quoted} from {schema}.{table} {where}").fetchall()
    return Counter(
        tuple(v.normalize() if isinstance(v, Decimal) else v for v in row) for row in rows
    )


@pytest.mark.slow
def test_bulk_loaded_postgres_raw_tables_equal_the_singer_landing(
    demo_postgres, demo_root, postgres_server
):
    database = postgres_server.create_database("bulk")
    bulk = Warehouse(
        Settings(
            demo_root,
            demo_root / "unused.yml",
            "postgres",
            postgres=PostgresSettings(
                postgres_server.host, postgres_server.port, postgres_server.user, database
            ),
        )
    )

    counts = _bulk_load(bulk, demo_root, demo_postgres)

    landed_database = demo_postgres.settings.postgres.database
    with postgres_server.connect(landed_database) as connection:
        landed_columns = _columns(connection)
    # As on DuckDB: the bench loads every stream, the demo lands its tenants' sources.
    landed_tables = sorted({(row[0], row[1]) for row in landed_columns})
    with postgres_server.connect(database) as connection:
        bulk_columns = [c for c in _columns(connection) if (c[0], c[1]) in landed_tables]
    assert bulk_columns == landed_columns
    bench_only = f"where tenant_id in ({_bench_tenant_ids(demo_root)})"
    for schema, table in landed_tables:
        columns = [
            name
            for s, t, name, _, _ in landed_columns
            if (s, t) == (schema, table) and not name.startswith("_sdc_")
        ]
        expected = _rows(postgres_server, landed_database, schema, table, columns, bench_only)
        actual = _rows(postgres_server, database, schema, table, columns)
        assert counts[f"{schema}.{table}"] == expected.total() > 0
        assert actual == expected, f"{schema}.{table}: {list((actual - expected).items())[:3]}"
