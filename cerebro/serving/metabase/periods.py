"""Relative periods ("Últimos 30 días", "Mes pasado") in place of two fixed dates.

A spec with a date range (one date filter defaulting to ``period_start``, one to
``period_end``) gets, in Metabase, a single "Período" filter whose choices are relative
periods. Metabase's own relative dates work only on field filters bound to one column, which
the specs' SQL (dates compared with months, casts, several tables) does not use; and a default
written as a date goes stale the day after. So each card's SQL computes its dates in a
``period`` CTE from the chosen label and the tenant's last day of data (as every default period
of Cerebro: the KPI commands, the static pages), and ``{{date_from}}`` / ``{{date_to}}`` read it.
The CTE is PostgreSQL's dialect: Metabase reads the PostgreSQL warehouse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cerebro.serving.dashboards.spec import DEFAULT_PERIOD_DAYS, Dashboard, Filter

PERIOD_KEY = "period"
PERIOD_LABEL = "Período"
#: The table and column whose last day ends every period
#: (cerebro.serving.dashboards.spec.latest_data_date).
ANCHOR_TABLE, ANCHOR_COLUMN = "marts.mart_orders_daily", "created_date"

_LAST = "anchor.last_day"
_MONTH = f"cast(date_trunc('month', {_LAST}) as date)"
_YEAR = f"cast(date_trunc('year', {_LAST}) as date)"
#: Label -> (first day, last day) as SQL on the anchor; the calendar periods after the
#: rolling ones, as Metabase lists its own relative dates.
CALENDAR_PERIODS = {
    "Este mes": (_MONTH, _LAST),
    "Mes pasado": (f"cast({_MONTH} - interval '1 month' as date)", f"{_MONTH} - 1"),
    "Este año": (_YEAR, _LAST),
    "Año pasado": (f"cast({_YEAR} - interval '1 year' as date)", f"{_YEAR} - 1"),
}
ROLLING_DAYS = (7, 30, 90, 365)
_WITH = re.compile(r"^\s*with\s", re.IGNORECASE)


def rolling_label(days: int) -> str:
    return f"Últimos {days} días"


@dataclass(frozen=True)
class PeriodFilter:
    """A dashboard's date range as one relative-period filter."""

    start: Filter
    end: Filter
    #: The label the dashboard opens on (the spec's ``period_days``, default 30).
    default: str
    choices: tuple[str, ...]

    @property
    def replaced(self) -> tuple[str, str]:
        return self.start.key, self.end.key


def period_filter(dashboard: Dashboard) -> PeriodFilter | None:
    """The dashboard's range as a period filter, or None when it has no date range."""
    start = next((f for f in dashboard.filters if f.default == "period_start"), None)
    end = next((f for f in dashboard.filters if f.default == "period_end"), None)
    if start is None or end is None or start.type != "date" or end.type != "date":
        return None
    days = start.period_days or DEFAULT_PERIOD_DAYS
    rolling = sorted({*ROLLING_DAYS, days})
    return PeriodFilter(
        start=start,
        end=end,
        default=rolling_label(days),
        choices=(*(rolling_label(d) for d in rolling), *CALENDAR_PERIODS),
    )


def shown_filters(dashboard: Dashboard) -> list[Filter | PeriodFilter]:
    """The filters a tenant's Metabase dashboard shows, in the spec's order: not the tenant's
    (its connection reads one tenant), and a date range as one ``PeriodFilter`` where its
    start was."""
    period = period_filter(dashboard)
    shown: list[Filter | PeriodFilter] = []
    for item in dashboard.filters:
        if item.type == "tenant" or (period and item.key == period.end.key):
            continue
        shown.append(period if period and item.key == period.start.key else item)
    return shown


def _bounds(label: str) -> tuple[str, str]:
    if label in CALENDAR_PERIODS:
        return CALENDAR_PERIODS[label]
    days = int(label.split()[1])
    return f"{_LAST} - {days - 1}", _LAST


def period_cte(period: PeriodFilter, tenant_literal: str) -> str:
    """``period as (...)``: the chosen period's first and last day for one tenant."""
    rows = ",\n".join(
        f"            ('{label}', {first}, {last})"
        for label, (first, last) in ((label, _bounds(label)) for label in period.choices)
    )
    return (
        "period as (\n"
        "    select periods.date_from, periods.date_to\n"
        f"    from (select max({ANCHOR_COLUMN}) as last_day from {ANCHOR_TABLE}\n"
        f"          where tenant_id = {tenant_literal}) as anchor\n"
        "    cross join lateral (\n"
        "        values\n"
        f"{rows}\n"
        "    ) as periods (period_label, date_from, date_to)\n"
        f"    where periods.period_label = {{{{{PERIOD_KEY}}}}}\n"
        ")"
    )


def with_period(sql: str, period: PeriodFilter, tenant_literal: str) -> str:
    """``sql`` reading its range from the period CTE; unchanged when it uses no date of it."""
    start, end = period.replaced
    tags = {start: "date_from", end: "date_to"}
    pattern = re.compile(r"\{\{\s*(" + "|".join(map(re.escape, tags)) + r")\s*\}\}")
    if not pattern.search(sql):
        return sql
    body = pattern.sub(lambda m: f"(select period.{tags[m.group(1)]} from period)", sql)
    cte = period_cte(period, tenant_literal)
    if _WITH.match(body):
        return _WITH.sub(lambda m: f"with {cte},\n", body, count=1)
    return f"with {cte}\n{body.lstrip()}"
