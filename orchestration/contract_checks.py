"""Data contracts of the raw Singer streams as blocking asset checks of the landing assets.

After a source lands, every raw table's rows written by that landing are evaluated against
their stream's contract (cerebro/landing/contracts); rows that break it go to ``ops.quarantine`` and
staging leaves them out. A few bad rows are quarantined and reported; when a tenant's newly
quarantined share of a table exceeds the limit, the source is sending garbage and the check
fails, which blocks what is downstream in the run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import dagster as dg
import pandas as pd

from cerebro.landing.contracts.keys import primary_keys_from_manifest
from cerebro.landing.contracts.landed import DEFAULT_FUTURE_TOLERANCE, StreamCheck, check_stream
from cerebro.landing.contracts.quarantine import read_quarantine, write_quarantine
from cerebro.tenants import Tenant
from cerebro.warehouse import Warehouse
from orchestration.dbt_project import load_manifest

CHECK_NAME = "contract"
#: Share of a tenant's checked rows of a table newly quarantined in one run above which the
#: check fails: a handful of bad rows is normal, a fifth of a day's orders is a broken source.
DEFAULT_MAX_NEW_QUARANTINE_SHARE = 0.05


def contract_check_specs(source: str, tables: Iterable[str]) -> list[dg.AssetCheckSpec]:
    """One blocking contract check per raw table of ``source``."""
    return [
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=[source, table],
            blocking=True,
            description=(
                f"The rows of `{table}` written by this landing keep the stream's contract "
                "(keys, amounts, currencies, timestamps, enumerations, references). Rows "
                "that break it are quarantined (ops.quarantine) and left out of staging; the "
                "check fails when a tenant's newly quarantined share exceeds the limit."
            ),
        )
        for table in tables
    ]


def manifest_primary_keys() -> dict[tuple[str, str], tuple[str, ...]]:
    """Primary keys of the Singer streams, as the dbt sources declare them."""
    return primary_keys_from_manifest(load_manifest())


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _table_result(
    source: str, table: str, checks: list[StreamCheck], open_total: int, limit: float
) -> dg.AssetCheckResult:
    shares = {
        check.evaluation.tenant_id: (
            len(check.change.newly_quarantined) / check.evaluation.rows_checked
            if check.evaluation.rows_checked
            else 0.0
        )
        for check in checks
    }
    over = sorted(tenant for tenant, share in shares.items() if share > limit)
    by_rule: dict[str, int] = {}
    samples: dict[str, list[str]] = {}
    for check in checks:
        for rule, count in check.change.new_entries_by_rule.items():
            by_rule[rule] = by_rule.get(rule, 0) + count
        for outcome in check.evaluation.outcomes:
            if outcome.rows_failed:
                samples.setdefault(outcome.rule_id, []).extend(
                    f"{check.evaluation.tenant_id}:{key}" for key in outcome.sample
                )
    skipped = sorted({rule for check in checks for rule in check.evaluation.skipped_rules})
    # The check blocks what follows when every tenant it judged broke the limit. In a run for
    # several tenants one that broke it is held out of the dbt step instead, and the others go
    # on (orchestration/held_back.py, decision 0078).
    some_tenants_over = bool(over) and len(over) < len(shares)
    return dg.AssetCheckResult(
        asset_key=[source, table],
        check_name=CHECK_NAME,
        passed=not over,
        severity=dg.AssetCheckSeverity.WARN if some_tenants_over else dg.AssetCheckSeverity.ERROR,
        metadata={
            "rows_checked": sum(check.evaluation.rows_checked for check in checks),
            "rows_checked_by_tenant": dg.MetadataValue.json(
                {c.evaluation.tenant_id: c.evaluation.rows_checked for c in checks}
            ),
            "rows_quarantined_by_rule": dg.MetadataValue.json(by_rule),
            "rows_newly_quarantined": sum(len(c.change.newly_quarantined) for c in checks),
            "entries_resolved": sum(check.change.resolved_entries for check in checks),
            "open_quarantine_total": open_total,
            "new_quarantine_share_by_tenant": dg.MetadataValue.json(
                {tenant: round(share, 6) for tenant, share in shares.items()}
            ),
            "max_new_quarantine_share": limit,
            "tenants_over_limit": dg.MetadataValue.json(over),
            "failing_sample": dg.MetadataValue.json(samples),
            "rules_skipped_missing_column": dg.MetadataValue.json(skipped),
        },
    )


def evaluate_contracts(
    context: dg.AssetExecutionContext,
    source: str,
    tenants: Iterable[Tenant | str],
    warehouse: Warehouse,
    since: dt.datetime | None,
    *,
    max_new_quarantine_share: float = DEFAULT_MAX_NEW_QUARANTINE_SHARE,
    future_tolerance: dt.timedelta = DEFAULT_FUTURE_TOLERANCE,
    primary_keys: dict[tuple[str, str], tuple[str, ...]] | None = None,
) -> Iterator[dg.AssetCheckResult]:
    """Check the rows of ``source`` the tenants' landing wrote since ``since`` (naive UTC; None
    checks every row), update the quarantine, and yield one check result per raw table."""
    keys = manifest_primary_keys() if primary_keys is None else primary_keys
    tables = sorted(table for (name, table) in keys if name == source)
    if not tables:
        raise ValueError(f"no Singer-landed dbt source named {source!r}")
    tenant_ids = [t if isinstance(t, str) else t.tenant_id for t in tenants]
    now = _utc_now()
    quarantine = read_quarantine(warehouse)
    if not tenant_ids:
        # No tenant of the run lands this source (most sources in a one-tenant night): nothing
        # to check, and the quarantine, which landings running beside this one write, is
        # left alone rather than written back unchanged.
        yield from _table_results(source, tables, {}, quarantine, max_new_quarantine_share)
        return
    checks: dict[str, list[StreamCheck]] = {table: [] for table in tables}
    for table in tables:
        for tenant_id in tenant_ids:
            quarantine, check = check_stream(
                warehouse, quarantine, source=source, stream=table, primary_keys=keys,
                tenant_id=tenant_id, since=since, now=now, future_tolerance=future_tolerance,
            )  # fmt: skip
            checks[table].append(check)
            if check.change.newly_quarantined:
                context.log.warning(
                    f"{tenant_id}/{source}.{table}: {len(check.change.newly_quarantined)} of "
                    f"{check.evaluation.rows_checked} rows quarantined"
                )
    # Other sources' landings may have written their entries meanwhile (landings of one run
    # run in parallel): keep theirs as they are now, replace only this source's.
    latest = read_quarantine(warehouse)
    others = latest[latest["source_name"] != source]
    ours = quarantine[quarantine["source_name"] == source]
    quarantine = pd.concat([others, ours], ignore_index=True) if len(others) else ours
    write_quarantine(warehouse, quarantine)
    yield from _table_results(source, tables, checks, quarantine, max_new_quarantine_share)


def _table_results(
    source: str,
    tables: list[str],
    checks: dict[str, list[StreamCheck]],
    quarantine: pd.DataFrame,
    limit: float,
) -> Iterator[dg.AssetCheckResult]:
    is_open = quarantine["resolved_at"].isna() & (quarantine["source_name"] == source)
    for table in tables:
        open_total = int((is_open & (quarantine["stream_name"] == table)).sum())
        yield _table_result(source, table, checks.get(table, []), open_total, limit)
