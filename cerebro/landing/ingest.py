"""Ingestion use cases: land one source for every tenant that has it, and count what landed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from cerebro_raw_contract import STREAMS_BY_SOURCE

from cerebro.landing.pipeline import LandingError, LandingResult, check_state, run_pipeline
from cerebro.landing.taps import tap_invocation
from cerebro.settings import Settings
from cerebro.tenants import Tenant
from cerebro.warehouse import Warehouse


def raw_schema(source: str) -> str:
    """Each source lands in its own schema, as dbt's sources expect."""
    return f"raw_{source}"


def state_path(settings: Settings, tenant_id: str, source: str) -> Path:
    """Where the Singer state of ``tenant_id``'s ``source`` is kept between syncs."""
    return settings.state_dir / tenant_id / f"{source}.json"


@dataclass(frozen=True)
class Landings:
    """What landed, and each tenant whose landing failed with its error."""

    results: list[LandingResult]
    failures: dict[str, LandingError] = field(default_factory=dict)


def land_each_tenant(
    source: str, tenants: list[Tenant], settings: Settings, warehouse: Warehouse
) -> Landings:
    """Run the source's tap into the warehouse for each tenant configured with it. A tenant
    whose landing fails (its state, its tap, its target) is set aside and the others still
    land: in a night's run for many stores, one store's expired token must not leave the
    others' data a day old."""
    target = warehouse.singer_target(raw_schema(source))
    results, failures = [], {}
    for tenant in tenants:
        if source not in tenant.sources:
            continue
        try:
            check_state(state_path(settings, tenant.tenant_id, source))
            results.append(_land(source, tenant, settings, target))
        except LandingError as error:
            failures[tenant.tenant_id] = error
    return Landings(results, failures)


def land_source(
    source: str, tenants: list[Tenant], settings: Settings, warehouse: Warehouse
) -> list[LandingResult]:
    """As :func:`land_each_tenant`, raising the first tenant's failure once every tenant has
    been tried."""
    landings = land_each_tenant(source, tenants, settings, warehouse)
    for error in landings.failures.values():
        raise error
    return landings.results


def _land(
    source: str, tenant: Tenant, settings: Settings, target: tuple[list[str], dict]
) -> LandingResult:
    target_command, target_config = target
    tap_command, tap_config = tap_invocation(
        tenant, tenant.sources[source], settings.demo_dir, settings.state_dir
    )
    return run_pipeline(
        tenant_id=tenant.tenant_id,
        source=source,
        tap_command=tap_command,
        tap_config=tap_config,
        target_command=target_command,
        target_config=target_config,
        state_path=state_path(settings, tenant.tenant_id, source),
        log_dir=settings.logs_dir / tenant.tenant_id,
    )


def raw_row_counts(warehouse: Warehouse, source: str) -> pd.DataFrame:
    """Rows per tenant in each raw table of a source (tables not landed yet are skipped)."""
    frames = []
    for stream in STREAMS_BY_SOURCE[source]:
        schema = raw_schema(source)
        if not warehouse.table_exists(schema, stream):
            continue
        counts = warehouse.query(
            f"select tenant_id, count(*) as n_rows from {schema}.{stream} group by 1 order by 1"
        )
        frames.append(counts.assign(table=f"{schema}.{stream}"))
    if not frames:
        return pd.DataFrame(columns=["table", "tenant_id", "n_rows"])
    return pd.concat(frames, ignore_index=True)[["table", "tenant_id", "n_rows"]]
