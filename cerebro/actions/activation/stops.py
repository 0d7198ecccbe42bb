"""Stopped activations (``ops.stopped_activations``): a segment and destination a tenant asked
to stop syncing, from Metabase's "Detener activación" or ``cerebro activate --stop``.

A stop is a row; the scheduled syncs (``activation_syncs``) skip a stopped pair, and a sync
confirmed again after its preview resumes it (the row is deleted in that request's
transaction). Nothing is taken out of the vendor's list: stopping means no more sends.
"""

from __future__ import annotations

import datetime as dt

from cerebro.warehouse import Warehouse

STOPS = "ops.stopped_activations"
_DDL = (
    f"create table if not exists {STOPS} (tenant_id text not null, segment text not null, "
    "destination text not null, stopped_at timestamp not null, stopped_by text, "
    "request_id bigint, primary key (tenant_id, segment, destination))"
)


def stopped_since(
    warehouse: Warehouse, tenant_id: str, segment: str, destination: str
) -> dt.datetime | None:
    """When the pair was stopped, or None if it is not."""
    if not warehouse.table_exists("ops", "stopped_activations"):
        return None
    rows = warehouse.query(
        f"select stopped_at from {STOPS} where tenant_id = %(tenant_id)s "
        "and segment = %(segment)s and destination = %(destination)s",
        {"tenant_id": tenant_id, "segment": segment, "destination": destination},
    )
    return None if rows.empty else rows["stopped_at"].iloc[0]


def stop_writes(
    tenant_id: str,
    segment: str,
    destination: str,
    now: dt.datetime,
    stopped_by: str,
    request_id: int | None = None,
) -> list[tuple[str, dict | None]]:
    """The statements that stop the pair, for one transaction (idempotent: a pair already
    stopped keeps its first stop)."""
    return [
        ("create schema if not exists ops", None),
        (_DDL, None),
        (f"insert into {STOPS} values (%(tenant_id)s, %(segment)s, %(destination)s, %(now)s, "
         "%(by)s, %(request_id)s) on conflict do nothing",
         {"tenant_id": tenant_id, "segment": segment, "destination": destination, "now": now,
          "by": stopped_by, "request_id": request_id}),
    ]  # fmt: skip


def resume_writes(tenant_id: str, segment: str, destination: str) -> list[tuple[str, dict]]:
    """The statements that lift a stop (for a sync confirmed again)."""
    return [
        (_DDL, None),
        (f"delete from {STOPS} where tenant_id = %(tenant_id)s and segment = %(segment)s "
         "and destination = %(destination)s",
         {"tenant_id": tenant_id, "segment": segment, "destination": destination}),
    ]  # fmt: skip


def has_synced(warehouse: Warehouse, tenant_id: str, segment: str, destination: str) -> bool:
    """Whether the log holds a sync of the pair (something to stop besides the schedule)."""
    if not warehouse.table_exists("ops", "activation_log"):
        return False
    rows = warehouse.query(
        "select count(*) as n from ops.activation_log where tenant_id = %(tenant_id)s "
        "and segment = %(segment)s and destination = %(destination)s",
        {"tenant_id": tenant_id, "segment": segment, "destination": destination},
    )
    return bool(rows["n"].iloc[0])
