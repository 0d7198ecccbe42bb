"""The hourly run by hand (``cerebro hourly``, ``make bench-hourly``): the ``hourly_operations``
job for each tenant with Shopify, one run per tenant as the schedule launches them, in this
process, and what each cost.

Not part of the code location's definitions, like ``platform.py``: Dagster and the definitions
are imported inside the function, after the dbt manifest is prepared.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from cerebro.settings import Settings
from orchestration.platform import export_settings, prepare_dagster_home, prepare_dbt_manifest

#: dbt-duckdb and dbt-postgres report the rows each statement of a model wrote in
#: `rows_affected` (dagster-dbt copies the adapter response into the materialization).
DBT_ROWS_KEY = "rows_affected"


@dataclass
class HourlyRun:
    """One tenant's hourly run: how long, what it landed and what dbt rewrote."""

    tenant_id: str
    day: dt.date
    success: bool
    seconds: float
    records_landed: int
    dbt_rows: int
    models_built: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def rows_touched(self) -> int:
        return self.records_landed + self.dbt_rows


def _records_landed(materializations) -> int:
    """Records the Shopify sync wrote, from the landing asset's metadata (one entry per table,
    each a ``{tenant: records}`` mapping)."""
    total = 0
    for event in materializations:
        synced = event.materialization.metadata.get("records_synced_this_run")
        if synced is not None:
            total += sum(int(records) for records in synced.value.values())
    return total


def _dbt_rows(materializations) -> tuple[int, list[str]]:
    rows, models = 0, []
    for event in materializations:
        metadata = event.materialization.metadata
        if "unique_id" not in metadata:  # not a dbt node
            continue
        models.append(event.asset_key.path[-1])
        affected = metadata.get(DBT_ROWS_KEY)
        # Views report -1 (nothing written): they cost a `create view`, no rows.
        if affected is not None and int(affected.value) > 0:
            rows += int(affected.value)
    return rows, models


def run_hourly(
    settings: Settings,
    *,
    tenant_ids: list[str] | None = None,
    now: dt.datetime | None = None,
    day: dt.date | None = None,
    instance=None,
) -> list[HourlyRun]:
    """Run ``hourly_operations`` for each tenant with Shopify (or ``tenant_ids``): today in the
    tenant's timezone at ``now`` (default: the current time), or ``day`` for every tenant."""
    import dagster as dg

    from cerebro.tenants import load_tenants

    export_settings(settings)
    prepare_dagster_home(settings)
    prepare_dbt_manifest()
    from orchestration.definitions import defs
    from orchestration.jobs import HOURLY_JOB
    from orchestration.partitions import current_day, partition_key, register_tenants
    from orchestration.platform import step_failure_message

    tenants = [t for t in load_tenants(settings.tenants_file) if "shopify" in t.sources]
    if tenant_ids is not None:
        unknown = sorted(set(tenant_ids) - {t.tenant_id for t in tenants})
        if unknown:
            raise ValueError(f"no tenant with a Shopify source named {', '.join(unknown)}")
        tenants = [t for t in tenants if t.tenant_id in tenant_ids]
    now = now or dt.datetime.now(dt.UTC)
    instance = instance or dg.DagsterInstance.get()
    register_tenants(instance, [t.tenant_id for t in tenants])
    job = defs.resolve_job_def(HOURLY_JOB)
    runs = []
    for tenant in tenants:
        tenant_day = day or current_day(tenant.timezone, now)
        started = time.monotonic()
        result = job.execute_in_process(
            instance=instance,
            partition_key=str(partition_key(tenant_day, tenant.tenant_id)),
            raise_on_error=False,
        )
        seconds = time.monotonic() - started
        materializations = result.get_asset_materialization_events()
        dbt_rows, models = _dbt_rows(materializations)
        error = None
        if not result.success:
            failures = [e for e in result.all_events if e.is_step_failure]
            error = "\n".join(step_failure_message(e.step_failure_data.error) for e in failures)
        runs.append(
            HourlyRun(
                tenant_id=tenant.tenant_id,
                day=tenant_day,
                success=result.success,
                seconds=seconds,
                records_landed=_records_landed(materializations),
                dbt_rows=dbt_rows,
                models_built=models,
                error=error or (None if result.success else "run failed"),
            )
        )
    return runs
