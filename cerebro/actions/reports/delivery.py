"""Reports written to files and sent by e-mail, once per tenant, cadence and period.

:func:`run_scheduled_reports` is what the scheduled job does after a run that landed day ``D``
for each tenant: every cadence due after ``D`` (``periods.due_cadences``) that the reports file
gives recipients is built and written under ``<data dir>/reports/<tenant_id>/`` (what the
e-mail shows, also without SMTP), then sent when SMTP is configured — unless ``ops.report_log``
says that period's report already went out, in which case it is not even built again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from cerebro.actions.notify import NotifyError, SmtpSettings, send_email
from cerebro.actions.reports import log
from cerebro.actions.reports.config import ReportsConfig
from cerebro.actions.reports.headlines import Report, build_report
from cerebro.actions.reports.periods import due_cadences, report_period
from cerebro.actions.reports.render import RenderedReport, render_report
from cerebro.output_files import atomic_outputs
from cerebro.serving.dashboards.spec import Dashboard, load_dashboards
from cerebro.settings import Settings
from cerebro.warehouse import Warehouse

SMTP_NOT_CONFIGURED = "not sent: CEREBRO_SMTP_HOST is not set"


def reports_dir(settings: Settings) -> Path:
    """Where the scheduled job writes the reports it builds: ``<data dir>/reports``."""
    return settings.data_dir / "reports"


def report_path(out_dir: Path, report: Report) -> Path:
    """``<out_dir>/<tenant_id>/<cadence>_<period start>.html`` (the text part beside it)."""
    period = report.period
    return out_dir / report.tenant.tenant_id / f"{period.cadence}_{period.start}.html"


def write_report(rendered: RenderedReport, path: Path) -> Path:
    """The HTML part to ``path`` and the plain-text part to the same name with ``.txt``,
    both replaced together once complete (``output_files.atomic_outputs``)."""
    with atomic_outputs(path, text_path(path)) as (html, text):
        html.write_text(rendered.html, encoding="utf-8")
        text.write_text(rendered.text, encoding="utf-8")
    return path


def text_path(path: Path) -> Path:
    """Where the plain-text part of the report written to ``path`` goes."""
    return path.with_suffix(".txt")


def send_once(
    warehouse: Warehouse,
    report: Report,
    rendered: RenderedReport,
    recipients: tuple[str, ...],
    smtp: SmtpSettings,
) -> bool:
    """One e-mail to ``recipients`` unless this tenant's report for this period was already
    sent (``ops.report_log``); True when this call sent it. A failed send raises NotifyError
    and leaves no record, so that the next run tries again."""
    period = report.period
    key = (report.tenant.tenant_id, period.cadence, period.start)
    log.ensure_report_log(warehouse)
    if not log.claim(warehouse, *key, period.end, len(recipients)):
        return False
    try:
        send_email(
            smtp, to=list(recipients), subject=rendered.subject, text=rendered.text,
            html=rendered.html,
        )  # fmt: skip
    except BaseException:
        log.release(warehouse, *key)
        raise
    return True


@dataclass
class ScheduledReports:
    """What one scheduled run did; each report is named ``tenant/cadence/period_start``."""

    rendered: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    not_sent: list[str] = field(default_factory=list)  # "<report>: why"
    send_failures: list[str] = field(default_factory=list)  # "<report>: error"
    card_failures: list[str] = field(default_factory=list)  # "<report>: dashboard/card: error"
    recipients: int = 0  # addresses the sent reports went to
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def metadata(self) -> dict:
        """Counts and report names for Dagster; never an address, a host or a password."""
        return {
            "reports_rendered": len(self.rendered),
            "reports_sent": len(self.sent),
            "skipped_duplicates": len(self.duplicates),
            "not_sent": len(self.not_sent),
            "send_failures": len(self.send_failures),
            "recipients": self.recipients,
            "sent": self.sent,
            "duplicates": self.duplicates,
            "not_sent_reasons": self.not_sent,
            "failed_cards": self.card_failures,
        }


def _warehouse_tenants(warehouse: Warehouse) -> list[str]:
    frame = warehouse.query("select tenant_id from marts.dim_tenants order by tenant_id")
    return list(frame["tenant_id"])


def run_scheduled_reports(
    warehouse: Warehouse,
    partition_dates: dict[str, dt.date],
    *,
    config: ReportsConfig,
    smtp: SmtpSettings | None,
    out_dir: Path,
    dashboards: list[Dashboard] | None = None,
) -> ScheduledReports:
    """Build, write and (with SMTP settings) send every report due after ``partition_dates``
    (tenant_id -> the last local day the run landed) that has recipients. Tenants missing from
    the warehouse are noted and skipped; a failed send is recorded and the others still go
    out."""
    outcome = ScheduledReports()
    dashboards = load_dashboards() if dashboards is None else dashboards  # once, not per report
    known = _warehouse_tenants(warehouse)
    for tenant_id in sorted(set(partition_dates) - set(known)):
        outcome.notes.append(f"{tenant_id}: not in marts.dim_tenants yet, no report")
    for tenant_id in config.unknown_tenants(known):
        outcome.notes.append(f"{tenant_id}: in {config.path} but not in the warehouse")
    sending = smtp is not None and any(
        config.recipients(t, c) for t in partition_dates for c in due_cadences(partition_dates[t])
    )
    if sending:
        log.ensure_report_log(warehouse)
    for tenant_id in [t for t in sorted(partition_dates) if t in known]:
        day = partition_dates[tenant_id]
        for cadence in due_cadences(day):
            _one_report(warehouse, tenant_id, cadence, day, config, smtp, out_dir, dashboards,
                        outcome)  # fmt: skip
    return outcome


def _one_report(warehouse, tenant_id, cadence, day, config, smtp, out_dir, dashboards, outcome):
    period = report_period(cadence, day)
    name = f"{tenant_id}/{cadence}/{period.start}"
    recipients = config.recipients(tenant_id, cadence)
    if not recipients:
        return  # nobody subscribed: not even built (a tenant may have none at all)
    # Claimed before it is built: a period already sent costs one query, not a report.
    key = (tenant_id, cadence, period.start)
    if smtp is not None and not log.claim(warehouse, *key, period.end, len(recipients)):
        outcome.duplicates.append(name)
        return
    try:
        report = build_report(warehouse, tenant_id, cadence, day, dashboards=dashboards)
        rendered = render_report(report)
        outcome.files.append(write_report(rendered, report_path(out_dir, report)))
        outcome.rendered.append(name)
        outcome.card_failures += [f"{name}: {failure}" for failure in report.failures]
        if smtp is None:
            outcome.not_sent.append(f"{name}: {SMTP_NOT_CONFIGURED}")
            return
        send_email(
            smtp, to=list(recipients), subject=rendered.subject, text=rendered.text,
            html=rendered.html,
        )  # fmt: skip
    except NotifyError as error:
        log.release(warehouse, *key)
        outcome.send_failures.append(f"{name}: {error}")
        return
    except BaseException:
        if smtp is not None:
            log.release(warehouse, *key)
        raise
    outcome.sent.append(name)
    outcome.recipients += len(recipients)
