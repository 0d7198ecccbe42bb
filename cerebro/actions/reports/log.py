"""``ops.report_log``: one row per report sent, so that a period's report goes out once even
when the job runs again (a retry, a re-executed publish run, a backfill).

A send first *claims* its row (tenant, cadence, period_start) with an insert that does nothing
when the row exists — the primary key makes two concurrent runs agree on who sends — then
sends, and deletes the claim if sending fails, so that the next run tries again. A process
killed between the claim and the send leaves the period marked as sent: one missed report
rather than a duplicate.
"""

from __future__ import annotations

import datetime as dt

from cerebro.warehouse import Warehouse

TABLE = "ops.report_log"
_CREATE = """
create table if not exists ops.report_log (
    tenant_id text not null,
    cadence text not null,
    period_start date not null,
    period_end date not null,
    recipients integer not null,
    sent_at timestamp not null,
    primary key (tenant_id, cadence, period_start)
)
"""


def _execute(connection, kind: str, sql: str, params: tuple = ()):
    # Positional parameters: DuckDB's style is '?', psycopg's '%s'.
    return connection.execute(sql.replace("%s", "?") if kind == "duckdb" else sql, params)


def ensure_report_log(warehouse: Warehouse) -> None:
    """Create ``ops.report_log`` when the warehouse does not have it yet."""
    with warehouse.connect() as connection:
        _execute(connection, warehouse.engine, "create schema if not exists ops")
        _execute(connection, warehouse.engine, _CREATE)


def claim(
    warehouse: Warehouse,
    tenant_id: str,
    cadence: str,
    period_start: dt.date,
    period_end: dt.date,
    recipients: int,
) -> bool:
    """Record the report as sent now; False when the period already has a row."""
    sent_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # naive UTC, as every timestamp
    with warehouse.connect() as connection:
        rows = _execute(
            connection,
            warehouse.engine,
            "insert into ops.report_log "
            "(tenant_id, cadence, period_start, period_end, recipients, sent_at) "
            "values (%s, %s, %s, %s, %s, %s) on conflict do nothing returning tenant_id",
            (tenant_id, cadence, period_start, period_end, recipients, sent_at),
        ).fetchall()
    return bool(rows)


def release(warehouse: Warehouse, tenant_id: str, cadence: str, period_start: dt.date) -> None:
    """Undo a claim whose e-mail could not be sent."""
    with warehouse.connect() as connection:
        _execute(
            connection,
            warehouse.engine,
            "delete from ops.report_log "
            "where tenant_id = %s and cadence = %s and period_start = %s",
            (tenant_id, cadence, period_start),
        )
