"""The warehouse's inputs as Parquet that Spark reads: one folder per table, split by tenant.

Spark reads the tables dbt's sources name (the landed ``raw_*`` streams and what Python writes:
``ml``, ``ops``, ``cerebro_config``) from files, as external tables. This module writes those
files from a landed DuckDB warehouse, the project's single-machine landing (its own target,
quarantine and record keys stay the one way rows land), so the same rows reach both engines.
On a cluster the landing folder is shared storage (HDFS, S3, GCS) instead of a local path.

Layout: ``<landing>/<schema>/<table>/tenant_id=<id>/*.parquet`` (Hive partitions: a night's
load of one tenant replaces one folder, and Spark prunes the others). A table with no rows is
one empty file that still carries the columns, since Spark cannot read the columns of an
empty partitioned folder.

Types: Parquet from DuckDB holds every type Spark reads except second-precision timestamps
(``TIMESTAMP_S``, Spark reads them as integers) and UUID, INTERVAL, JSON and nested types,
which the landing casts to timestamp and text.

Each table is written to a folder beside its final one and swapped in when complete, so a
failed export never leaves a half-written table where Spark reads.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

#: Schemas of the DuckDB warehouse that dbt reads as sources (the ``raw_`` prefix: every
#: landed stream). Seeds (``reference``) are built by dbt on Spark itself; dbt's own outputs
#: (staging, intermediate, marts) are what Spark computes.
SOURCE_SCHEMAS = ("cerebro_config", "ml", "ops")
RAW_SCHEMA_PREFIX = "raw_"
PARTITION_COLUMN = "tenant_id"
#: DuckDB types Spark cannot read from Parquet as they are, and the type the landing casts to.
_CASTS = {"TIMESTAMP_S": "TIMESTAMP", "TIMESTAMP_MS": "TIMESTAMP", "TIMESTAMP_NS": "TIMESTAMP",
          "TIMESTAMP WITH TIME ZONE": "TIMESTAMP", "UUID": "VARCHAR", "INTERVAL": "VARCHAR",
          "JSON": "VARCHAR"}  # fmt: skip


class LandingError(RuntimeError):
    """The Parquet landing cannot be written; the message, one line, says why."""


@dataclass(frozen=True)
class LandedTable:
    """A table written as Parquet: where, whether split by tenant, and its row count."""

    schema: str
    name: str
    path: Path
    partitioned: bool
    rows: int

    def as_dbt_arg(self) -> dict:
        """The table as ``register_landed_tables`` (dbt_project/macros) takes it."""
        return {
            "schema": self.schema,
            "name": self.name,
            "location": str(self.path),
            "partitioned_by": PARTITION_COLUMN if self.partitioned else None,
        }


def source_tables(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(schema, table) of every base table the dbt sources read, in a stable order."""
    rows = connection.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' "
        "and (table_schema in (select unnest($schemas)) or starts_with(table_schema, $prefix)) "
        "order by 1, 2",
        {"schemas": list(SOURCE_SCHEMAS), "prefix": RAW_SCHEMA_PREFIX},
    ).fetchall()
    return [(schema, name) for schema, name in rows]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _select_list(connection, schema: str, table: str) -> tuple[str, list[str]]:
    """The table's columns as a select list that casts what Spark cannot read, and the names."""
    columns = connection.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = $schema and table_name = $table order by ordinal_position",
        {"schema": schema, "table": table},
    ).fetchall()
    items = []
    for name, data_type in columns:
        nested = data_type.endswith("]") or data_type.startswith(("STRUCT", "MAP", "UNION"))
        target = "VARCHAR" if nested else _CASTS.get(data_type)
        column = _quoted(name)
        items.append(f"cast({column} as {target}) as {column}" if target else column)
    return ", ".join(items), [name for name, _ in columns]


def _write_table(connection, schema: str, table: str, folder: Path) -> LandedTable:
    select_list, names = _select_list(connection, schema, table)
    query = f"select {select_list} from {_quoted(schema)}.{_quoted(table)}"
    rows = connection.execute(f"select count(*) from {_quoted(schema)}.{_quoted(table)}")
    count = rows.fetchone()[0]
    partitioned = count > 0 and PARTITION_COLUMN in names
    staging = folder.with_name(f".{folder.name}.{uuid.uuid4().hex}")
    staging.mkdir(parents=True)
    try:
        if partitioned:
            connection.execute(
                f"copy ({query}) to '{staging}' "
                f"(format parquet, partition_by ({PARTITION_COLUMN}), overwrite_or_ignore)"
            )
        else:
            connection.execute(f"copy ({query}) to '{staging / 'part-0.parquet'}' (format parquet)")
        _swap_in(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return LandedTable(schema, table, folder, partitioned, count)


def _swap_in(staging: Path, folder: Path) -> None:
    """Replace ``folder`` by ``staging``: the old copy is renamed aside, then removed, so the
    folder is at any moment either the old table or the new one."""
    retired = folder.with_name(f".{folder.name}.retired.{uuid.uuid4().hex}")
    if folder.exists():
        folder.rename(retired)
    staging.rename(folder)
    shutil.rmtree(retired, ignore_errors=True)


def land_as_parquet(duckdb_path: Path, landing_dir: Path) -> list[LandedTable]:
    """Write every source table of the DuckDB warehouse under ``landing_dir``."""
    if not duckdb_path.exists():
        raise LandingError(f"no warehouse at {duckdb_path}: run `cerebro run` (or `make demo`)")
    try:
        connection = duckdb.connect(str(duckdb_path), read_only=True)
    except duckdb.Error as error:
        first_line = str(error).splitlines()[0]
        raise LandingError(f"cannot open {duckdb_path}: {first_line}") from error
    try:
        tables = source_tables(connection)
        if not tables:
            raise LandingError(f"{duckdb_path} holds no landed tables: run `cerebro run` first")
        landed = []
        for schema, table in tables:
            folder = landing_dir / schema / table
            folder.parent.mkdir(parents=True, exist_ok=True)
            landed.append(_write_table(connection, schema, table, folder))
        return landed
    finally:
        connection.close()
