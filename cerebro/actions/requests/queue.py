"""The request queue, ``ops.action_requests`` (its shape and guards:
``cerebro/serving/security/action_requests.py``): submit, claim, finish.

A request is claimed by moving it from ``queued`` to ``running`` in one statement that only
matches a queued row, so two sensor ticks (or two processes) never both run it. It is finished
in one transaction with whatever it writes, so a request is either done with its rows or not
done at all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import pandas as pd

from cerebro.serving.security.action_requests import (
    PARAMETER_COLUMNS,
    PENDING,
    QUEUED,
    REQUEST_COLUMNS,
    RUNNING,
    SCHEMA,
    TABLE,
    ensure_table,
)
from cerebro.warehouse import Warehouse

NAME = f"{SCHEMA}.{TABLE}"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _fetch(warehouse: Warehouse, statement: str, params: dict) -> tuple[list, list[str]]:
    """Run one statement with ``%(name)s`` parameters in its own transaction; rows and
    column names."""
    with warehouse.connect() as connection:
        if warehouse.engine == "duckdb":
            used = {k: v for k, v in params.items() if f"%({k})s" in statement}
            cursor = connection.execute(re.sub(r"%\((\w+)\)s", r"$\1", statement), used)
        else:
            cursor = connection.cursor()
            cursor.execute(statement, params)
        rows = cursor.fetchall() if cursor.description else []
        names = [d[0] for d in cursor.description or ()]
    return rows, names


def submit(warehouse: Warehouse, requested_by: str, **request) -> int | None:
    """Queue a request as a Metabase action would (the CLI and the tests use it); the id, or
    None when the same request is already pending (a double click). ``request`` holds
    ``tenant_id``, ``kind`` and the kind's parameters."""
    ensure_table(warehouse)
    unknown = set(request) - set(REQUEST_COLUMNS)
    if unknown:
        raise ValueError(f"unknown request fields {sorted(unknown)}")
    values = {column: request.get(column) for column in REQUEST_COLUMNS}
    if values["budget_amount"] is not None:
        # As the column keeps it (numeric(18, 2)), so that a repeat compares equal.
        values["budget_amount"] = round(float(values["budget_amount"]), 2)
    same = " and ".join(f"{column} is not distinct from %({column})s" for column in REQUEST_COLUMNS)
    states = ", ".join(f"'{state}'" for state in PENDING)
    pending, _ = _fetch(
        warehouse, f"select 1 from {NAME} where state in ({states}) and {same}", values
    )
    if pending:
        return None
    columns = (*REQUEST_COLUMNS, "requested_by")
    rows, _ = _fetch(
        warehouse,
        f"insert into {NAME} ({', '.join(columns)}) values "
        f"({', '.join(f'%({column})s' for column in columns)}) returning request_id",
        {**values, "requested_by": requested_by},
    )
    return int(rows[0][0])


def queued_ids(warehouse: Warehouse, limit: int) -> list[int]:
    """The oldest queued requests first."""
    ensure_table(warehouse)
    frame = warehouse.query(
        f"select request_id from {NAME} where state = '{QUEUED}' order by request_id "
        f"limit {int(limit)}"
    )
    return [int(value) for value in frame["request_id"]]


def claim(warehouse: Warehouse, request_id: int, now: dt.datetime) -> pd.Series | None:
    """Move one queued request to ``running`` and return its row; None if it was no longer
    queued (another tick claimed it first)."""
    columns = ", ".join(("request_id", *REQUEST_COLUMNS, "requested_by"))
    rows, names = _fetch(
        warehouse,
        f"update {NAME} set state = '{RUNNING}', started_at = %(now)s "
        f"where request_id = %(id)s and state = '{QUEUED}' returning {columns}",
        {"now": now, "id": request_id},
    )
    return pd.Series(dict(zip(names, rows[0], strict=True))) if rows else None


def finish(
    warehouse: Warehouse,
    request_id: int,
    state: str,
    result: str,
    now: dt.datetime,
    writes: Sequence[tuple[str, dict | None]] = (),
) -> None:
    """Record a running request's outcome, in one transaction with ``writes``."""
    warehouse.execute(
        *writes,
        (f"update {NAME} set state = %(state)s, result = %(result)s, finished_at = %(now)s "
         f"where request_id = %(id)s and state = '{RUNNING}'",
         {"state": state, "result": result, "now": now, "id": request_id}),
    )  # fmt: skip


def parameters(row: pd.Series) -> dict:
    """A claimed request's parameters, without the ones its kind leaves empty."""
    return {
        column: row[column]
        for column in PARAMETER_COLUMNS
        if row[column] is not None and not pd.isna(row[column])
    }
