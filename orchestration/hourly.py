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
from orchestration.partition_days import hourly_day, record_partitions_start
from orchestration.platform import export_settings, prepare_dagster_home, prepare_dbt_manifest

#: The project's lookback, for a model that sets none of its own (dbt_project.yml).
LOOKBACK_VAR = "incremental_lookback_days"


@dataclass
class HourlyRun:
    """One tenant's hourly run: how long, what it landed and what dbt rewrote."""

    tenant_id: str
    day: dt.date
    success: bool
    seconds: float
    records_landed: int
    dbt_rows: int  # rows of the tables the run rewrote (its window), see rows_rewritten
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


def _dbt_models(materializations) -> list[str]:
    """The dbt models the run built (dagster-dbt stamps their materializations `unique_id`)."""
    return [
        event.materialization.metadata["unique_id"].value
        for event in materializations
        if "unique_id" in event.materialization.metadata
    ]


def rows_rewritten(warehouse, unique_ids: list[str], tenant_id: str, day: dt.date) -> int:
    """Rows the run deleted and wrote again in the tables it built, counted afterwards from the
    manifest's configuration (dbt-duckdb reports no row counts for a custom strategy): an
    incremental model with a date column, the tenant's rows from ``day`` minus its lookback to
    ``day``; another incremental model, all the tenant's rows (it is rebuilt per tenant); a
    table, all its rows; a view, none (it holds no rows)."""
    import yaml

    from cerebro.settings import DBT_PROJECT_DIR
    from orchestration.dbt_project import load_manifest

    manifest = load_manifest()
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    total = 0
    for unique_id in unique_ids:
        node = manifest["nodes"][unique_id]
        config = node["config"]
        relation = f"{node['schema']}.{node['alias'] or node['name']}"
        if config["materialized"] == "view":
            continue
        if config["materialized"] != "incremental":
            sql, params = f"select count(*) as n from {relation}", {}
        elif date_column := config.get("partition_date_column"):
            lookback = int(config.get("lookback_days", project["vars"][LOOKBACK_VAR]))
            sql = (
                f"select count(*) as n from {relation} where tenant_id = %(tenant)s "
                f"and {date_column} between %(first)s and %(last)s"
            )
            params = {"tenant": tenant_id, "first": day - dt.timedelta(days=lookback), "last": day}
        else:
            sql = f"select count(*) as n from {relation} where tenant_id = %(tenant)s"
            params = {"tenant": tenant_id}
        total += int(warehouse.query(sql, params)["n"].iloc[0])
    return total


def check_daily_build(warehouse) -> None:
    """Refuse, before anything lands, a warehouse no daily run has built: the hourly job
    leaves the seeds (the reference tables) to the daily run and only refreshes what it built,
    so on a new warehouse it would land for minutes and then fail in dbt, model after model."""
    import yaml

    from cerebro.settings import DBT_PROJECT_DIR
    from cerebro.warehouse import WarehouseNotBuiltError

    declared = yaml.safe_load((DBT_PROJECT_DIR / "seeds" / "_seeds.yml").read_text("utf-8"))
    # The macro tests' cases are seeds too, but the platform's builds leave them out.
    seeds = sorted(
        seed["name"]
        for seed in declared["seeds"]
        if "macro_test" not in (seed.get("config") or {}).get("tags", [])
    )
    missing = [seed for seed in seeds if not warehouse.table_exists("reference", seed)]
    if missing:
        raise WarehouseNotBuiltError(
            f"the warehouse {warehouse.location} has had no daily run yet (no reference."
            f"{missing[0]}): the hourly job refreshes what `cerebro run` builds; run "
            "`cerebro run` first"
        )


def run_hourly(
    settings: Settings,
    *,
    tenant_ids: list[str] | None = None,
    now: dt.datetime | None = None,
    day: dt.date | None = None,
    instance=None,
) -> list[HourlyRun]:
    """Run ``hourly_operations`` for each tenant with Shopify (or ``tenant_ids``): its hourly day
    at ``now`` (``partition_days.hourly_day``; default: the current time), or ``day`` for every
    tenant."""
    import dagster as dg

    from cerebro.progress import progress_logger_for
    from cerebro.tenants import TenantConfigError, load_tenants
    from cerebro.warehouse import Warehouse

    tenants = [t for t in load_tenants(settings.tenants_file) if "shopify" in t.sources]
    if settings.warehouse != "spark":  # Spark's seeds live in its own tables, not the file
        check_daily_build(Warehouse(settings))  # before anything is written
    export_settings(settings)
    home = prepare_dagster_home(settings)
    if tenant_ids is not None:
        unknown = sorted(set(tenant_ids) - {t.tenant_id for t in tenants})
        if unknown:
            raise TenantConfigError(
                f"{settings.tenants_file}: no tenant with a Shopify source named "
                f"{', '.join(unknown)}"
            )
        tenants = [t for t in tenants if t.tenant_id in tenant_ids]
    now = now or dt.datetime.now(dt.UTC)
    days = {t.tenant_id: day or hourly_day(t.timezone, now) for t in tenants}
    if days:
        # Before the definitions are imported: their partitions begin on the recorded day.
        record_partitions_start(home, min(days.values()))
    prepare_dbt_manifest()
    from orchestration.definitions import defs
    from orchestration.jobs import HOURLY_JOB
    from orchestration.orphaned_runs import close_orphaned_runs, process_tags
    from orchestration.partitions import partition_key, register_tenants
    from orchestration.platform import report_orphaned_runs, step_failure_message

    instance = instance or dg.DagsterInstance.get()
    report_orphaned_runs(close_orphaned_runs(instance))
    register_tenants(instance, [t.tenant_id for t in tenants])
    # One line per step on the terminal, as `cerebro run` prints; the event log stays in Dagster.
    job = defs.resolve_job_def(HOURLY_JOB).with_logger_defs({"progress": progress_logger_for()})
    runs = []
    for tenant in tenants:
        tenant_day = days[tenant.tenant_id]
        started = time.monotonic()
        result = job.execute_in_process(
            run_config={"loggers": {"progress": {}}},
            instance=instance,
            partition_key=str(partition_key(tenant_day, tenant.tenant_id)),
            raise_on_error=False,
            tags=process_tags(),
        )
        seconds = time.monotonic() - started
        materializations = result.get_asset_materialization_events()
        models = _dbt_models(materializations)
        dbt_rows = rows_rewritten(Warehouse(settings), models, tenant.tenant_id, tenant_day)
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
                models_built=[unique_id.split(".")[-1] for unique_id in models],
                error=error or (None if result.success else "run failed"),
            )
        )
    return runs
