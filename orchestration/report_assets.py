"""Scheduled reports as a Dagster asset: after the marts, each tenant's daily, weekly and
monthly summaries that are due are built, written under ``<data dir>/reports`` and e-mailed
once per period (``cerebro.actions.reports``; docs/alerts-and-reports.md).

Which day the run landed comes from its tags: the publish run carries the schedule's tick date
(the tenants' runs landed the day before), a ``cerebro run`` its partition range; a run launched
by hand reports on each tenant's last complete day, or on the ``date`` given in its config.
Without SMTP settings (``CEREBRO_SMTP_HOST``) reports are written but not sent.
"""

import datetime as dt

import dagster as dg
from pydantic import Field

from cerebro.actions.notify import smtp_settings_from_env
from cerebro.actions.reports import load_reports_config, run_scheduled_reports
from cerebro.actions.reports.delivery import reports_dir
from cerebro.actions.reports.headlines import headline_cards
from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.serving.metabase.context import marts_tables
from cerebro.tenants import Tenant
from orchestration.partition_days import last_complete_day
from orchestration.partitions import RANGE_END_TAG, tenant_daily_partitions
from orchestration.resources import CerebroResource

#: The marts the headline cards read (parsing the YAML specs reads files only), and those a
#: report reads for the tenant's name, currency and last day of data.
MARTS = sorted(
    set().union(
        {"dim_tenants", "mart_orders_daily"},
        *(marts_tables(card.sql) for d in load_dashboards() for card in headline_cards(d)),
    )
)


class ReportRunConfig(dg.Config):
    date: str | None = Field(
        default=None,
        description="The last landed day to report on (YYYY-MM-DD) for every tenant, instead "
        "of the run's partition date.",
    )


def partition_dates(
    tenants: list[Tenant],
    now: dt.datetime,
    *,
    chosen: str | None = None,
    publish_date: str | None = None,
    range_end: str | None = None,
) -> dict[str, dt.date]:
    """The last local day each tenant's data was landed for, as far as the run knows: the
    config's ``chosen`` day, else the day before the schedule's tick (``publish_date``), else
    the last day of the run's partition range (``range_end``, "<date>|<tenant>"), else each
    tenant's last complete day at ``now``."""
    if chosen:
        day = dt.date.fromisoformat(chosen)
    elif publish_date:
        # The daily schedule ticks at 02:00 Santiago and lands "yesterday" for every tenant.
        day = dt.date.fromisoformat(publish_date) - dt.timedelta(days=1)
    elif range_end:
        end = tenant_daily_partitions.get_partition_key_from_str(range_end)
        day = dt.date.fromisoformat(end.keys_by_dimension["date"])
    else:
        return {t.tenant_id: last_complete_day(t.timezone, now) for t in tenants}
    return {tenant.tenant_id: day for tenant in tenants}


@dg.asset(
    name="scheduled_reports",
    group_name="notifications",
    kinds={"email"},
    deps=[dg.AssetKey(["marts", table]) for table in MARTS],
    # The SMTP server may be briefly unreachable; reports already sent are skipped on retry.
    retry_policy=dg.RetryPolicy(max_retries=2, delay=60),
)
def scheduled_reports(
    context: dg.AssetExecutionContext, config: ReportRunConfig, cerebro: CerebroResource
) -> dg.MaterializeResult:
    """Daily, weekly (after a Sunday) and monthly (after a month's last day) e-mail summaries:
    every dashboard's headline KPIs with the change from the period before, per tenant, to the
    recipients of `cerebro/reports.yml`. Each period's report is sent once (`ops.report_log`)."""
    # Imported here: the schedules module imports the jobs, which select this asset's group.
    from orchestration.schedules import PUBLISH_DATE_TAG

    tags = context.run.tags
    dates = partition_dates(
        cerebro.tenants(),
        dt.datetime.now(dt.UTC),
        chosen=config.date,
        publish_date=tags.get(PUBLISH_DATE_TAG),
        range_end=tags.get(RANGE_END_TAG),
    )
    outcome = run_scheduled_reports(
        cerebro.warehouse(),
        dates,
        config=load_reports_config(),
        smtp=smtp_settings_from_env(),
        out_dir=reports_dir(cerebro.settings()),
    )
    for note in outcome.notes + outcome.card_failures + outcome.send_failures:
        context.log.warning(note)
    if outcome.send_failures:
        # The errors are in the log above; the description names the reports only.
        failed = [failure.split(": ", 1)[0] for failure in outcome.send_failures]
        raise dg.Failure(
            description=f"{len(failed)} reports could not be sent: {', '.join(failed)}",
            metadata=outcome.metadata(),
        )
    return dg.MaterializeResult(metadata=outcome.metadata())
