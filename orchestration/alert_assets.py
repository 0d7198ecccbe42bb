"""Alerts in Dagster: the rules of ``cerebro/alerts.yml`` evaluated after the marts they read,
and failed runs reported to the same channels.

Both are thin adapters over ``cerebro.actions.alerts``; no URL or password reaches a log line or the
metadata (the channels' secrets stay in environment variables).
"""

import datetime as dt
from collections.abc import Mapping, Sequence

import dagster as dg

from cerebro.actions.alerts import (
    METRICS,
    alerts_file_from_env,
    last_complete_local_day,
    load_alerts_config,
    run_alerts,
)
from cerebro.actions.alerts.delivery import Deliverer
from cerebro.actions.alerts.messages import run_failure_notification
from cerebro.actions.alerts.store import join_channels, split_channels
from cerebro.actions.notify import NotifyError
from cerebro.tenants import Tenant
from orchestration.partitions import RANGE_END_TAG, tenant_daily_partitions
from orchestration.resources import CerebroResource

#: The marts the metrics read: the asset runs after them.
ALERT_MARTS = sorted({table for spec in METRICS.values() for table in spec.reads})
#: A one-partition run's date; a single-run backfill has the range tags instead.
PARTITION_DATE_TAG = "dagster/partition/date"
#: Channels a failed run was already reported to (the run-failure de-duplication).
FAILURE_NOTIFIED_TAG = "cerebro/failure_notified"


class AlertRunConfig(dg.Config):
    """Run configuration of the alerts asset."""

    alert_date: str | None = None
    """Evaluate as of this local date (YYYY-MM-DD) for every tenant; default: the run's
    partition date, else each tenant's yesterday in its own timezone."""


def alert_dates_for(
    tenants: Sequence[Tenant], *, configured: str | None, tags: Mapping[str, str], now: dt.datetime
) -> dict[str, dt.date]:
    """Each tenant's evaluation date: the configured one, the day the run built (its partition
    or the end of its range), else the tenant's last complete local day at ``now`` (aware) —
    what the daily schedule built for a publish run that follows it."""
    day = configured or tags.get(PARTITION_DATE_TAG)
    if not day and tags.get(RANGE_END_TAG):
        key = tenant_daily_partitions.get_partition_key_from_str(tags[RANGE_END_TAG])
        day = key.keys_by_dimension["date"]
    if day:
        try:
            date = dt.date.fromisoformat(day)
        except ValueError:
            raise ValueError(f"alert_date must be a date (YYYY-MM-DD), got {day!r}") from None
        return {tenant.tenant_id: date for tenant in tenants}
    return {tenant.tenant_id: last_complete_local_day(tenant, now) for tenant in tenants}


@dg.asset(
    name="alert_notifications",
    group_name="notifications",
    kinds={"slack", "email"},
    deps=[dg.AssetKey(["marts", table]) for table in ALERT_MARTS],
)
def alert_notifications(
    context: dg.AssetExecutionContext, config: AlertRunConfig, cerebro: CerebroResource
) -> dg.MaterializeResult:
    """Evaluates the threshold rules of `cerebro/alerts.yml` (CEREBRO_ALERTS_FILE) for every
    tenant as of its day — cart abandonment, cancellation rate, CAC, capital en riesgo week over
    week, source staleness — and sends what fires to Slack-compatible webhooks and e-mail, at
    most once per rule, tenant and day (`ops.alert_log`). Failed deliveries are recorded and
    retried by the next evaluation; a rule that cannot be evaluated fails the asset after the
    others were delivered."""
    tenants = cerebro.tenants()
    alerts = load_alerts_config(
        alerts_file_from_env(),
        tenant_ids=[tenant.tenant_id for tenant in tenants],
        warn=context.log.warning,
    )
    now = dt.datetime.now(dt.UTC)
    dates = alert_dates_for(tenants, configured=config.alert_date, tags=context.run.tags, now=now)
    summary = run_alerts(
        cerebro.warehouse(),
        tenants,
        alerts,
        alert_dates=dates,
        now=now.replace(tzinfo=None),
        log=context.log,
    )
    metadata = summary.metadata()
    if summary.errors:
        raise dg.Failure(
            description=f"{len(summary.errors)} alert rule evaluation(s) failed: "
            + ", ".join(sorted(summary.errors)),
            metadata=metadata,
        )
    return dg.MaterializeResult(metadata=metadata)


def _root_error(error) -> str:
    """The innermost cause of a step's error: the user's exception, not Dagster's wrapper."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return error.message if error is not None else ""


@dg.run_failure_sensor(
    name="notify_on_run_failure",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Sends a failed run's job, run id, partition, failed steps and errors to the "
        "run_failures channels of cerebro/alerts.yml (critical), once per run."
    ),
)
def notify_on_run_failure(context: dg.RunFailureSensorContext) -> None:
    alerts = load_alerts_config(alerts_file_from_env())
    run = context.dagster_run
    # The tag on the run itself de-duplicates (a sensor re-evaluating the same failure, a
    # daemon restart); the warehouse cannot: a DuckDB file is locked by whatever run is going.
    current = context.instance.get_run_by_id(run.run_id) or run
    notified = split_channels(current.tags.get(FAILURE_NOTIFIED_TAG))
    deliverer = Deliverer(alerts.channels)
    waiting = tuple(c for c in alerts.run_failure_channels if c not in notified)
    targets = deliverer.targets(waiting, "critical")
    if not targets:
        context.log.info(f"run {run.run_id}: no run_failures channel left to notify")
        return
    notification = run_failure_notification(
        job_name=run.job_name,
        run_id=run.run_id,
        steps=[
            (event.step_key or "", _root_error(event.step_failure_data.error))
            for event in context.get_step_failure_events()
        ],
        run_error=context.failure_event.message or "",
        partition=run.tags.get("dagster/partition", ""),
    )
    delivered, errors = deliverer.send_all(targets, notification)
    if delivered:
        context.instance.add_run_tags(
            run.run_id, {FAILURE_NOTIFIED_TAG: join_channels([*notified, *delivered])}
        )
    if errors:
        # The tick shows the error in the UI; the channels that got the message keep it.
        raise NotifyError("; ".join(errors))
