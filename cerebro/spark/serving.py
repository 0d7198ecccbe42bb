"""The platform on Spark (``CEREBRO_WAREHOUSE=spark``, decision 0040): what happens around each
of the platform's dbt commands.

Spark runs the dbt project; the DuckDB file keeps the two jobs Spark has no place for on one
machine: it lands the sources (the project's own Singer target, quarantine and record keys, and
what Python writes: ML outputs, run history, configuration), and it serves Spark's marts to the
readers (KPI functions, ML assets, checks, the run summary, Metabase's DuckDB driver), which
read them through views over the tables' Parquet files. So every reader keeps its SQL, and only
dbt's steps change:

- before a dbt command, the sources are written as Parquet (``landing.py``) and their list put
  in ``CEREBRO_SPARK_LANDED`` for the project's on-run-start hook, which registers them;
- after it, each table Spark built in the served schemas becomes a view in the DuckDB file, and
  the models that only a serving engine can hold (table functions, whose parameters the
  reader gives) are built there by dbt on the DuckDB target, over those views.

On a cluster the landing and the warehouse folder are shared storage, and DuckDB reads the
Parquet there (its httpfs extension), or the readers query Spark's Thrift server (docs/spark.md).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb

from cerebro.settings import Settings
from cerebro.spark.dbt_command import run_dbt
from cerebro.spark.landing import LandedTable, land_as_parquet
from cerebro.warehouse import SparkBuildError

#: Spark schemas whose tables readers query (dbt's ``marts`` schema: the marts and the
#: dimensions). Staging and intermediate models are Spark's working state.
SERVED_SCHEMAS = ("marts",)
LANDED_ENV = "CEREBRO_SPARK_LANDED"
TENANT_PARTITION = "tenant_id"
#: Models built on the serving file after each Spark step: their SQL runs when a reader
#: calls them with parameters, so they live where the reader queries.
SERVING_MODELS = "config.materialized:table_function"


def landing_dir(settings: Settings) -> Path:
    return settings.spark_home / "landing"


def warehouse_dir(settings: Settings) -> Path:
    """Spark's folder of managed tables (``spark.sql.warehouse.dir`` in profiles.yml)."""
    return settings.spark_home / "warehouse"


def land_for_dbt(settings: Settings) -> list[LandedTable]:
    """Write the sources as Parquet under Spark's home."""
    return land_as_parquet(settings.duckdb_path, landing_dir(settings))


def registration_env(landed: list[LandedTable]) -> dict[str, str]:
    """The environment that tells the next dbt command which tables to register."""
    return {LANDED_ENV: json.dumps({"tables": [table.as_dbt_arg() for table in landed]})}


def spark_tables(settings: Settings, schema: str) -> dict[str, Path]:
    """Table name -> folder of each table Spark keeps in ``schema`` (``<schema>.db/<table>``).
    Folders being written (Spark's ``_temporary``, hidden names) are not tables."""
    folder = warehouse_dir(settings) / f"{schema}.db"
    if not folder.is_dir():
        return {}
    return {
        path.name: path
        for path in sorted(folder.iterdir())
        if path.is_dir() and not path.name.startswith(("_", "."))
    }


def _select(folder: Path) -> str:
    """The query over a table's files. A table partitioned by tenant keeps ``tenant_id`` in
    its folder names (read as text whatever it looks like), and its files have the other
    columns; the Hive layout puts it last, and every model of the project has it first."""
    files = str(folder / "**" / "*.parquet").replace("'", "''")
    if not any(folder.glob(f"{TENANT_PARTITION}=*")):
        return f"select * from read_parquet('{files}', union_by_name = true)"
    return (
        f"select {TENANT_PARTITION}, * exclude ({TENANT_PARTITION}) from read_parquet('{files}', "
        f"hive_partitioning = true, hive_types = {{'{TENANT_PARTITION}': varchar}}, "
        "union_by_name = true)"
    )


def _has_files(folder: Path) -> bool:
    return any(folder.rglob("*.parquet"))


def serve_spark_tables(settings: Settings, log: Path) -> int:
    """Point the DuckDB file's views at Spark's tables, then (once Spark has built the marts
    they read) build the serving models; returns how many tables are served."""
    served = expose_spark_tables(settings)
    if served:
        _build_serving_models(settings, log)
    return served


def expose_spark_tables(settings: Settings) -> int:
    """One view in the DuckDB file per table Spark keeps in the served schemas, reading the
    table's Parquet files; returns how many."""
    served = 0
    try:
        connection = duckdb.connect(str(settings.duckdb_path))
    except duckdb.Error as error:
        first_line = str(error).splitlines()[0]
        raise SparkBuildError(f"cannot open {settings.duckdb_path}: {first_line}") from error
    try:
        for schema in SERVED_SCHEMAS:
            connection.execute(f'create schema if not exists "{schema}"')
            built_here = _duckdb_tables(connection, schema)
            for table, folder in spark_tables(settings, schema).items():
                if not _has_files(folder):
                    continue  # dropped or never written: nothing a reader could get
                if table in built_here:
                    # A run on DuckDB built this mart in the file (`make demo` before a run on
                    # Spark): Spark's build replaces it, as a rebuild on DuckDB would.
                    connection.execute(f'drop table "{schema}"."{table}"')
                connection.execute(
                    f'create or replace view "{schema}"."{table}" as {_select(folder)}'
                )
                served += 1
    finally:
        connection.close()
    return served


def _duckdb_tables(connection: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    """The base tables (not views) of ``schema`` in the DuckDB file."""
    rows = connection.execute(
        "select table_name from duckdb_tables() where schema_name = ? and database_name = "
        "current_database()",
        [schema],
    ).fetchall()
    return {name for (name,) in rows}


def _build_serving_models(settings: Settings, log: Path) -> None:
    """``dbt run`` of the serving models on the DuckDB target, over the served views. Its own
    target folder keeps the DuckDB parse apart from the Spark one (each stays partial)."""
    env = {**os.environ, **settings.dbt_env(), "CEREBRO_WAREHOUSE": "duckdb"}
    env.pop(LANDED_ENV, None)
    log.write_text("", encoding="utf-8")
    arguments = ["run", "--select", SERVING_MODELS, "--target-path", "target/serving"]
    run_dbt("serving Spark's marts", arguments, env, log, target="duckdb")
