"""Oracles of the fault suite: a warehouse after faults and recovery against a clean one.

Both DuckDB files are attached read-only to one in-memory connection and compared in SQL:
``EXCEPT ALL`` both ways is an order-independent multiset comparison with typed, exact values
(NULLs compare equal), so a row lost, a row duplicated and a value changed all show. Keys
come from the dbt manifest: the raw streams' ``meta.primary_key`` (decision 0012) and the
facts' and dimensions' ``unique_combination_of_columns`` tests.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from cerebro.landing.contracts.keys import primary_keys_from_manifest
from cerebro.settings import DBT_PROJECT_DIR

#: What dbt and the ML assets write for dashboards, and the operations tables (quarantine,
#: alerts): everything a user reads.
MART_SCHEMAS = ("marts", "ml", "ops")
#: The Dagster run history and the marts over it (the "Salud de datos" view): a faulted run is
#: in that history, which is what they are for. The suite checks them on their own.
RUN_HISTORY = frozenset({"ops.dagster_runs", "marts.mart_pipeline_runs",
                         "marts.mart_pipeline_reliability_daily"})  # fmt: skip
#: Columns that say when a row was written, not what it holds: they differ between any two
#: runs, clean or not. Singer's `_sdc_*` columns (and the landing marts' columns named after
#: them) are left out by their prefix.
WRITE_TIME_COLUMNS = frozenset(
    {"predicted_at", "recorded_at", "first_seen_at", "last_seen_at", "resolved_at", "sent_at"}
)
WRITE_TIME_COLUMNS_BY_TABLE = {"ops.alert_log": frozenset({"created_at"})}
#: Rows that measure a run rather than the data: how long the budget brain's fit took.
RUN_MEASUREMENTS = {"ml.ml_mmm_diagnostics": "metric <> 'fit_seconds'"}
#: Marts per day rows were landed (`_sdc_batched_date`) and their count column: a faulted run
#: and its recovery may land a stream's rows on two days (around midnight UTC) where a clean run
#: used one, so these are compared per stream, the counts summed over the landing days.
COUNTS_BY_LANDING_DAY = {
    "marts.mart_landing_daily": "rows_landed",
    "marts.mart_landing_latency_daily": "rows_timed",
}


@dataclass
class TableDiff:
    table: str
    rows: int
    lost: int
    extra: int


@dataclass
class WarehouseDiff:
    """How a warehouse differs from the clean one, table by table."""

    tables: list[TableDiff] = field(default_factory=list)
    missing_tables: list[str] = field(default_factory=list)
    extra_tables: list[str] = field(default_factory=list)
    column_mismatches: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)

    @property
    def rows_lost(self) -> int:
        return sum(table.lost for table in self.tables)

    @property
    def rows_extra(self) -> int:
        return sum(table.extra for table in self.tables)

    @property
    def identical(self) -> bool:
        return not (
            self.rows_lost
            or self.rows_extra
            or self.missing_tables
            or self.extra_tables
            or self.column_mismatches
        )

    def describe(self) -> str:
        lines = [f"missing tables: {self.missing_tables}"] if self.missing_tables else []
        lines += [f"unexpected tables: {self.extra_tables}"] if self.extra_tables else []
        lines += [f"{t}: columns {c}" for t, c in self.column_mismatches.items()]
        lines += [
            f"{t.table}: {t.lost} of {t.rows} clean rows lost or changed, {t.extra} extra"
            for t in self.tables
            if t.lost or t.extra
        ]
        return "\n".join(lines) or "identical"


@contextlib.contextmanager
def attached(**paths: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory connection with each DuckDB file attached read-only under its name."""
    with duckdb.connect() as connection:
        for name, path in paths.items():
            connection.execute(f"attach '{path}' as {name} (read_only)")
        yield connection


def _relations(connection, database: str, schemas: tuple[str, ...]) -> dict[str, list[str]]:
    """`schema.name` -> columns, for the tables and views of ``schemas``."""
    rows = connection.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_catalog = ? and table_schema in (select unnest(?)) "
        "order by table_schema, table_name, ordinal_position",
        [database, list(schemas)],
    ).fetchall()
    relations: dict[str, list[str]] = {}
    for schema, table, column in rows:
        relations.setdefault(f"{schema}.{table}", []).append(column)
    return relations


def compared_columns(table: str, columns: list[str]) -> list[str]:
    """The columns of ``table`` that hold data rather than the time it was written."""
    volatile = WRITE_TIME_COLUMNS | WRITE_TIME_COLUMNS_BY_TABLE.get(table, frozenset())
    return [c for c in columns if not c.startswith("_sdc_") and c not in volatile]


def _compared_rows(relation: str, table: str, columns: list[str]) -> str:
    kept = [f'"{c}"' for c in compared_columns(table, columns)]
    where = f" where {RUN_MEASUREMENTS[table]}" if table in RUN_MEASUREMENTS else ""
    total = COUNTS_BY_LANDING_DAY.get(table)
    if total is None:
        return f"select {', '.join(kept)} from {relation}{where}"
    grain = [c for c in kept if c != f'"{total}"']
    return (
        f"select {', '.join(grain)}, sum({total}) as {total} from {relation}{where} "
        f"group by {', '.join(grain)}"
    )


def diff_warehouses(clean: Path, actual: Path, schemas: tuple[str, ...]) -> WarehouseDiff:
    """Every table and view of ``schemas`` in ``actual`` against ``clean``."""
    result = WarehouseDiff()
    with attached(clean=clean, actual=actual) as connection:
        expected = _relations(connection, "clean", schemas)
        found = _relations(connection, "actual", schemas)
        for relations in (expected, found):
            for table in RUN_HISTORY & relations.keys():
                del relations[table]
        result.missing_tables = sorted(set(expected) - set(found))
        result.extra_tables = sorted(set(found) - set(expected))
        for table in sorted(set(expected) & set(found)):
            if expected[table] != found[table]:
                result.column_mismatches[table] = (expected[table], found[table])
                continue
            clean_rows, actual_rows = (
                _compared_rows(f"{database}.{table}", table, expected[table])
                for database in ("clean", "actual")
            )

            def count(sql: str) -> int:
                return connection.execute(f"select count(*) from ({sql})").fetchone()[0]

            result.tables.append(
                TableDiff(
                    table,
                    rows=count(clean_rows),
                    lost=count(f"{clean_rows} except all {actual_rows}"),
                    extra=count(f"{actual_rows} except all {clean_rows}"),
                )
            )
    return result


# Keys ---------------------------------------------------------------------------------------


def _manifest() -> dict:
    return json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())


def raw_keys() -> dict[str, tuple[str, ...]]:
    """`raw_<source>.<stream>` -> its primary key (tenant_id first), from the dbt sources."""
    return {
        f"raw_{source}.{stream}": key
        for (source, stream), key in primary_keys_from_manifest(_manifest()).items()
    }


def fact_keys() -> dict[str, tuple[str, ...]]:
    """`marts.<fct_ or dim_ model>` -> the columns its uniqueness test names."""
    manifest = _manifest()
    keys: dict[str, tuple[str, ...]] = {}
    for node in manifest["nodes"].values():
        test = node.get("test_metadata") or {}
        model_id = node.get("attached_node") or ""
        model = manifest["nodes"].get(model_id, {})
        if not model.get("name", "").startswith(("fct_", "dim_")):
            continue
        if test.get("name") == "unique_combination_of_columns":
            columns = tuple(test["kwargs"]["combination_of_columns"])
        elif test.get("name") == "unique":
            columns = (test["kwargs"]["column_name"],)
        else:
            continue
        keys[f"{model['schema']}.{model['name']}"] = columns
    return keys


def duplicate_keys(path: Path, keys: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Rows beyond the first per key, for each table of ``keys`` that exists in ``path``."""
    duplicates = {}
    with attached(w=path) as connection:
        present = {
            f"{schema}.{table}"
            for schema, table in connection.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_catalog = 'w'"
            ).fetchall()
        }
        for table, key in sorted(keys.items()):
            if table not in present:
                continue
            columns = ", ".join(f'"{c}"' for c in key)
            (extra,) = connection.execute(
                f"select count(*) - count(distinct ({columns})) from w.{table}"
            ).fetchone()
            duplicates[table] = int(extra)
    return duplicates
