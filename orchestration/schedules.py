"""The daily schedule: at 02:00 America/Santiago, yesterday for every tenant. The hourly
schedule: today's operational figures for every tenant with Shopify. And the activation
schedule, off by default: each tenant's segments synced to their destinations.

"Yesterday" is read in each tenant's timezone (orchestration/partitions.py): at 02:00 in
Santiago the previous day is over from Lima to Madrid. One run per tenant keeps a failing
source or blocking check to its own tenant; the run key makes a re-evaluated tick harmless.
"""

import datetime as dt

import dagster as dg

from orchestration.jobs import activation_job, daily_tenant_job, hourly_operations_job
from orchestration.partition_days import SCHEDULE_TIMEZONE, hourly_day, last_complete_day
from orchestration.partitions import partition_key, register_tenants
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
    publish_date = tick.date().isoformat()
    for tenant in tenants:
        day = last_complete_day(tenant.timezone, tick)
        yield dg.RunRequest(
            run_key=f"{tenant.tenant_id}:{day.isoformat()}",
            partition_key=partition_key(day, tenant.tenant_id),
            tags={PUBLISH_DATE_TAG: publish_date, TENANTS_EXPECTED_TAG: str(len(tenants))},
        )


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
    for tenant in tenants:
        day = hourly_day(tenant.timezone, tick)
        yield dg.RunRequest(
            run_key=f"hourly:{tenant.tenant_id}:{hour}",
            partition_key=partition_key(day, tenant.tenant_id),
            tags={HOURLY_TICK_TAG: hour},
        )


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
