"""The activation log, ``ops.activation_log``: one row per member and action of every sync.

What a vendor answered (``add``, ``remove``, ``send`` with status ``sent``, ``refused`` or
``failed``), and who the sync deliberately did not send: members held out as control
(``hold_out`` / ``held_out``) and members without consent for the channel (``skip`` /
``no_consent``). The sync reads it back to know what a vendor's list already holds, so a
second sync sends only what changed, and the uplift mart reads it (through
``stg_ops__activation_log``) to compare treated and held-out customers.

Contact data never lands here: a member is its ``customer_id`` and ``identifier_sha256``, the
warehouse's SHA-256 of the normalised contact the destination's channel reaches (the phone for
WhatsApp, else the e-mail), or of the other when that one is missing (``email_sha256`` /
``phone_sha256`` of ``mart_customer_contacts``).

Rows are appended in batches, each committed before the next outcome is awaited, and whatever
is buffered is written when the sync stops for any reason Python can see (an error, Ctrl-C,
the CLI's SIGTERM): what the vendor accepted is in the log, so the next sync neither repeats
nor misses it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import NamedTuple

import pandas as pd

from cerebro.actions.activation import sent_identifiers
from cerebro.actions.activation.destination import (
    ADD,
    FAILED,
    REFUSED,
    REMOVE,
    REPAIR,
    SEND,
    SENT,
)
from cerebro.actions.activation.sent_identifiers import Change
from cerebro.warehouse import Warehouse

SCHEMA, TABLE = "ops", "activation_log"
#: Actions and statuses the sync writes besides the vendors' answers.
HOLD_OUT, SKIP = "hold_out", "skip"
HELD_OUT, NO_CONSENT = "held_out", "no_consent"
ACTIONS = (ADD, REMOVE, SEND, REPAIR, HOLD_OUT, SKIP)
STATUSES = (SENT, REFUSED, FAILED, HELD_OUT, NO_CONSENT)


class LogRow(NamedTuple):
    """One row of ``ops.activation_log``; the fields are its columns, in order. Times are
    naive UTC, as every timestamp of the warehouse. A tuple: a sync writes one per member."""

    run_id: str
    tenant_id: str
    destination: str
    segment: str
    customer_id: str
    identifier_sha256: str | None
    action: str
    status: str
    detail: str | None
    vendor_ref: str | None
    logged_at: dt.datetime
    run_started_at: dt.datetime


COLUMNS = LogRow._fields
_TIMESTAMPS = ("logged_at", "run_started_at")
#: Batches of at least this many rows go to DuckDB as a registered frame.
_FRAME_ROWS = 64
#: The table as both warehouses create it (``text`` and ``timestamp`` mean the same in each).
DDL = (
    f"create table if not exists {SCHEMA}.{TABLE} ("
    + ", ".join(f"{c} {'timestamp' if c in _TIMESTAMPS else 'text'}" for c in COLUMNS)
    + ")"
)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def audience_history(
    warehouse: Warehouse, tenant_id: str, destination: str, segment: str
) -> pd.DataFrame:
    """The vendor's answers for one audience, oldest first (empty before the first sync):
    ``customer_id, identifier_sha256, action, status, run_started_at, logged_at``."""
    columns = ["customer_id", "identifier_sha256", "action", "status", "run_started_at",
               "logged_at"]  # fmt: skip
    if not warehouse.table_exists(SCHEMA, TABLE):
        return pd.DataFrame(columns=columns)
    return warehouse.query(
        f"select {', '.join(columns)} from {SCHEMA}.{TABLE} "
        "where tenant_id = %(tenant_id)s and destination = %(destination)s "
        "and segment = %(segment)s and action in ('add', 'remove', 'send', 'repair') "
        "order by run_started_at, logged_at",
        {"tenant_id": tenant_id, "destination": destination, "segment": segment},
    )


class LogWriter:
    """Appends rows to the log through one open connection (see ``open_log``)."""

    def __init__(self, connection, kind: str) -> None:
        self._connection = connection
        self._kind = kind
        self.rows_written = 0

    def write(self, rows: list[LogRow], changes: list[Change] | None = None) -> None:
        """Append ``rows`` in one transaction and empty the list once they are committed, so
        that a caller writing the same list again after an interruption writes each row once;
        an interrupted write is rolled back whole and leaves the list as it was. ``changes``
        to ``ops.activation_identifiers`` (of the rows' audience) go in the same transaction,
        so the hashes kept always agree with the log."""
        changes = [] if changes is None else changes
        if not rows:
            return
        try:
            if self._kind == "duckdb":
                self._write_duckdb(rows, changes)
            else:
                self._write_postgres(rows, changes)
        except BaseException:
            # Nothing to roll back if it failed before its transaction began (DuckDB says so).
            with contextlib.suppress(Exception):
                self._connection.rollback()
            raise
        self.rows_written += len(rows)
        rows.clear()
        changes.clear()

    def _write_duckdb(self, rows: list[LogRow], changes: list[Change]) -> None:
        names = ", ".join(COLUMNS)
        connection = self._connection
        connection.execute("begin transaction")
        if len(rows) < _FRAME_ROWS:
            # A one-shot destination's answers come one at a time: a plain insert commits one
            # in ~6 ms, a registered frame in ~25 ms.
            marks = ", ".join("?" for _ in COLUMNS)
            connection.executemany(f"insert into {SCHEMA}.{TABLE} ({names}) values ({marks})", rows)
        else:
            # A registered frame goes in as one statement (executemany: ~3000 rows/s).
            frame = pd.DataFrame(rows, columns=list(COLUMNS))
            for column in _TIMESTAMPS:
                frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
            connection.register("incoming_log_rows", frame)
            try:
                connection.execute(
                    f"insert into {SCHEMA}.{TABLE} ({names}) select {names} from incoming_log_rows"
                )
            finally:
                connection.unregister("incoming_log_rows")
        sent_identifiers.apply(connection, self._kind, _audience(rows), changes)
        connection.execute("commit")

    def _write_postgres(self, rows: list[LogRow], changes: list[Change]) -> None:
        names = ", ".join(COLUMNS)
        with (
            self._connection.cursor() as cursor,
            cursor.copy(f"copy {SCHEMA}.{TABLE} ({names}) from stdin") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        sent_identifiers.apply(self._connection, self._kind, _audience(rows), changes)
        self._connection.commit()


def _audience(rows: list[LogRow]) -> tuple[str, str, str]:
    """The (tenant, destination, segment) of a sync's rows: one audience per sync."""
    return rows[0].tenant_id, rows[0].destination, rows[0].segment


@contextlib.contextmanager
def open_log(warehouse: Warehouse) -> Iterator[LogWriter]:
    """A writer on ``ops.activation_log``, creating the table (and its schema) if missing."""
    with warehouse.connect() as connection:
        cursor = connection.cursor()
        cursor.execute(f"create schema if not exists {SCHEMA}")
        cursor.execute(DDL)
        cursor.execute(sent_identifiers.DDL)
        if warehouse.engine == "postgres":
            # The sync reads one audience's rows on every run; DuckDB scans without an index.
            cursor.execute(
                f"create index if not exists activation_log_audience on {SCHEMA}.{TABLE} "
                "(tenant_id, destination, segment)"
            )
        connection.commit()
        yield LogWriter(connection, warehouse.engine)
