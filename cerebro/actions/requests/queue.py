"""The request queue, ``ops.action_requests`` (its shape and guards:
``cerebro/serving/security/action_requests.py``): submit, claim, finish.

A request is claimed by moving it from ``queued`` to ``running`` in one statement that only
matches a queued row, so two sensor ticks (or two processes) never both run it. It is finished
in one transaction with whatever it writes, so a request is either done with its rows or not
done at all.

A claim is a lease: it stamps ``heartbeat_at`` and counts the attempt. A request still
``running`` when its lease has run out (``LEASE``) was left by a process that died (a sensor
killed mid-run, a lost machine): ``release_stale`` queues it again once, or fails it with the
reason after ``MAX_ATTEMPTS``. Every kind is safe to run again: a scenario and a stop write in
the finishing transaction, and a sync sends only what its log does not hold.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import pandas as pd

from cerebro.serving.security.action_requests import (
    FAILED,
    NAME,
    PARAMETER_COLUMNS,
    PENDING,
    QUEUED,
    REQUEST_COLUMNS,
    RUNNING,
    ensure_table,
)
from cerebro.warehouse import Warehouse

#: How long a claim holds without a heartbeat: far longer than a request runs (a sensor tick
#: has about a minute), so a running request older than this has lost its process.
LEASE = dt.timedelta(minutes=15)
#: Attempts a request gets: the first, and one more after its process died.
MAX_ATTEMPTS = 2


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
        f"update {NAME} set state = '{RUNNING}', started_at = %(now)s, heartbeat_at = %(now)s, "
        f"attempts = attempts + 1 where request_id = %(id)s and state = '{QUEUED}' "
        f"returning {columns}, attempts",
        {"now": now, "id": request_id},
    )
    return pd.Series(dict(zip(names, rows[0], strict=True))) if rows else None


def heartbeat(warehouse: Warehouse, request_id: int, now: dt.datetime) -> None:
    """Renew a running request's lease (a long step says it is still alive)."""
    _fetch(
        warehouse,
        f"update {NAME} set heartbeat_at = %(now)s where request_id = %(id)s "
        f"and state = '{RUNNING}'",
        {"now": now, "id": request_id},
    )


def release_stale(
    warehouse: Warehouse, now: dt.datetime, lease: dt.timedelta = LEASE
) -> list[tuple[int, str]]:
    """Requests whose lease ran out: queued again if they have an attempt left, else failed
    with the reason. Each statement matches only a still-stale running row, so two processes
    releasing at once change each request once. (request id, new state) pairs."""
    ensure_table(warehouse)
    expired = now - lease
    stale = f"state = '{RUNNING}' and coalesce(heartbeat_at, started_at) < %(expired)s"
    params = {"expired": expired, "now": now, "attempts": MAX_ATTEMPTS}
    requeued, _ = _fetch(
        warehouse,
        f"update {NAME} set state = '{QUEUED}', started_at = null, heartbeat_at = null "
        f"where {stale} and attempts < %(attempts)s returning request_id",
        params,
    )
    failed, _ = _fetch(
        warehouse,
        f"update {NAME} set state = '{FAILED}', finished_at = %(now)s, result = %(result)s "
        f"where {stale} and attempts >= %(attempts)s returning request_id",
        {**params, "result": STALE_RESULT},
    )
    return [(int(r[0]), QUEUED) for r in requeued] + [(int(r[0]), FAILED) for r in failed]


#: What a request that lost its process twice says.
STALE_RESULT = (
    f"Falló: el proceso que la ejecutaba se detuvo {MAX_ATTEMPTS} veces sin terminarla; "
    "revise el resultado en el destino y pídala de nuevo."
)


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
