"""What a sync preview showed (``ops.sync_previews``), so that a sync asked from Metabase runs
only after a preview that still holds (decision 0069).

A preview keeps its plan's counts and a fingerprint of who it covers: the segment's size and
the customers held out as control and skipped for consent. A confirmation is refused when
there is no preview of the pair, when the newest is older than ``PREVIEW_TTL`` or already
confirmed, or when the plan now differs from it (the segment changed, a customer gave or
withdrew consent). Members still to add are left out of the fingerprint: a sync stopped midway
and run again must not call its own preview stale.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd

from cerebro.actions.activation.sync import Plan
from cerebro.warehouse import Warehouse

PREVIEWS = "ops.sync_previews"
#: How long a preview may confirm a sync: the marts refresh daily, a person decides in minutes.
PREVIEW_TTL = dt.timedelta(hours=1)
_DDL = (
    f"create table if not exists {PREVIEWS} (request_id bigint primary key, tenant_id text, "
    "segment text, destination text, members integer, to_send integer, to_remove integer, "
    "held_out integer, no_consent integer, fingerprint text, previewed_at timestamp, "
    "confirmed_by bigint)"
)


def fingerprint(plan: Plan) -> str:
    """Who the plan covers, as far as a confirmation must agree with its preview."""
    held = sorted(m.member.customer_id for m in plan.held_out)
    skipped = sorted(m.member.customer_id for m in plan.no_consent)
    text = f"{plan.members}|{','.join(held)}|{','.join(skipped)}"
    return hashlib.sha256(text.encode()).hexdigest()


def record(row: pd.Series, plan: Plan, now: dt.datetime) -> list[tuple[str, dict | None]]:
    """The statements that keep a preview, for its request's finishing transaction."""
    return [
        (_DDL, None),
        (f"insert into {PREVIEWS} values (%(request_id)s, %(tenant_id)s, %(segment)s, "
         "%(destination)s, %(members)s, %(to_send)s, %(to_remove)s, %(held_out)s, "
         "%(no_consent)s, %(fingerprint)s, %(now)s, null)",
         {"request_id": int(row["request_id"]), "tenant_id": plan.tenant_id,
          "segment": plan.segment, "destination": plan.destination, "members": plan.members,
          "to_send": len(plan.add), "to_remove": len(plan.remove),
          "held_out": len(plan.held_out), "no_consent": len(plan.no_consent),
          "fingerprint": fingerprint(plan), "now": now}),
    ]  # fmt: skip


def latest(warehouse: Warehouse, tenant_id: str, segment: str, destination: str) -> dict | None:
    """The newest preview of the pair, or None."""
    if not warehouse.table_exists("ops", "sync_previews"):
        return None
    rows = warehouse.query(
        f"select * from {PREVIEWS} where tenant_id = %(tenant_id)s and segment = %(segment)s "
        "and destination = %(destination)s order by previewed_at desc, request_id desc limit 1",
        {"tenant_id": tenant_id, "segment": segment, "destination": destination},
    )
    return None if rows.empty else rows.iloc[0].to_dict()


def staleness(seen: dict | None, plan: Plan, now: dt.datetime, where: str) -> str | None:
    """Why ``seen`` cannot confirm a sync planned as ``plan`` (one Spanish line), or None."""
    again = "pida una vista previa nueva y confirme después de verla"
    if seen is None:
        return f"Falta la vista previa de {where}: pídala primero y confirme después de verla."
    if seen["confirmed_by"] is not None and not pd.isna(seen["confirmed_by"]):
        return (
            f"La vista previa de {where} ya confirmó la solicitud {int(seen['confirmed_by'])}; "
            f"{again}."
        )
    minutes = int(PREVIEW_TTL.total_seconds() // 60)
    if now - pd.Timestamp(seen["previewed_at"]).to_pydatetime() > PREVIEW_TTL:
        return f"La vista previa de {where} tiene más de {minutes} minutos; {again}."
    if seen["fingerprint"] != fingerprint(plan):
        return (
            f"El segmento cambió desde la vista previa de {where} ({int(seen['members'])} "
            f"clientes entonces, {plan.members} ahora, o cambió el control o el "
            f"consentimiento); {again}."
        )
    return None


def use(preview_id: int, request_id: int) -> list[tuple[str, dict]]:
    """Mark the preview as confirmed by ``request_id`` (it confirms one sync only)."""
    return [
        (f"update {PREVIEWS} set confirmed_by = %(request_id)s where request_id = %(preview)s "
         "and confirmed_by is null",
         {"request_id": request_id, "preview": int(preview_id)}),
    ]  # fmt: skip
