"""The alerts' own tables in the warehouse (schema ``ops``), on DuckDB and PostgreSQL.

- ``ops.alert_log``: one row per tenant, rule and alert date — the primary key is the
  de-duplication: a rule fires at most once per tenant and day however often it is evaluated.
  The row also tracks delivery per channel, so a failed delivery is retried by the next
  evaluation and a channel that already got the alert does not get it twice.
- ``ops.alert_metric_history``: earlier values of metrics whose mart keeps only the current
  snapshot (capital en riesgo), for week-over-week comparisons.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from cerebro.warehouse import Warehouse

_NAMED_PARAM = re.compile(r"%\((\w+)\)s")
_DDL = (
    "create schema if not exists ops",
    """
    create table if not exists ops.alert_log (
        tenant_id text not null,
        rule_id text not null,
        alert_date date not null,
        severity text not null,
        metric text not null,
        value double precision,
        threshold double precision,
        title text not null,
        message text not null,
        channels text not null,
        delivered_channels text not null default '',
        attempts integer not null default 0,
        last_error text,
        created_at timestamp not null,
        sent_at timestamp,
        primary key (tenant_id, rule_id, alert_date)
    )
    """,
    """
    create table if not exists ops.alert_metric_history (
        tenant_id text not null,
        metric text not null,
        as_of_date date not null,
        value double precision not null,
        recorded_at timestamp not null,
        primary key (tenant_id, metric, as_of_date)
    )
    """,
)
_INSERT_ALERT = """
    insert into ops.alert_log (
        tenant_id, rule_id, alert_date, severity, metric, value, threshold, title, message,
        channels, created_at
    ) values (
        %(tenant_id)s, %(rule_id)s, %(alert_date)s, %(severity)s, %(metric)s, %(value)s,
        %(threshold)s, %(title)s, %(message)s, %(channels)s, %(created_at)s
    )
    on conflict (tenant_id, rule_id, alert_date) do nothing
"""
_RECORD_DELIVERY = """
    update ops.alert_log
    set delivered_channels = %(delivered_channels)s, attempts = attempts + 1,
        last_error = %(last_error)s, sent_at = %(sent_at)s
    where tenant_id = %(tenant_id)s and rule_id = %(rule_id)s and alert_date = %(alert_date)s
"""
_UPSERT_HISTORY = """
    insert into ops.alert_metric_history (tenant_id, metric, as_of_date, value, recorded_at)
    values (%(tenant_id)s, %(metric)s, %(as_of_date)s, %(value)s, %(recorded_at)s)
    on conflict (tenant_id, metric, as_of_date)
    do update set value = excluded.value, recorded_at = excluded.recorded_at
"""
_LOG_SINCE = """
    select tenant_id, rule_id, alert_date, severity, title, message, channels,
           delivered_channels, attempts, sent_at
    from ops.alert_log
    where alert_date >= %(since)s
"""
_HISTORY = """
    select tenant_id, metric, as_of_date, value
    from ops.alert_metric_history
"""


def split_channels(text: str | None) -> tuple[str, ...]:
    return tuple(name for name in (text or "").split(",") if name)


def join_channels(names: Iterable[str]) -> str:
    return ",".join(names)


@dataclass(frozen=True)
class LoggedAlert:
    """A row of ops.alert_log, as delivery needs it."""

    tenant_id: str
    rule_id: str
    alert_date: dt.date
    severity: str
    title: str
    message: str
    channels: tuple[str, ...]
    delivered_channels: tuple[str, ...]
    attempts: int
    sent_at: dt.datetime | None

    @property
    def key(self) -> tuple[str, str, dt.date]:
        return self.tenant_id, self.rule_id, self.alert_date

    @property
    def pending_channels(self) -> tuple[str, ...]:
        return tuple(c for c in self.channels if c not in self.delivered_channels)


@dataclass(frozen=True)
class AlertStore:
    """The ops tables through one read-write connection (``with AlertStore.open(w) as s``):
    an evaluation opens a few of these instead of one connection per statement."""

    connection: object
    is_duckdb: bool

    @classmethod
    @contextlib.contextmanager
    def open(cls, warehouse: Warehouse) -> Iterator[AlertStore]:
        with warehouse.connect() as connection:
            yield cls(connection, warehouse.engine == "duckdb")

    def _execute(self, sql: str, params: Mapping | None = None) -> list[tuple]:
        """Run one statement; parameters are psycopg-style, rewritten to DuckDB's ``$name``
        as in Warehouse.query. Returns the rows of a query (with column names first)."""
        params = params or {}
        if self.is_duckdb:
            used = {k: v for k, v in params.items() if f"%({k})s" in sql}
            cursor = self.connection.execute(_NAMED_PARAM.sub(r"$\1", sql), used)
        else:
            cursor = self.connection.cursor()
            cursor.execute(sql, params)
        if cursor.description is None:
            return []
        return [tuple(d[0] for d in cursor.description), *cursor.fetchall()]

    def records(self, sql: str, params: Mapping | None = None) -> list[dict]:
        header, *rows = self._execute(sql, params)
        return [dict(zip(header, row, strict=True)) for row in rows]

    def ensure_tables(self) -> None:
        for sql in _DDL:
            self._execute(sql)

    def read_log(self, since: dt.date) -> list[LoggedAlert]:
        return read_log(self.records, since)

    def read_history(self) -> dict[tuple[str, str], dict[dt.date, float]]:
        return read_history(self.records)

    def insert_alerts(self, rows: list[dict]) -> None:
        """Insert fired alerts; a row whose (tenant, rule, date) is already logged is ignored."""
        for row in rows:
            self._execute(_INSERT_ALERT, row)

    def record_deliveries(self, rows: list[dict]) -> None:
        for row in rows:
            self._execute(_RECORD_DELIVERY, row)

    def record_history(self, rows: list[dict]) -> None:
        for row in rows:
            self._execute(_UPSERT_HISTORY, row)


Records = Callable[[str, Mapping], list[dict]]


def warehouse_records(warehouse: Warehouse) -> Records:
    """Rows of a query through ``warehouse.query`` (its read-only connection), NULLs as None."""

    def records(sql: str, params: Mapping | None = None) -> list[dict]:
        frame = warehouse.query(sql, dict(params or {})).astype(object)
        return frame.where(frame.notna(), None).to_dict("records")

    return records


def ops_tables_exist(warehouse: Warehouse) -> bool:
    return all(
        warehouse.table_exists("ops", table) for table in ("alert_log", "alert_metric_history")
    )


def read_log(records: Records, since: dt.date) -> list[LoggedAlert]:
    """The logged alerts from ``since`` on."""
    return [
        LoggedAlert(
            tenant_id=row["tenant_id"],
            rule_id=row["rule_id"],
            alert_date=_date(row["alert_date"]),
            severity=row["severity"],
            title=row["title"],
            message=row["message"],
            channels=split_channels(row["channels"]),
            delivered_channels=split_channels(row["delivered_channels"]),
            attempts=int(row["attempts"]),
            sent_at=row["sent_at"],
        )
        for row in records(_LOG_SINCE, {"since": since})
    ]


def read_history(records: Records) -> dict[tuple[str, str], dict[dt.date, float]]:
    """Every recorded metric point, by (tenant_id, metric)."""
    history: dict[tuple[str, str], dict[dt.date, float]] = {}
    for row in records(_HISTORY, {}):
        points = history.setdefault((row["tenant_id"], row["metric"]), {})
        points[_date(row["as_of_date"])] = float(row["value"])
    return history


def _date(value: object) -> dt.date:
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        value = value.to_pydatetime()
    return value.date() if isinstance(value, dt.datetime) else value
