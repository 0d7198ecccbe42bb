"""Primary keys of the raw streams (declared once, in the dbt sources' ``meta.primary_key``)
and the record key the quarantine identifies a raw row by.

The record key is the primary key without ``tenant_id`` (the quarantine keeps it in its own
column), each part as text, joined with ``|``. dbt's ``not_quarantined`` macro builds the same
text in SQL (``cast(... as varchar)`` joined with ``'|'``), so the two must agree: dates are
ISO text in both, and a null part makes the whole key null in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

SEPARATOR = "|"


def _key_part(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        # Key columns are text or dates; pandas holds a date column as midnight timestamps.
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def is_missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def record_key(values: Iterable[object]) -> str | None:
    """The record key of one row's key values, or None when a part is missing (as in SQL)."""
    parts = list(values)
    if any(is_missing(part) for part in parts):
        return None
    return SEPARATOR.join(_key_part(part) for part in parts)


def record_key_sql(columns: Iterable[str]) -> str:
    """The SQL expression of the record key (DuckDB and PostgreSQL), as the dbt macro writes it."""
    return f" || '{SEPARATOR}' || ".join(f"cast({column} as varchar)" for column in columns)


def primary_keys_from_manifest(manifest: dict) -> dict[tuple[str, str], tuple[str, ...]]:
    """(source, table) -> primary key, for every Singer-landed dbt source table."""
    keys: dict[tuple[str, str], tuple[str, ...]] = {}
    for source in manifest["sources"].values():
        meta = source.get("meta", {})
        if meta.get("landed_by") != "singer":
            continue
        if not meta.get("primary_key"):
            raise ValueError(
                f"source {source['source_name']}.{source['name']} is landed by Singer but its "
                "yml declares no `config: meta: primary_key`"
            )
        keys[(source["source_name"], source["name"])] = tuple(meta["primary_key"])
    return keys
