"""A report as an e-mail: a subject, an HTML part safe for mail clients (inline CSS, layout
tables, no script, no image, no link to anything outside the message) and a plain-text part
with the same numbers, in the tenant's locale and currency (``cerebro.formatting``).

Changes read ``▲ +20 (+20,0%)``; rates change in percentage points (``▲ +3,0 pp``). Arrows stay
neutral in colour here; the static pages colour them by the spec's ``higher_is_better``
(``cerebro.serving.dashboards.trend``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from cerebro.actions.reports.headlines import Headline, Report
from cerebro.formatting import (
    MISSING,
    MONTHS,
    SHORT_MONTHS,
    format_date,
    format_number,
    format_percent,
    format_timestamp,
    format_value,
    locale_for,
)
from cerebro.serving.kpis.report import data_coverage_warning

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
#: "Resumen semanal": the cadence as an adjective of "resumen".
CADENCE_ADJECTIVES = {"daily": "diario", "weekly": "semanal", "monthly": "mensual"}
UNAVAILABLE = "No disponible"
NO_COMPARISON = "sin comparación"


@dataclass(frozen=True)
class RenderedReport:
    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class HeadlineView:
    """A headline's texts, shared by the HTML and the plain-text parts."""

    title: str
    value: str
    previous: str
    arrow: str  # "▲", "▼", "=" or "" when there is nothing to compare
    absolute: str | None  # "+20", "-$1.234", "+3,0 pp"
    relative: str | None  # "+20,0%"; None for rates and without a previous value
    error: str | None = None

    @property
    def change(self) -> str:
        """The change as one phrase: "▲ +20 (+20,0%)", "▲ +3,0 pp" or "sin comparación"."""
        if self.absolute is None:
            return NO_COMPARISON
        relative = f" ({self.relative})" if self.relative else ""
        return f"{self.arrow} {self.absolute}{relative}"


def period_label(start: dt.date, end: dt.date) -> str:
    """A period as a reader writes it, with an en dash between its ends (written "-" here):
    "15 nov 2026", "9-15 nov 2026", "26 oct - 1 nov 2026", "28 dic 2026 - 3 ene 2027", or a
    whole calendar month as "noviembre de 2026"."""
    if start == end:
        return format_date(start)
    after_end = end + dt.timedelta(days=1)
    if start.day == 1 and after_end.day == 1 and (start.year, start.month) == (end.year, end.month):
        return f"{MONTHS[start.month - 1]} de {start.year}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}\u2013{format_date(end)}"
    if start.year == end.year:
        return f"{start.day} {SHORT_MONTHS[start.month - 1]} \u2013 {format_date(end)}"
    return f"{format_date(start)} \u2013 {format_date(end)}"


def subject(report: Report) -> str:
    """E.g. "Resumen semanal · CasaFácil Chile · 9-15 nov 2026" (an en dash in the range)."""
    adjective = CADENCE_ADJECTIVES[report.period.cadence]
    label = period_label(report.period.start, report.period.end)
    return f"Resumen {adjective} · {report.tenant.name} · {label}"


def _signed(value: float, shown: str, zero: str) -> tuple[str, str]:
    """The arrow and the signed text of a change whose size reads ``shown``."""
    if shown == zero:
        return "=", shown
    return ("▲", f"+{shown}") if value > 0 else ("▼", f"-{shown}")


def headline_view(headline: Headline, currency: str) -> HeadlineView:
    title = headline.card.title
    if headline.error is not None:
        return HeadlineView(title, UNAVAILABLE, MISSING, "", None, None, error=headline.error)
    fmt = headline.format
    value = format_value(headline.current, fmt, currency)
    previous = format_value(headline.previous, fmt, currency)
    if headline.absolute is None:
        return HeadlineView(title, value, previous, "", None, None)
    locale = locale_for(currency)
    if headline.is_rate:
        points = headline.percentage_points
        shown, zero = (f"{format_number(p, 1, locale)} pp" for p in (abs(points), 0))
        arrow, absolute = _signed(points, shown, zero)
        return HeadlineView(title, value, previous, arrow, absolute, None)
    zero = format_value(0, fmt, currency)
    arrow, absolute = _signed(
        headline.absolute, format_value(abs(headline.absolute), fmt, currency), zero
    )
    relative = None
    if headline.relative is not None:
        _, relative = _signed(
            headline.relative,
            format_percent(abs(headline.relative), locale=locale),
            format_percent(0, locale=locale),
        )
    return HeadlineView(title, value, previous, arrow, absolute, relative)


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        # The HTML part is escaped (titles and names come from files users edit); text is not.
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _warning(report: Report) -> str | None:
    tenant = report.tenant
    return data_coverage_warning(tenant.name, tenant.last_data_date, report.period.end) or None


def render_report(report: Report) -> RenderedReport:
    """The report's subject, HTML part and plain-text part."""
    period = report.period
    context = {
        "subject": subject(report),
        "title": f"Resumen {CADENCE_ADJECTIVES[period.cadence]}",
        "tenant_name": report.tenant.name,
        "currency": report.tenant.currency,
        "period_label": period_label(period.start, period.end),
        "previous_label": period_label(period.previous_start, period.previous_end),
        "warning": _warning(report),
        "pages": [
            (
                page.dashboard.title,
                [headline_view(h, report.tenant.currency) for h in page.headlines],
            )
            for page in report.pages
        ],
        "budget_advice": report.budget_advice,
        "generated": format_timestamp(report.generated_at),
    }
    environment = _environment()
    return RenderedReport(
        subject=context["subject"],
        html=environment.get_template("report.html.j2").render(context),
        text=environment.get_template("report.txt.j2").render(context),
    )
