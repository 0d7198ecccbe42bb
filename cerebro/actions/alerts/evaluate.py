"""One evaluation of the alert rules: measure, de-duplicate, deliver, record.

1. Every enabled rule is measured for every tenant as of that tenant's alert date (a local
   date: the day the daily run built), reading the marts through a read-only connection.
2. A rule that fires is inserted into ``ops.alert_log`` unless that tenant, rule and date is
   already there (a re-run, a retry): then it is counted as a suppressed duplicate.
3. Every logged alert of the last ``retry_days`` with channels still waiting — the new ones
   and those whose delivery failed before — is sent, most severe first, and the outcome per
   channel is written back. A failure is recorded, not raised: the next evaluation retries it.

Reads and writes never overlap: DuckDB refuses a writer while a reader of the same file is
open in the process.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from cerebro.actions.alerts.config import AlertsConfig, Rule, severity_rank
from cerebro.actions.alerts.delivery import Deliverer
from cerebro.actions.alerts.messages import (
    SEVERITY_LABELS,
    alert_notification,
    format_metric_value,
    redact_urls,
    render_message,
)
from cerebro.actions.alerts.metrics import Measurement, MetricContext
from cerebro.actions.alerts.requested import requested_rules
from cerebro.actions.alerts.store import (
    AlertStore,
    LoggedAlert,
    join_channels,
    ops_tables_exist,
    read_history,
    read_log,
    warehouse_records,
)
from cerebro.tenants import Tenant
from cerebro.warehouse import Warehouse

LOGGER = logging.getLogger("cerebro.actions.alerts")


@dataclass(frozen=True)
class RuleOutcome:
    tenant: Tenant
    rule: Rule  # with the tenant's overrides applied
    alert_date: dt.date
    measurement: Measurement

    @property
    def tenant_id(self) -> str:
        return self.tenant.tenant_id

    @property
    def fired(self) -> bool:
        return self.rule.fires(self.measurement.value)


@dataclass
class AlertRunSummary:
    """What one evaluation did; ``metadata()`` is safe to show (no URL, no secret)."""

    alert_dates: dict[str, dt.date]
    outcomes: list[RuleOutcome] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    new_alerts: int = 0
    suppressed_duplicates: int = 0
    retried: int = 0
    sent: int = 0
    failed_deliveries: int = 0
    channels_not_configured: list[str] = field(default_factory=list)

    @property
    def fired(self) -> list[RuleOutcome]:
        return [outcome for outcome in self.outcomes if outcome.fired]

    @property
    def no_data(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome.measurement.value is None)

    def metadata(self) -> dict:
        return {
            "alert_dates": {t: d.isoformat() for t, d in sorted(self.alert_dates.items())},
            "rules_evaluated": len(self.outcomes) + len(self.errors),
            "fired": len(self.fired),
            "new_alerts": self.new_alerts,
            "suppressed_duplicates": self.suppressed_duplicates,
            "retried": self.retried,
            "sent": self.sent,
            "failed_deliveries": self.failed_deliveries,
            "no_data": self.no_data,
            "evaluation_errors": dict(sorted(self.errors.items())),
            "channels_not_configured": sorted(self.channels_not_configured),
            "fired_alerts": [
                f"{o.tenant_id}/{o.rule.id} ({SEVERITY_LABELS[o.rule.severity]})"
                for o in self.fired
            ],
        }


def last_complete_local_day(tenant: Tenant, now: dt.datetime) -> dt.date:
    """Yesterday in the tenant's timezone at ``now`` (aware): the day the daily run built."""
    return now.astimezone(ZoneInfo(tenant.timezone)).date() - dt.timedelta(days=1)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def run_alerts(
    warehouse: Warehouse,
    tenants: Sequence[Tenant],
    config: AlertsConfig,
    *,
    alert_dates: Mapping[str, dt.date],
    now: dt.datetime | None = None,
    environ: Mapping[str, str] | None = None,
    log: logging.Logger | None = None,
) -> AlertRunSummary:
    """Evaluate every rule for the tenants in ``alert_dates`` and deliver what fired (see the
    module docstring). ``now`` is naive UTC (source staleness is measured to it)."""
    log = log or LOGGER
    now = now or _utc_now()
    deliverer = Deliverer(config.channels, os.environ if environ is None else environ)
    by_id = {tenant.tenant_id: tenant for tenant in tenants if tenant.tenant_id in alert_dates}
    summary = AlertRunSummary(alert_dates={t: alert_dates[t] for t in by_id})
    if not by_id:
        return summary
    since = min(summary.alert_dates.values()) - _days(config.retry_days)
    pairs = [
        (tenant, rule)
        for tenant in by_id.values()
        for rule in (r.for_tenant(tenant.tenant_id) for r in config.rules)
        if rule.enabled
    ]
    # Beside the file's rules, the alerts each tenant set from Metabase (its own only).
    pairs += [(by_id[t], rule) for t, rule in requested_rules(warehouse) if t in by_id]
    # One read-only connection for the ops tables and the rules, opened again only after a
    # rule fails (on PostgreSQL a failed query spoils its transaction).
    with warehouse.reading():
        has_tables = ops_tables_exist(warehouse)
        records = warehouse_records(warehouse)
        history = read_history(records) if has_tables else {}
        earlier = read_log(records, since) if has_tables else []
        pairs = _measure(pairs, warehouse, summary, history, now, log)
    while pairs:
        with warehouse.reading():
            pairs = _measure(pairs, warehouse, summary, history, now, log)

    new_rows = _new_alerts(summary, {alert.key for alert in earlier}, deliverer, now, log)
    history_rows = _new_history(summary, history, now)
    logged = earlier
    # Inserts are committed before anything is sent: a crash while sending must not lose
    # the log, or a re-run would send the same alerts again.
    if new_rows or history_rows or not has_tables:
        with AlertStore.open(warehouse) as store:
            store.ensure_tables()
            store.record_history(history_rows)
            store.insert_alerts(new_rows)
            logged = store.read_log(since)
    pending = [
        alert
        for alert in logged
        if alert.tenant_id in by_id
        and alert.sent_at is None
        and alert.alert_date >= summary.alert_dates[alert.tenant_id] - _days(config.retry_days)
        and _deliverable(alert, deliverer)
    ]
    inserted = {(row["tenant_id"], row["rule_id"], row["alert_date"]) for row in new_rows}
    summary.retried = sum(1 for alert in pending if alert.key not in inserted)
    # Delivery waits on the network: no connection is held meanwhile.
    updates = _deliver(pending, by_id, deliverer, summary, now, log)
    if updates:
        with AlertStore.open(warehouse) as store:
            store.record_deliveries(updates)
    return summary


def _days(days: int) -> dt.timedelta:
    return dt.timedelta(days=days)


def _measure(pairs, warehouse, summary, history, now, log) -> list:
    """Measure (tenant, rule) pairs in order until one fails; returns those not measured."""
    for index, (tenant, rule) in enumerate(pairs):
        if not _measure_rule(tenant, rule, warehouse, summary, history, now, log):
            return pairs[index + 1 :]
    return []


def _measure_rule(tenant, rule, warehouse, summary, history, now, log) -> bool:
    """Measure one rule for one tenant into ``summary``; False when it failed."""
    alert_date = summary.alert_dates[tenant.tenant_id]
    context = MetricContext(
        warehouse=warehouse,
        tenant=tenant,
        alert_date=alert_date,
        lookback_days=rule.lookback_days,
        params=rule.params,
        now=now,
        history=history.get((tenant.tenant_id, rule.metric), {}),
    )
    try:
        measurement = rule.spec.evaluate(context)
    # One rule's missing mart or bad data must not silence the other rules: the error is
    # reported (and fails the Dagster asset) after everything else was delivered.
    except Exception as error:
        message = redact_urls(f"{type(error).__name__}: {error}")
        summary.errors[f"{tenant.tenant_id}/{rule.id}"] = message.splitlines()[0]
        log.error(f"alert rule {rule.id} failed for {tenant.tenant_id}: {message}")
        return False
    outcome = RuleOutcome(tenant, rule, alert_date, measurement)
    summary.outcomes.append(outcome)
    unit, currency = rule.spec.unit, tenant.currency
    log.info(
        f"{tenant.tenant_id} {alert_date} {rule.id}: {rule.metric} = "
        f"{format_metric_value(unit, measurement.value, currency)} "
        f"({'fires' if outcome.fired else 'does not fire'}; threshold {rule.comparison} "
        f"{format_metric_value(unit, rule.threshold, currency)})"
    )
    return True


def _new_history(summary, history, now) -> list[dict]:
    """Metric points the marts showed that the history does not hold yet (or holds changed)."""
    points = {
        (o.tenant_id, o.rule.metric, day): value
        for o in summary.outcomes
        for day, value in o.measurement.history_points.items()
        if history.get((o.tenant_id, o.rule.metric), {}).get(day) != value
    }
    return [
        {"tenant_id": t, "metric": m, "as_of_date": d, "value": v, "recorded_at": now}
        for (t, m, d), v in points.items()
    ]


def _new_alerts(summary, logged, deliverer, now, log) -> list[dict]:
    """Rows for the alerts that fired for the first time that day; the others are counted as
    suppressed duplicates."""
    new_rows = []
    for outcome in summary.fired:
        key = (outcome.tenant_id, outcome.rule.id, outcome.alert_date)
        if key in logged:
            summary.suppressed_duplicates += 1
            log.info(f"{'/'.join(map(str, key))}: already alerted that day, not sent again")
            continue
        rule = outcome.rule
        for name in rule.channels:
            if not deliverer.is_configured(name) and name not in summary.channels_not_configured:
                summary.channels_not_configured.append(name)
                log.warning(
                    f"alert channel {name} is not configured "
                    f"({deliverer.not_configured_reason(name)}): alerts are logged, not sent"
                )
        new_rows.append(
            {
                "tenant_id": outcome.tenant_id,
                "rule_id": rule.id,
                "alert_date": outcome.alert_date,
                "severity": rule.severity,
                "metric": rule.metric,
                "value": outcome.measurement.value,
                "threshold": rule.threshold,
                "title": rule.title,
                "message": render_message(
                    rule, outcome.tenant, outcome.alert_date, outcome.measurement
                ),
                "channels": join_channels(deliverer.targets(rule.channels, rule.severity)),
                "created_at": now,
            }
        )
    summary.new_alerts = len(new_rows)
    return new_rows


def _deliverable(alert: LoggedAlert, deliverer: Deliverer) -> bool:
    return any(
        name in deliverer.channels and deliverer.is_configured(name)
        for name in alert.pending_channels
    )


def _deliver(pending, tenants_by_id, deliverer, summary, now, log) -> list[dict]:
    """Send each pending alert to its waiting channels, most severe first; returns the rows'
    new delivery state."""
    pending = sorted(
        pending,
        key=lambda a: (a.alert_date, -severity_rank(a.severity), a.tenant_id, a.rule_id),
    )
    updates = []
    for alert in pending:
        notification = alert_notification(
            severity=alert.severity,
            title=alert.title,
            message=alert.message,
            tenant_name=tenants_by_id[alert.tenant_id].name,
            alert_date=alert.alert_date,
            rule_id=alert.rule_id,
        )
        sent, errors = deliverer.send_all(alert.pending_channels, notification)
        summary.sent += len(sent)
        summary.failed_deliveries += len(errors)
        for error in errors:
            log.warning(
                f"{alert.tenant_id}/{alert.rule_id} {alert.alert_date}: delivery failed, "
                f"retried at the next evaluation: {error}"
            )
        delivered = [*alert.delivered_channels, *sent]
        updates.append(
            {
                "tenant_id": alert.tenant_id,
                "rule_id": alert.rule_id,
                "alert_date": alert.alert_date,
                "delivered_channels": join_channels(delivered),
                "last_error": "; ".join(errors) or None,
                "sent_at": now if all(name in delivered for name in alert.channels) else None,
            }
        )
    return updates
