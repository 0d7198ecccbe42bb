"""``ops.activation_identifiers``: the hashed identifiers each list destination was sent, per
member still in its list, so that the member can be removed later whatever happened to their
contact data (decision 0058).

One row per tenant, destination, segment and customer the vendor accepted an add for:
``identifiers``, a JSON object of the hashes exactly as the destination sent them, by the
vendor's key (Meta ``EMAIL``/``PHONE``, Google ``hashedEmail``/``hashedPhoneNumber``, Klaviyo
``email_sha256``), and ``sent_at``. The row is written in the same transaction as the log row
of the accepted add, replaced by a later add or repair, and deleted in the same transaction as
the log row of the accepted removal: hashes are kept only while the vendor holds the member.
Never a contact in clear, and nothing for one-shot destinations (a coupon or a message is not
taken back).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import NamedTuple

import pandas as pd

from cerebro.warehouse import Warehouse

SCHEMA, TABLE = "ops", "activation_identifiers"
DDL = (
    f"create table if not exists {SCHEMA}.{TABLE} (tenant_id text, destination text, "
    "segment text, customer_id text, identifiers text, sent_at timestamp)"
)


class Change(NamedTuple):
    """Keep ``identifiers`` for the member (an accepted add), or forget it (``None``: an
    accepted removal)."""

    customer_id: str
    identifiers: Mapping[str, str] | None
    at: dt.datetime


def read(
    warehouse: Warehouse, tenant_id: str, destination: str, segment: str
) -> dict[str, dict[str, str]]:
    """Customer id -> the hashes sent to the audience's list, for members it still holds."""
    if not warehouse.table_exists(SCHEMA, TABLE):
        return {}
    frame = warehouse.query(
        f"select customer_id, identifiers from {SCHEMA}.{TABLE} "
        "where tenant_id = %(tenant_id)s and destination = %(destination)s "
        "and segment = %(segment)s",
        {"tenant_id": tenant_id, "destination": destination, "segment": segment},
    )
    return {
        str(row.customer_id): json.loads(row.identifiers)
        for row in frame.itertuples(index=False)
        if isinstance(row.identifiers, str)
    }


def apply(connection, kind: str, audience: tuple[str, str, str], changes: list[Change]) -> None:
    """Apply ``changes`` inside the caller's open transaction (the log writer's): the member's
    previous row goes, then the kept hashes are inserted. The last change of a member wins."""
    if not changes:
        return
    last = {change.customer_id: change for change in changes}
    tenant_id, destination, segment = audience
    ids = list(last)
    kept = [
        (tenant_id, destination, segment, c.customer_id,
         json.dumps(dict(c.identifiers), sort_keys=True), c.at)
        for c in last.values() if c.identifiers is not None
    ]  # fmt: skip
    where = "tenant_id = ? and destination = ? and segment = ?"
    if kind == "duckdb":
        frame = pd.DataFrame({"customer_id": ids})
        connection.register("leaving_identifiers", frame)
        try:
            connection.execute(
                f"delete from {SCHEMA}.{TABLE} where {where} and customer_id in "
                "(select customer_id from leaving_identifiers)",
                [tenant_id, destination, segment],
            )
            if kept:
                rows = pd.DataFrame(
                    kept, columns=["tenant_id", "destination", "segment", "customer_id",
                                   "identifiers", "sent_at"],
                )  # fmt: skip
                rows["sent_at"] = pd.to_datetime(rows["sent_at"]).astype("datetime64[us]")
                connection.register("kept_identifiers", rows)
                try:
                    connection.execute(
                        f"insert into {SCHEMA}.{TABLE} select * from kept_identifiers"
                    )
                finally:
                    connection.unregister("kept_identifiers")
        finally:
            connection.unregister("leaving_identifiers")
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"delete from {SCHEMA}.{TABLE} where {where.replace('?', '%s')} "
            "and customer_id = any(%s)",
            [tenant_id, destination, segment, ids],
        )
        if kept:
            with cursor.copy(
                f"copy {SCHEMA}.{TABLE} (tenant_id, destination, segment, customer_id, "
                "identifiers, sent_at) from stdin"
            ) as copy:
                for row in kept:
                    copy.write_row(row)
