"""Bulk load of the dbt benchmark's raw tables, in the shape the Singer targets land them.

Landing millions of rows through Singer runs at a few thousand rows per second here, so the
benchmark lands its data in bulk instead, without giving up the target's shape:

- the tables are created by the real targets (``target-cerebro-duckdb``, ``target-postgres``),
  run in this process on the demo tap's SCHEMA messages: same columns, types, primary keys;
- the rows are the tap's records (``dbt_bench_data.landed_table``) appended with DuckDB's
  Arrow scan or PostgreSQL's ``COPY``, tenant after tenant in the tap's order, so that even
  the tables' physical order is the Singer path's. Append is the target's upsert here: the
  generated keys are unique.

Money columns pass through text as in the Singer path (the tap's JSON number becomes the
target's ``Decimal``): the shortest decimal of the double, rounded once to the column.
``tests/benchmarks`` compares a bulk-loaded warehouse with one landed through Singer.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.csv as pa_csv

from benchmarks.dbt_bench_data import BenchTenant, landed_tables, stream_specs
from cerebro.landing.ingest import raw_schema
from cerebro.tenants import tenants_frame
from cerebro.warehouse import Warehouse

#: Rows per COPY chunk sent to PostgreSQL (bounded memory for the CSV text).
COPY_CHUNK_ROWS = 200_000


@dataclass
class RawLoad:
    """What was landed: rows per raw table (``schema.table``) and the seconds it took."""

    rows: dict[str, int]
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def create_raw_tables(warehouse: Warehouse) -> None:
    """Create every raw table the demo tap lands, by running the warehouse's Singer target on
    the tap's SCHEMA messages (no records)."""
    specs = stream_specs()
    # The targets log their (secret-bearing) configuration at debug level only; keep the
    # benchmark's output to its own lines.
    logging.getLogger("singer_sdk").setLevel(logging.WARNING)
    for source in dict.fromkeys(spec.source for spec in specs):
        _, config = warehouse.singer_target(raw_schema(source))
        messages = [json.dumps(s.schema_message) for s in specs if s.source == source]
        target = _target_class(warehouse.engine)(config=config)
        logging.getLogger(target.name).setLevel(logging.WARNING)
        target.listen(io.StringIO("\n".join(messages) + "\n"))


def _target_class(kind: str):
    if kind == "duckdb":
        from target_cerebro_duckdb.target import TargetCerebroDuckDB

        return TargetCerebroDuckDB
    from target_postgres.target import TargetPostgres

    return TargetPostgres


def _duckdb_column_types(connection, schema: str, table: str) -> dict[str, str]:
    rows = connection.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return dict(rows)


def _append_duckdb(connection, schema: str, table: str, rows: pa.Table) -> None:
    types = _duckdb_column_types(connection, schema, table)
    missing = [name for name in rows.column_names if name not in types]
    if missing:
        raise ValueError(f"{schema}.{table} has no column for {missing}")
    casts = []
    for name in rows.column_names:
        quoted = '"' + name.replace('"', '""') + '"'
        source = f"cast({quoted} as varchar)" if types[name].startswith("DECIMAL") else quoted
        casts.append(f"cast({source} as {types[name]})")
    columns = ", ".join('"' + n.replace('"', '""') + '"' for n in rows.column_names)
    connection.register("landing_rows", rows)
    try:
        connection.execute(
            f'insert into "{schema}"."{table}" ({columns}) select {", ".join(casts)} '
            "from landing_rows"
        )
    finally:
        connection.unregister("landing_rows")


def _append_postgres(connection, schema: str, table: str, rows: pa.Table) -> None:
    columns = ", ".join('"' + n.replace('"', '""') + '"' for n in rows.column_names)
    # Arrow writes nulls as empty fields and quotes every string, which is exactly how
    # PostgreSQL's CSV format tells NULL from '' ; floats come out as their shortest decimal.
    options = pa_csv.WriteOptions(include_header=False)
    with (
        connection.cursor() as cursor,
        cursor.copy(f'copy "{schema}"."{table}" ({columns}) from stdin with (format csv)') as copy,
    ):
        for batch in rows.to_batches(max_chunksize=COPY_CHUNK_ROWS):
            buffer = io.BytesIO()
            pa_csv.write_csv(pa.Table.from_batches([batch], rows.schema), buffer, options)
            copy.write(buffer.getbuffer())


def append_rows(warehouse: Warehouse, tables: Iterable[tuple[str, str, pa.Table]]) -> dict:
    """Append each (schema, table, rows) to the warehouse; rows per ``schema.table``."""
    counts: dict[str, int] = {}
    append = _append_duckdb if warehouse.engine == "duckdb" else _append_postgres
    with warehouse.connect() as connection:
        for schema, table, rows in tables:
            append(connection, schema, table, rows)
            name = f"{schema}.{table}"
            counts[name] = counts.get(name, 0) + len(rows)
            if warehouse.engine == "postgres":
                connection.commit()  # one transaction per tenant and stream, as the target's
    return counts


def analyze_raw_tables(warehouse: Warehouse, names: Iterable[str]) -> None:
    """PostgreSQL: the statistics autovacuum gathers within minutes of a real landing (a bulk
    load followed at once by dbt would otherwise be planned without any)."""
    if warehouse.engine != "postgres":
        return
    with warehouse.connect() as connection:
        connection.autocommit = True
        for name in names:
            schema, table = name.split(".")
            connection.execute(f'vacuum analyze "{schema}"."{table}"')


def write_config_tables(warehouse: Warehouse, tenants: list[BenchTenant]) -> None:
    """What the platform writes beside the raw tables before dbt runs: the tenants table, the
    run history table of a new installation (no runs yet) and the landing's quarantine,
    which stays empty on demo data (the generator keeps every contract)."""
    from cerebro.landing.contracts.quarantine import ensure_quarantine_table
    from orchestration.run_history import COLUMN_TYPES

    warehouse.replace_table("cerebro_config", "tenants", tenants_frame([t.tenant for t in tenants]))
    columns = ", ".join(f"{name} {kind}" for name, kind in COLUMN_TYPES.items())
    with warehouse.connect() as connection:
        connection.execute("create schema if not exists ops")
        connection.execute(f"create table ops.dagster_runs ({columns})")
    ensure_quarantine_table(warehouse)


def load_raw_warehouse(
    warehouse: Warehouse, tenants: list[BenchTenant], directories: dict
) -> RawLoad:
    """Create the raw tables with the Singer target and bulk load every tenant's streams."""
    started = time.perf_counter()
    create_raw_tables(warehouse)
    landed_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = append_rows(warehouse, landed_tables(tenants, directories, landed_at))
    analyze_raw_tables(warehouse, rows)
    write_config_tables(warehouse, tenants)
    return RawLoad(rows=rows, seconds=time.perf_counter() - started)
