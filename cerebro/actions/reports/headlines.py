"""The headline KPIs of every dashboard page for one period and the period before, run from
the same specs as the dashboards.

A card is a *headline* when the spec shows it as a single number (``display: scalar``) and its
SQL reads the dashboard's period — a date filter whose default is ``period_start`` or
``period_end``. That rule needs no new spec field and selects the per-period KPIs (pages 1 to 4
today); scalars without a period (the CLV snapshot, the budget simulator, pipeline health)
have no "previous period" to compare with and stay on their dashboards only.

Each headline runs twice, once per period, with the period bound to those filters and every
other filter at its default (optional clauses dropped), as a page opened on that period would.
A ``comparison: previous_period`` card returns the previous equal-length period too; the report
takes its current row only, because a calendar month's previous period is the calendar month
before, not the same number of days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from cerebro.actions.reports.periods import ReportPeriod, report_period
from cerebro.formatting import is_missing
from cerebro.serving.dashboards.figures import NUMERIC_FORMATS
from cerebro.serving.dashboards.spec import (
    Card,
    Dashboard,
    in_tenant_words,
    load_dashboards,
    resolve_filter_values,
)
from cerebro.serving.dashboards.static_site import SiteTenant, site_tenants
from cerebro.warehouse import Warehouse

#: The filter defaults that mean "the period the page shows" (cerebro/serving/dashboards/spec.py).
PERIOD_DEFAULTS = ("period_start", "period_end")


def period_filters(dashboard: Dashboard) -> dict[str, str]:
    """The dashboard's period filters: key -> 'period_start' or 'period_end'."""
    return {
        item.key: item.default
        for item in dashboard.filters
        if item.type == "date" and item.default in PERIOD_DEFAULTS
    }


def is_headline(dashboard: Dashboard, card: Card) -> bool:
    """A single-number card whose query depends on the dashboard's period."""
    return card.display == "scalar" and bool(set(card.parameters) & set(period_filters(dashboard)))


def headline_cards(dashboard: Dashboard) -> list[Card]:
    """The dashboard's headline cards in reading order (the page's grid: row, then column)."""
    cards = [card for card in dashboard.cards if is_headline(dashboard, card)]
    return sorted(cards, key=lambda c: (c.layout["row"], c.layout["col"]))


def period_values(
    dashboard: Dashboard, tenant_id: str, start: dt.date, end: dt.date
) -> dict[str, object]:
    """Every filter's value for a page opened on ``start..end``."""
    starts = {
        k: start for k, default in period_filters(dashboard).items() if default == "period_start"
    }
    return resolve_filter_values(dashboard, tenant_id, end, **starts)


def metric_column(card: Card) -> str:
    """The column a scalar shows: its first metric, else its last column (as the pages do)."""
    return card.y[0] if card.y else list(card.columns)[-1]


def scalar_value(card: Card, frame: pd.DataFrame) -> object:
    """A scalar card's value: the current (last) row with ``comparison: previous_period``, else
    the first row; None for no rows or a NULL."""
    if frame.empty:
        return None
    row = frame.iloc[-1] if card.comparison == "previous_period" else frame.iloc[0]
    value = row[metric_column(card)]
    if is_missing(value):
        return None
    # PostgreSQL returns Decimal, DuckDB numpy scalars: plain floats compare and subtract alike.
    return float(value) if card.columns[metric_column(card)] in NUMERIC_FORMATS else value


@dataclass(frozen=True)
class Headline:
    """One KPI for the period and the period before, and how it changed.

    ``absolute`` is ``current - previous`` in the KPI's unit — for a rate (a fraction) that is
    a difference of fractions, shown as percentage points. ``relative`` is
    ``(current - previous) / |previous|``. Both are None when a value is missing (a rate whose
    denominator is 0 is NULL, KPIS.md); ``relative`` also when the previous value is 0.
    """

    card: Card
    current: object = None
    previous: object = None
    error: str | None = None

    @property
    def format(self) -> str:
        return self.card.columns[metric_column(self.card)]

    @property
    def is_rate(self) -> bool:
        return self.format == "percent"

    @property
    def absolute(self) -> float | None:
        if self.format not in NUMERIC_FORMATS or self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def percentage_points(self) -> float | None:
        """A rate's change in percentage points (0.52 -> 0.55 is +3.0); None for other KPIs."""
        return None if not self.is_rate or self.absolute is None else self.absolute * 100

    @property
    def relative(self) -> float | None:
        if self.absolute is None or self.previous == 0:
            return None
        return self.absolute / abs(self.previous)


@dataclass(frozen=True)
class ReportPage:
    dashboard: Dashboard
    headlines: list[Headline]


@dataclass(frozen=True)
class Report:
    """One tenant's summary for one period: every page with headline KPIs, in spec order."""

    tenant: SiteTenant
    period: ReportPeriod
    pages: list[ReportPage]
    #: The budget advice the Resumen ejecutivo leads with (its headline objective's sentence,
    #: marts.mart_budget_recommendation), or None before the budget brain has run.
    budget_advice: str | None = None
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def failures(self) -> list[str]:
        """'dashboard/card: error' for every headline whose query failed."""
        return [
            f"{page.dashboard.key}/{headline.card.key}: {headline.error.splitlines()[0]}"
            for page in self.pages
            for headline in page.headlines
            if headline.error is not None
        ]

    @property
    def data_incomplete(self) -> bool:
        """The tenant's newest data ends before the period does (a late or failed landing)."""
        last = self.tenant.last_data_date
        return last is None or last < self.period.end


def _headline(
    dashboard: Dashboard, card: Card, tenant_id: str, period: ReportPeriod, warehouse: Warehouse
) -> Headline:
    values = []
    for start, end in ((period.start, period.end), (period.previous_start, period.previous_end)):
        try:
            frame = card.run(warehouse, period_values(dashboard, tenant_id, start, end))
            values.append(scalar_value(card, frame))
        # One failing card (a query error, a column the spec does not list) must not hide the
        # others: the report shows it as unavailable and lists it.
        except Exception as error:
            return Headline(card, error=f"{type(error).__name__}: {error}".strip())
    return Headline(card, current=values[0], previous=values[1])


def build_report(
    warehouse: Warehouse,
    tenant_id: str,
    cadence: str,
    report_date: dt.date,
    *,
    dashboards: list[Dashboard] | None = None,
) -> Report:
    """The ``cadence`` summary of ``tenant_id`` for the period complete by ``report_date``
    (:func:`~cerebro.actions.reports.periods.report_period`). Specs default to
    ``metabase/dashboards/*.yml``; an unknown tenant raises ValueError."""
    period = report_period(cadence, report_date)
    dashboards = load_dashboards() if dashboards is None else dashboards
    with warehouse.reading():
        (tenant,) = site_tenants(warehouse, [tenant_id])
        pages = []
        for dashboard in dashboards:
            dashboard = in_tenant_words(dashboard, tenant.country_code, tenant.currency)
            # A card meant for other countries (the Chilean RUT) has no figure to report here.
            cards = [c for c in headline_cards(dashboard) if c.applies_to(tenant.country_code)]
            if cards:
                headlines = [_headline(dashboard, c, tenant_id, period, warehouse) for c in cards]
                pages.append(ReportPage(dashboard, headlines))
        advice = budget_advice(warehouse, tenant_id)
    return Report(tenant=tenant, period=period, pages=pages, budget_advice=advice)


def budget_advice(warehouse: Warehouse, tenant_id: str) -> str | None:
    """The headline objective's budget sentence, word for word as the pages show it (so it
    keeps today's split wherever they do, decision 0050); None without one."""
    # A warehouse whose budget marts were never built has no advice to report.
    if not warehouse.table_exists("marts", "mart_budget_recommendation"):
        return None
    frame = warehouse.query(
        "select recommendation_text from marts.mart_budget_recommendation "
        "where tenant_id = %(tenant)s and is_headline_objective",
        {"tenant": tenant_id},
    )
    return None if frame.empty else str(frame["recommendation_text"].iloc[0])
