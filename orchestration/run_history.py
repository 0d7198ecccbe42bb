"""Dagster's run history copied into the warehouse (``ops.dagster_runs``), so that the
"Salud de datos" dashboard can show pipeline runs and failures next to the data they made.

The Dagster instance is the source of truth; the table is replaced from it, before the
platform job (so dbt's views find it) and after (so the run that just ended is in it).

Runs are partitioned per local day and tenant (decision 0011), so each row also keeps what a
run's tags say it covered: the tenant when it covered one (NULL for a run over several tenants
or an unpartitioned one) and its first and last partition date, read from the per-dimension
tags of a one-partition run or from the range tags of a single-run backfill.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from orchestration.partitions import (
    RANGE_END_TAG,
    RANGE_START_TAG,
    TENANT_PARTITIONS,
    tenant_daily_partitions,
)

#: The newest runs kept in the table: a year of daily runs and their re-runs.
MAX_RUNS = 2000
#: Columns and their warehouse types. Columns added after a warehouse first got the table are
#: added to it in place (views depend on the table, so it is never dropped).
COLUMN_TYPES = {
    "run_id": "text",
    "job_name": "text",
    "status": "text",
    "created_at": "timestamp",
    "started_at": "timestamp",
    "finished_at": "timestamp",
    "tenant_id": "text",
    # ISO dates as Dagster tags them (text); staging casts them.
    "partition_start_date": "text",
    "partition_end_date": "text",
}
COLUMNS = list(COLUMN_TYPES)
_TEXT_COLUMNS = [name for name, kind in COLUMN_TYPES.items() if kind == "text"]
_TIME_COLUMNS = [name for name, kind in COLUMN_TYPES.items() if kind == "timestamp"]

#: Dagster's run tags: one partition of a multi-partitioned job gets one tag per dimension;
#: a single-run backfill gets the first and last key of its range (RANGE_START_TAG,
#: RANGE_END_TAG).
DIMENSION_TAG_PREFIX = "dagster/partition/"
DATE_DIMENSION = "date"


def _utc(timestamp: float | None) -> dt.datetime | None:
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).replace(tzinfo=None)


def _iso_date(value: str | None) -> str | None:
    """The value when it is an ISO date, else None (staging casts it to a date)."""
    try:
        return dt.date.fromisoformat(value).isoformat() if value else None
    except ValueError:
        return None


def _dimensions(key: str | None) -> dict[str, str]:
    """A multi-partition key string split into its dimensions ({} if it is not one)."""
    names = tenant_daily_partitions.partition_dimension_names
    parts = (key or "").split("|")
    return dict(zip(names, parts, strict=True)) if len(parts) == len(names) else {}


def partition_columns(tags: dict[str, str]) -> dict[str, str | None]:
    """The tenant and first / last partition date a run covered, from its tags.

    A range over several tenants has no single tenant (NULL: the run covered several). Runs
    of unpartitioned jobs, and tags that are not partition keys, give NULLs."""
    if f"{DIMENSION_TAG_PREFIX}{TENANT_PARTITIONS}" in tags:
        first = last = {
            DATE_DIMENSION: tags.get(f"{DIMENSION_TAG_PREFIX}{DATE_DIMENSION}"),
            TENANT_PARTITIONS: tags[f"{DIMENSION_TAG_PREFIX}{TENANT_PARTITIONS}"],
        }
    else:
        first, last = _dimensions(tags.get(RANGE_START_TAG)), _dimensions(tags.get(RANGE_END_TAG))
    tenant = first.get(TENANT_PARTITIONS)
    return {
        "tenant_id": tenant if tenant and tenant == last.get(TENANT_PARTITIONS) else None,
        "partition_start_date": _iso_date(first.get(DATE_DIMENSION)),
        "partition_end_date": _iso_date(last.get(DATE_DIMENSION)),
    }


def run_history(instance, limit: int = MAX_RUNS) -> pd.DataFrame:
    """One row per Dagster run, newest first; times are naive UTC like the warehouse's."""
    rows = [
        {
            "run_id": record.dagster_run.run_id,
            "job_name": record.dagster_run.job_name,
            "status": record.dagster_run.status.value,
            "created_at": record.create_timestamp.astimezone(dt.UTC).replace(tzinfo=None),
            "started_at": _utc(record.start_time),
            "finished_at": _utc(record.end_time),
            **partition_columns(record.dagster_run.tags),
        }
        for record in instance.get_run_records(limit=limit)
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    # Typed even when empty, so that the table has typed columns before the first run.
    for column in _TEXT_COLUMNS:
        frame[column] = frame[column].astype("string")
    for column in _TIME_COLUMNS:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    return frame


def _add_missing_columns(warehouse) -> None:
    """Add the columns a table written by an older Cerebro lacks (NULL in its old rows)."""
    existing = set(
        warehouse.query(
            "select column_name from information_schema.columns "
            "where table_schema = 'ops' and table_name = 'dagster_runs'"
        )["column_name"]
    )
    missing = [name for name in COLUMNS if name not in existing]
    if not missing:
        return
    with warehouse.connect() as connection:
        cursor = connection.cursor()
        for name in missing:
            # Names and types come from COLUMN_TYPES above, never from input.
            cursor.execute(f"alter table ops.dagster_runs add column {name} {COLUMN_TYPES[name]}")


def write_run_history(warehouse, instance) -> int:
    """Replace the rows of ``ops.dagster_runs`` with the instance's runs; returns how many.

    The table itself is kept once it exists: dbt's views read it, and PostgreSQL refuses to
    drop a table that views depend on."""
    frame = run_history(instance)
    if warehouse.table_exists("ops", "dagster_runs"):
        _add_missing_columns(warehouse)
        warehouse.replace_rows("ops", "dagster_runs", frame)
    else:
        warehouse.replace_table("ops", "dagster_runs", frame)
    return len(frame)
