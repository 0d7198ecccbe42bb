"""The daily schedule: at 02:00 America/Santiago, yesterday for every tenant.

"Yesterday" is read in each tenant's timezone (orchestration/partitions.py): at 02:00 in
Santiago the previous day is over from Lima to Madrid. One run per tenant keeps a failing
source or blocking check to its own tenant; the run key makes a re-evaluated tick harmless.
"""

import dagster as dg

from orchestration.jobs import daily_tenant_job
from orchestration.partitions import (
    SCHEDULE_TIMEZONE,
    last_complete_day,
    partition_key,
    register_tenants,
)
from orchestration.resources import CerebroResource

#: Tags that tie a tick's tenant runs together, for the publish sensor.
PUBLISH_DATE_TAG = "cerebro/publish_date"
TENANTS_EXPECTED_TAG = "cerebro/tenants_expected"


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
