"""The daily schedule: at 02:00 America/Santiago, yesterday for every tenant. The hourly
schedule: today's operational figures for every tenant with Shopify. And the activation
schedule, off by default: each tenant's segments synced to their destinations.

"Yesterday" is read in each tenant's timezone (orchestration/partitions.py): at 02:00 in
Santiago the previous day is over from Lima to Madrid. The tenants whose yesterday is the same
day share one run, a range of the tenant dimension (decision 0078): one landing step and one dbt
invocation for many stores instead of one each, whose start-up and ~470 statements cost the
same for a store of 400 customers as for one of 40 000; the hourly runs alike. A tenant whose
landing fails leaves the others to go on (orchestration/ingestion_assets.py). The run key
makes a re-evaluated tick harmless.
"""

import datetime as dt
from collections.abc import Iterator

import dagster as dg

from orchestration.jobs import activation_job, daily_tenant_job, hourly_operations_job
from orchestration.partition_days import SCHEDULE_TIMEZONE, hourly_day, last_complete_day
from orchestration.partitions import (
    TENANT_PARTITIONS,
    partition_key,
    range_tags,
    register_tenants,
)
from orchestration.resources import CerebroResource

#: Tags that tie a tick's tenant runs together, for the publish sensor.
PUBLISH_DATE_TAG = "cerebro/publish_date"
TENANTS_EXPECTED_TAG = "cerebro/tenants_expected"
#: The tick's hour in UTC (its run key holds it too): unambiguous where a local hour repeats
#: at the end of daylight saving time, so each tick launches its tenant runs once.
HOURLY_TICK_TAG = "cerebro/hourly_tick"


@dg.schedule(
    job=daily_tenant_job,
    cron_schedule="0 2 * * *",
    execution_timezone=SCHEDULE_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every day at 02:00 America/Santiago: yesterday's partition of every tenant.",
)
def daily_tenant_schedule(context: dg.ScheduleEvaluationContext, cerebro: CerebroResource):
    tick = context.scheduled_execution_time
    tenants = cerebro.tenants()
    # New tenants in the file get their partitions here, so the first tick after adding one
    # already runs it (the tenant sensor does the same between ticks).
    register_tenants(context.instance, [tenant.tenant_id for tenant in tenants])
    tags = {PUBLISH_DATE_TAG: tick.date().isoformat(), TENANTS_EXPECTED_TAG: str(len(tenants))}
    days = {tenant.tenant_id: last_complete_day(tenant.timezone, tick) for tenant in tenants}
    yield from _runs_by_day(context.instance, days, run_key="{tenants}:{day}", tags=tags)


def _runs_by_day(
    instance: dg.DagsterInstance, days: dict[str, dt.date], run_key: str, tags: dict[str, str]
) -> Iterator[dg.RunRequest]:
    """One run per day for the tenants given that day (``run_key`` formatted with the day and
    ``tenant`` or ``first..last``): a single partition for a tenant alone, else a range."""
    registered = instance.get_dynamic_partitions(TENANT_PARTITIONS)
    for day, block in runs_by_day(registered, days):
        first, last = block[0], block[-1]
        if first == last:
            yield dg.RunRequest(
                run_key=run_key.format(tenants=first, day=day.isoformat()),
                partition_key=partition_key(day, first),
                tags=tags,
            )
        else:
            yield dg.RunRequest(
                run_key=run_key.format(tenants=f"{first}..{last}", day=day.isoformat()),
                tags={**tags, **range_tags(day, first, day, last)},
            )


def runs_by_day(registered: list[str], days: dict[str, dt.date]) -> list[tuple[dt.date, list[str]]]:
    """The runs of a tick: each a day and the tenants that run it, consecutive in the tenant
    dimension's order (``registered``), since a run's tenants are a range of it. A tenant
    registered but not asked for (gone from the tenants file, or without the source an hourly
    run lands) runs nothing and splits the range around it."""
    runs: list[tuple[dt.date, list[str]]] = []
    previous: dt.date | None = None
    for tenant_id in registered:
        day = days.get(tenant_id)
        if day is not None and day == previous:
            runs[-1][1].append(tenant_id)
        elif day is not None:
            runs.append((day, [tenant_id]))
        previous = day
    return runs


@dg.schedule(
    job=hourly_operations_job,
    # A quarter past: the 02:00 daily tick queues its tenant runs first (one run at a time on
    # DuckDB), and the daily rebuild of yesterday is not raced by an hourly run at 02:00.
    cron_schedule="15 * * * *",
    execution_timezone=SCHEDULE_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        "Every hour at :15 America/Santiago: today's operational figures of every tenant with "
        "Shopify (its landing and the dbt selector hourly_operations)."
    ),
)
def hourly_operations_schedule(context: dg.ScheduleEvaluationContext, cerebro: CerebroResource):
    tick = context.scheduled_execution_time
    tenants = [tenant for tenant in cerebro.tenants() if "shopify" in tenant.sources]
    register_tenants(context.instance, [tenant.tenant_id for tenant in tenants])
    hour = tick.astimezone(dt.UTC).strftime("%Y-%m-%dT%H")
    days = {tenant.tenant_id: hourly_day(tenant.timezone, tick) for tenant in tenants}
    # The hour is the key, not the day: the tenants' "today" is one day for every tick of it.
    run_key = "hourly:{tenants}:" + hour
    yield from _runs_by_day(context.instance, days, run_key=run_key, tags={HOURLY_TICK_TAG: hour})


@dg.schedule(
    job=activation_job,
    cron_schedule="0 7 * * *",
    execution_timezone=SCHEDULE_TIMEZONE,
    # Syncs send to customers: a user turns this on once the destinations are set up.
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description=(
        "Every day at 07:00 America/Santiago, once the daily runs and the customer brain have "
        "refreshed the marts: every tenant with activations in the tenants file syncs them."
    ),
)
def activation_schedule(context: dg.ScheduleEvaluationContext, cerebro: CerebroResource):
    tenants = [tenant for tenant in cerebro.tenants() if tenant.activations]
    register_tenants(context.instance, [tenant.tenant_id for tenant in tenants])
    day = context.scheduled_execution_time.date().isoformat()
    for tenant in tenants:
        yield dg.RunRequest(run_key=f"{tenant.tenant_id}:{day}", partition_key=tenant.tenant_id)
