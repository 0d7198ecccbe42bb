"""Alert texts in Spanish: the rule's message with its values formatted in the tenant's locale
(``cerebro.formatting``: percent, the tenant's currency, hours, dates), and the same alert as a
Slack message and as an e-mail."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from cerebro.actions.alerts.config import Rule
from cerebro.actions.alerts.metrics import Measurement
from cerebro.formatting import (
    MISSING,
    format_currency,
    format_date,
    format_days,
    format_hours,
    format_number,
    format_percent,
    is_missing,
    locale_for,
)
from cerebro.tenants import Tenant

SEVERITY_LABELS = {"info": "INFORMACIÓN", "warning": "ADVERTENCIA", "critical": "CRÍTICA"}
#: Unicode rather than Slack's :shortcodes:, which Google Chat and Teams show as text.
SEVERITY_ICONS = {"info": "\u2139\ufe0f", "warning": "\u26a0\ufe0f", "critical": "\U0001f6a8"}
#: "se alerta con más de 75,0%".
COMPARISON_WORDS = {">": "más de", ">=": "desde", "<": "menos de", "<=": "hasta"}
#: A URL with optional credentials (``scheme://user:password@host:port/path?query``).
_URL = re.compile(r"\b([a-z][a-z0-9+.-]*)://(?:[^/\s@]*@)?([^/\s:@]+)(?::\d+)?\S*", re.I)
#: Error texts sent to a channel are cut here: the full text stays in the Dagster run.
ERROR_SUMMARY_CHARS = 400


@dataclass(frozen=True)
class Notification:
    """One message, ready for every channel type."""

    severity: str
    subject: str  # e-mail subject
    text: str  # e-mail body, plain text
    slack_text: str  # Slack's incoming-webhook "text" (mrkdwn)

    @property
    def slack_payload(self) -> dict:
        return {"text": self.slack_text}


def format_metric_value(unit: str, value: float | None, currency: str) -> str:
    """A metric value or threshold in the locale of a tenant whose currency is ``currency``:
    "82,4%", "+25,0%", "$25.000", "S/ 228.14", "42,0 h", "18 días"."""
    if is_missing(value):
        return MISSING
    locale = locale_for(currency)
    if unit == "rate":
        return format_percent(value, locale=locale)
    if unit == "change":
        sign = "+" if value > 0 else ("-" if value < 0 else "")
        return f"{sign}{format_percent(abs(value), locale=locale)}"
    if unit == "currency":
        return format_currency(value, currency)
    if unit == "hours":
        return format_hours(value, locale, decimals=1)
    if unit == "days":
        return format_days(value, locale)
    if unit == "number":
        return format_number(value, locale=locale)
    raise ValueError(f"unknown metric unit {unit!r}")


def render_message(
    rule: Rule, tenant: Tenant, alert_date: dt.date, measurement: Measurement
) -> str:
    """The rule's message template filled in (placeholders were checked when loading)."""
    unit, currency = rule.spec.unit, tenant.currency
    values = {
        "tenant": tenant.name,
        "value": format_metric_value(unit, measurement.value, currency),
        "threshold": format_metric_value(unit, rule.threshold, currency),
        "comparison": COMPARISON_WORDS[rule.comparison],
        "alert_date": format_date(alert_date),
        "lookback_days": str(rule.lookback_days or ""),
        **measurement.details,
    }
    # A detail the measurement could not fill (e.g. no earlier value yet) shows as "—".
    missing = {name: MISSING for name in rule.spec.placeholders if name not in values}
    return rule.message.format(**missing, **values)


def alert_notification(
    *, severity: str, title: str, message: str, tenant_name: str, alert_date: dt.date, rule_id: str
) -> Notification:
    label = SEVERITY_LABELS[severity]
    when = format_date(alert_date)
    return Notification(
        severity=severity,
        subject=f"[Cerebro] {label} · {title} · {tenant_name} · {when}",
        text=(
            f"Alerta {label} de Cerebro\n\n"
            f"Cliente: {tenant_name}\nFecha: {when}\nRegla: {rule_id}\n\n{message}\n\n"
            "Cerebro envía cada alerta una sola vez por regla, cliente y día.\n"
        ),
        slack_text=(
            f"{SEVERITY_ICONS[severity]} *{label}* · *{title}*\n{tenant_name} · {when}\n{message}"
        ),
    )


def redact_urls(text: str) -> str:
    """URLs cut to scheme and host: a webhook's path, a database URL's user info or query can
    hold a token or a password."""
    return _URL.sub(lambda m: f"{m.group(1)}://{m.group(2)}/…", text)


def error_summary(text: str) -> str:
    """The first lines of an error, URLs redacted, cut to a chat-sized length."""
    summary = redact_urls(text.strip())
    if len(summary) > ERROR_SUMMARY_CHARS:
        summary = summary[: ERROR_SUMMARY_CHARS - 1].rstrip() + "…"
    return summary or "sin detalle"


def run_failure_notification(
    *, job_name: str, run_id: str, steps: list[tuple[str, str]], run_error: str, partition: str
) -> Notification:
    """A failed Dagster run, always critical: job, run id, partition, and each failed step with
    its error (or the run's own error when no step failed, e.g. a launch failure)."""
    severity = "critical"
    label = SEVERITY_LABELS[severity]
    lines = [f"Job: {job_name}", f"Run: {run_id}"]
    if partition:
        lines.append(f"Partición: {partition}")
    if steps:
        for step, error in steps:
            lines.append(f"Paso: {step}")
            lines.append(f"Error: {error_summary(error)}")
    else:
        lines.append(f"Error: {error_summary(run_error)}")
    body = "\n".join(lines)
    return Notification(
        severity=severity,
        subject=f"[Cerebro] {label} · Falló el job {job_name} (run {run_id[:8]})",
        text=f"Falló una ejecución de Dagster.\n\n{body}\n",
        slack_text=f"{SEVERITY_ICONS[severity]} *{label}* · *Falló una ejecución de Dagster*\n"
        + body,
    )
