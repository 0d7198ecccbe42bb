"""The shape every per-tenant model asset shares (the customer-value model, the budget brain):
model each tenant, keep going past one that fails, gather each table's rows over the tenants,
replace the tables, and report what failed in the metadata and a non-blocking check.

An asset hands :func:`run_per_tenant` its tenants' outcomes (a generator, or a pool's
results) and gets the tables back to adjust, write with :func:`replace_tables` and check with
:func:`check_results`; its own code is what it models and how it checks the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import dagster as dg
import pandas as pd

#: The non-blocking check every per-tenant model asset has.
EVERY_TENANT_MODELLED = "every_tenant_modelled"


class Outcome(Protocol):
    """One tenant's result (``ml_assets.mmm.tenant_pool.TenantOutcome`` has this shape)."""

    tenant_id: str
    tables: dict[str, pd.DataFrame]
    failed: dict[str, str]
    error: str | None
    summary: dict


@dataclass
class TenantOutcome:
    """A tenant modelled in the asset's own process: its rows per table and a summary for the
    metadata, or why it failed (``error``); ``failed`` names parts that failed alone."""

    tenant_id: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    summary: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TenantRuns:
    """Every tenant's rows of each table, concatenated; summaries and failures by tenant."""

    tables: dict[str, pd.DataFrame]
    summaries: dict[str, dict]
    failed: dict[str, str]


def run_per_tenant(
    context: dg.AssetExecutionContext,
    outcomes: Iterable[Outcome],
    tables: Sequence[str],
    *,
    failure: str,
    each: Callable[[Outcome], None] | None = None,
    nothing_modelled: str | None = None,
) -> TenantRuns:
    """Gather the tenants' outcomes: a failed tenant (or a failed part, as
    ``tenant/part``) is logged as ``"<name>: <failure>: <reason>"`` and kept for the check;
    ``each`` sees every modelled tenant as it arrives. Raises ``dg.Failure`` when no table
    got a row (``nothing_modelled`` says why when no tenant failed either)."""
    frames: dict[str, list[pd.DataFrame]] = {table: [] for table in tables}
    failed: dict[str, str] = {}
    summaries: dict[str, dict] = {}
    for outcome in outcomes:
        if outcome.error is not None:
            failed[outcome.tenant_id] = outcome.error
            continue
        failed.update({f"{outcome.tenant_id}/{part}": r for part, r in outcome.failed.items()})
        for table, frame in outcome.tables.items():
            frames[table].append(frame)
        summaries[outcome.tenant_id] = outcome.summary
        if each is not None:
            each(outcome)
    for name, reason in failed.items():
        context.log.warning(f"{name}: {failure}: {reason}")
    gathered = {
        table: pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        for table, parts in frames.items()
    }
    if all(frame.empty for frame in gathered.values()):
        reason = failed if failed or nothing_modelled is None else nothing_modelled
        raise dg.Failure(f"no tenant could be modelled: {reason}")
    return TenantRuns(gathered, summaries, failed)


def replace_tables(warehouse, tables: dict[str, pd.DataFrame], schema: str = "ml") -> None:
    """Replace each table that got rows; an empty one keeps the last run's (a table needs
    columns, and no rows this time is no reason to lose the previous ones)."""
    for table, frame in tables.items():
        if not frame.empty:
            warehouse.replace_table(schema, table, frame)


def check_results(
    guards: Iterable[tuple[str, dg.AssetKey, object]],
    modelled: dg.AssetKey,
    failed: dict[str, str],
    *,
    failed_key: str,
) -> Iterator[dg.AssetCheckResult]:
    """The asset's checks: one per ``(check name, asset key, guard)`` (a guard has ``passed``
    and ``metadata``), then :data:`EVERY_TENANT_MODELLED` on ``modelled``, a warning naming
    the failures under ``failed_key``."""
    for check_name, asset_key, guard in guards:
        yield dg.AssetCheckResult(
            asset_key=asset_key, check_name=check_name, passed=guard.passed,
            metadata=guard.metadata,
        )  # fmt: skip
    yield dg.AssetCheckResult(
        asset_key=modelled,
        check_name=EVERY_TENANT_MODELLED,
        passed=not failed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={failed_key: failed},
    )
