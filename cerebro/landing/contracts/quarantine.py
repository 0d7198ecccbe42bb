"""The quarantine table ``ops.quarantine``: raw rows that break their stream's contract.

One entry per (tenant, stream, record key, rule) while the row breaks the rule. Re-detection
keeps the entry (and its ``first_seen_at``) and moves ``last_seen_at``; an entry whose row was
evaluated again and now keeps the rule gets ``resolved_at`` and stays, so the table is the
history of what was held back and when. A row that breaks a rule again after its entry was
resolved opens a new entry. dbt's ``not_quarantined`` macro keeps rows with an open entry out
of staging.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pandas as pd

from cerebro.landing.contracts.evaluation import StreamEvaluation
from cerebro.warehouse import Warehouse

SCHEMA = "ops"
TABLE = "quarantine"
COLUMNS = {
    "tenant_id": "varchar",
    "source_name": "varchar",
    "stream_name": "varchar",
    "record_key": "varchar",
    "record": "varchar",
    "rule": "varchar",
    "reason": "varchar",
    "first_seen_at": "timestamp",
    "last_seen_at": "timestamp",
    "resolved_at": "timestamp",
}
_ENTRY = ["tenant_id", "source_name", "stream_name", "record_key", "rule"]


@dataclass(frozen=True)
class QuarantineChange:
    """What one evaluation changed in the quarantine of its tenant's stream."""

    #: record keys quarantined by this evaluation that had no open entry before
    newly_quarantined: frozenset[str]
    #: new entries by rule
    new_entries_by_rule: dict[str, int]
    resolved_entries: int
    open_entries: int


def empty_quarantine() -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype=object) for column in COLUMNS})
    for column, kind in COLUMNS.items():
        if kind == "timestamp":
            frame[column] = pd.Series(dtype="datetime64[us]")
    return frame


def merge_quarantine(
    existing: pd.DataFrame, evaluation: StreamEvaluation, now: dt.datetime
) -> tuple[pd.DataFrame, QuarantineChange]:
    """The quarantine after ``evaluation`` (taken at ``now``, naive UTC), and what changed."""
    table = existing.copy()
    scope = (
        (table["tenant_id"] == evaluation.tenant_id)
        & (table["source_name"] == evaluation.source)
        & (table["stream_name"] == evaluation.stream)
    )
    is_open = scope & table["resolved_at"].isna()
    previously_open_keys = set(table.loc[is_open, "record_key"])
    failures = {
        (row.record_key, breach.rule_id): (row, breach)
        for row in evaluation.failing_rows
        for breach in row.breaches
    }
    open_entries = {
        (key, rule): index
        for index, key, rule in zip(
            table.index[is_open],
            table.loc[is_open, "record_key"],
            table.loc[is_open, "rule"],
            strict=True,
        )
    }
    resolved = 0
    for (key, rule), index in open_entries.items():
        if (key, rule) in failures:
            row, breach = failures[(key, rule)]
            table.loc[index, ["record", "reason", "last_seen_at"]] = [
                _record_json(row.record), breach.reason, now,
            ]  # fmt: skip
        elif key in evaluation.evaluated_keys:
            table.loc[index, "resolved_at"] = now
            resolved += 1
    new = [
        {
            "tenant_id": evaluation.tenant_id,
            "source_name": evaluation.source,
            "stream_name": evaluation.stream,
            "record_key": key,
            "record": _record_json(row.record),
            "rule": rule,
            "reason": breach.reason,
            "first_seen_at": now,
            "last_seen_at": now,
            "resolved_at": None,
        }
        for (key, rule), (row, breach) in failures.items()
        if (key, rule) not in open_entries
    ]
    if new:
        added = pd.DataFrame(new, columns=list(COLUMNS)).astype(table.dtypes.to_dict())
        table = pd.concat([table, added], ignore_index=True) if len(table) else added
    by_rule: dict[str, int] = {}
    for entry in new:
        by_rule[entry["rule"]] = by_rule.get(entry["rule"], 0) + 1
    failing_keys = {row.record_key for row in evaluation.failing_rows}
    change = QuarantineChange(
        newly_quarantined=frozenset(failing_keys - previously_open_keys),
        new_entries_by_rule=by_rule,
        resolved_entries=resolved,
        open_entries=len(open_entries) - resolved + len(new),
    )
    return table.reset_index(drop=True), change


def _record_json(record: dict) -> str:
    return json.dumps(record, sort_keys=True, default=str, ensure_ascii=False)


def ensure_quarantine_table(warehouse: Warehouse) -> None:
    """Create ``ops.quarantine`` (same DDL on DuckDB and PostgreSQL) unless it exists."""
    columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
    with warehouse.connect() as connection:
        connection.execute(f"create schema if not exists {SCHEMA}")
        connection.execute(f"create table if not exists {SCHEMA}.{TABLE} ({columns})")


def read_quarantine(warehouse: Warehouse) -> pd.DataFrame:
    """The whole quarantine (it is small: only rows that break a contract), typed."""
    ensure_quarantine_table(warehouse)
    frame = warehouse.query(f"select {', '.join(COLUMNS)} from {SCHEMA}.{TABLE}")
    if frame.empty:
        return empty_quarantine()
    for column, kind in COLUMNS.items():
        if kind == "timestamp":
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    return frame


def write_quarantine(warehouse: Warehouse, frame: pd.DataFrame) -> None:
    """Replace the quarantine's rows with ``frame``'s, in one transaction."""
    ensure_quarantine_table(warehouse)
    warehouse.replace_rows(SCHEMA, TABLE, frame[list(COLUMNS)])
