"""Dagster's run history copied into the warehouse (``ops.dagster_runs``), so that the
"Salud de datos" dashboard can show pipeline runs and failures next to the data they made.

The Dagster instance is the source of truth; the table is replaced from it, before the
platform job (so dbt's views find it) and after (so the run that just ended is in it).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

#: The newest runs kept in the table: a year of daily runs and their re-runs.
MAX_RUNS = 2000
COLUMNS = ["run_id", "job_name", "status", "created_at", "started_at", "finished_at"]


def _utc(timestamp: float | None) -> dt.datetime | None:
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).replace(tzinfo=None)


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
        }
        for record in instance.get_run_records(limit=limit)
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    # Typed even when empty, so that the table has typed columns before the first run.
    for column in ("run_id", "job_name", "status"):
        frame[column] = frame[column].astype("string")
    for column in ("created_at", "started_at", "finished_at"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    return frame


def write_run_history(warehouse, instance) -> int:
    """Replace the rows of ``ops.dagster_runs`` with the instance's runs; returns how many.

    The table itself is kept once it exists: dbt's views read it, and PostgreSQL refuses to
    drop a table that views depend on."""
    frame = run_history(instance)
    if warehouse.table_exists("ops", "dagster_runs"):
        warehouse.replace_rows("ops", "dagster_runs", frame)
    else:
        warehouse.replace_table("ops", "dagster_runs", frame)
    return len(frame)
