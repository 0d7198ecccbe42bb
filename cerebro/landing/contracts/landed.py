"""Checking what a landing wrote: one tenant's new raw rows of each stream of a source, against
their contracts, with the result kept in the quarantine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cerebro.landing.contracts.evaluation import StreamEvaluation, evaluate_stream
from cerebro.landing.contracts.keys import record_key_sql
from cerebro.landing.contracts.quarantine import QuarantineChange, merge_quarantine
from cerebro.landing.contracts.rules import Bounds, StreamContract, stream_contract
from cerebro.landing.ingest import raw_schema
from cerebro.settings import Settings
from cerebro.warehouse import Warehouse

#: How far in the future a timestamp may lie (clock skew, sources that stamp local time as
#: UTC) before it breaks the contract.
DEFAULT_FUTURE_TOLERANCE = dt.timedelta(days=1)


@dataclass(frozen=True)
class StreamCheck:
    evaluation: StreamEvaluation
    change: QuarantineChange


def _table(source: str, stream: str) -> str:
    return f"{raw_schema(source)}.{stream}"


def _unchecked_marker(settings: Settings, tenant_id: str, source: str) -> Path:
    return settings.state_dir / tenant_id / f"{source}.unchecked_since"


def unchecked_since(
    settings: Settings, tenant_ids: Iterable[str], source: str, landing_started: dt.datetime
) -> dt.datetime:
    """Since when the tenants' rows of ``source`` are unchecked, for a landing starting now.

    A landing that fails (a tap killed, a target crashing) has committed some batches and saved
    the state they confirmed, so the next landing does not send those rows again: checking only
    the rows written since it started would let them reach staging unchecked. Each landing
    leaves its start in the state folder until ``mark_checked``; the next one starts its check
    at the oldest start left there. Rows checked twice are merged into the quarantine as one.
    """
    since = landing_started
    for tenant_id in tenant_ids:
        marker = _unchecked_marker(settings, tenant_id, source)
        if marker.exists():
            since = min(since, dt.datetime.fromisoformat(marker.read_text().strip()))
        else:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(landing_started.isoformat())
    return since


def mark_checked(settings: Settings, tenant_ids: Iterable[str], source: str) -> None:
    """The tenants' landed rows of ``source`` have all been checked."""
    for tenant_id in tenant_ids:
        _unchecked_marker(settings, tenant_id, source).unlink(missing_ok=True)


def load_rows(
    warehouse: Warehouse,
    contract: StreamContract,
    tenant_id: str,
    since: dt.datetime | None,
    open_keys: list[str],
) -> pd.DataFrame:
    """The tenant's rows written since ``since`` (all when None), plus the rows of the
    quarantine's open entries, whatever their age: a child quarantined because its parent had
    not landed yet passes once the parent has, without being written again."""
    conditions = []
    if since is not None:
        conditions.append("_sdc_batched_at >= %(since)s")
    if open_keys:
        conditions.append(f"{record_key_sql(contract.record_key_columns)} = any(%(open_keys)s)")
    scope = f" and ({' or '.join(conditions)})" if since is not None else ""
    sql = f"select * from {_table(contract.source, contract.stream)} where tenant_id = %(tenant)s"
    return warehouse.query(
        sql + scope, {"tenant": tenant_id, "since": since, "open_keys": open_keys}
    )


def load_parent_keys(
    warehouse: Warehouse, source: str, parent: str, primary_key: tuple[str, ...], tenant_id: str
) -> frozenset[str]:
    """The record keys of the tenant's rows of ``source.parent`` (none if never landed)."""
    if not warehouse.table_exists(raw_schema(source), parent):
        return frozenset()
    key = record_key_sql([c for c in primary_key if c != "tenant_id"])
    keys = warehouse.query(
        f"select distinct {key} as record_key from {_table(source, parent)} "
        "where tenant_id = %(tenant)s",
        {"tenant": tenant_id},
    )
    return frozenset(keys["record_key"].dropna())


def check_stream(
    warehouse: Warehouse,
    quarantine: pd.DataFrame,
    *,
    source: str,
    stream: str,
    primary_keys: dict[tuple[str, str], tuple[str, ...]],
    tenant_id: str,
    since: dt.datetime | None,
    now: dt.datetime,
    future_tolerance: dt.timedelta = DEFAULT_FUTURE_TOLERANCE,
) -> tuple[pd.DataFrame, StreamCheck]:
    """Evaluate the tenant's new rows of ``source.stream``; return the updated quarantine
    (not yet written) and what the check found. ``now`` is naive UTC, like raw timestamps."""
    contract = stream_contract(source, stream, primary_keys[(source, stream)])
    if not warehouse.table_exists(raw_schema(source), stream):
        rows = pd.DataFrame(columns=list(contract.primary_key))
    else:
        open_entries = quarantine[
            (quarantine["tenant_id"] == tenant_id)
            & (quarantine["source_name"] == source)
            & (quarantine["stream_name"] == stream)
            & quarantine["resolved_at"].isna()
        ]
        open_keys = sorted(set(open_entries["record_key"]))
        rows = load_rows(warehouse, contract, tenant_id, since, open_keys)
    parents = {
        parent: load_parent_keys(
            warehouse, source, parent, primary_keys[(source, parent)], tenant_id
        )
        for parent in contract.parents
    }
    bounds = Bounds(now=now, future_tolerance=future_tolerance, parent_keys=parents)
    evaluation = evaluate_stream(contract, tenant_id, rows, bounds)
    updated, change = merge_quarantine(quarantine, evaluation, now)
    return updated, StreamCheck(evaluation, change)
