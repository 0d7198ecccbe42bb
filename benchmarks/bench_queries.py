"""The platform benchmark's read stages: every dashboard card's query and the KPI functions.

Both run for one tenant (the size's largest: the most rows behind each query) with real
parameter values. A card runs with its dashboard's defaults, as a dashboard opens
(``cerebro/serving/dashboards/spec.py``: the period ends on the tenant's last day of data and spans
the dashboard's days, 30 unless its spec says 90 or 365; optional filters unset; other
defaults as specified), through ``Card.run`` (the spec's SQL bound for the warehouse, rows
fetched into a DataFrame) on one connection per card, as a dashboard's pool holds one. A KPI
function runs over the last 30 and the last 90 days and opens its own connection, as a
caller's does. Each query runs once cold (reported apart), then is repeated
(``bench_timing.repeated_latencies``): p50 is the median, p95 the nearest rank.

On PostgreSQL the queries run as the warehouse's owner: the marts' b-tree indexes (dbt's
``index_dashboard_filters``) are there, row-level security's tenant predicate is not.
"""

from __future__ import annotations

import datetime as dt

from benchmarks.bench_timing import latency_summary, repeated_latencies
from cerebro.serving.dashboards.spec import (
    DEFAULT_PERIOD_DAYS,
    Dashboard,
    latest_data_date,
    load_dashboards,
    resolve_filter_values,
)
from cerebro.warehouse import Warehouse

#: The periods every KPI function is timed over, in days ending on the tenant's last day of
#: data: the KPI commands' default, and a quarter.
KPI_PERIODS = (DEFAULT_PERIOD_DAYS, 90)


def period_label(days: int) -> str:
    return f"{days} d"


def default_parameters(dashboard: Dashboard, tenant_id: str, end: dt.date) -> tuple[str, dict]:
    """The filter values a dashboard opens with for the tenant, and its period's label (its
    days, or ``all`` for a dashboard without a period: customer lists, model tables)."""
    values = resolve_filter_values(dashboard, tenant_id, end)
    opening = next((f for f in dashboard.filters if f.default == "period_start"), None)
    if opening is None:
        return "all", values
    return period_label((end - values[opening.key]).days + 1), values


def time_cards(
    warehouse: Warehouse,
    dashboards: list[Dashboard],
    tenant_id: str,
    end: dt.date,
    *,
    repeats: int,
    budget_seconds: float,
) -> list[dict]:
    """One row per dashboard, card and period: latencies, rows returned, or the error."""
    rows = []
    for dashboard in dashboards:
        period, values = default_parameters(dashboard, tenant_id, end)
        for card in dashboard.cards:
            row = {"dashboard": dashboard.key, "card": card.key, "period": period}
            returned = []

            def run(card=card, values=values, returned=returned) -> None:
                returned.append(len(card.run(warehouse, values)))

            try:
                with warehouse.reading():
                    cold, seconds = repeated_latencies(run, repeats, budget_seconds=budget_seconds)
            except Exception as error:  # a failing card is reported, the others still run
                rows.append({**row, "error": f"{type(error).__name__}: {error}"[:500]})
                continue
            rows.append(
                {**row, **latency_summary(seconds), "cold_seconds": cold, "rows": returned[-1]}
            )
    return rows


def kpi_functions() -> dict:
    """Every public KPI page function of ``cerebro.serving.kpis`` (those that take a period), by
    name;
    a card run times the customer page, whose function takes a customer instead."""
    import inspect

    import cerebro.serving.kpis

    functions = {name: getattr(cerebro.serving.kpis, name) for name in cerebro.serving.kpis.__all__}
    return {
        name: function
        for name, function in functions.items()
        if "date_from" in inspect.signature(function).parameters
    }


def time_kpis(
    warehouse: Warehouse, tenant_id: str, end: dt.date, *, repeats: int, budget_seconds: float
) -> list[dict]:
    """One row per KPI function and period: latencies of a call as a user makes it."""
    rows = []
    for name, function in kpi_functions().items():
        for days in KPI_PERIODS:
            start = end - dt.timedelta(days=days - 1)
            cold, seconds = repeated_latencies(
                lambda function=function, start=start: function(
                    tenant_id, start, end, warehouse=warehouse
                ),
                repeats,
                budget_seconds=budget_seconds,
            )
            rows.append(
                {"function": name, "period": period_label(days), **latency_summary(seconds),
                 "cold_seconds": cold}
            )  # fmt: skip
    return rows


def _end(warehouse: Warehouse, tenant_id: str) -> dt.date:
    end = latest_data_date(tenant_id, warehouse)
    if end is None:
        raise ValueError(f"{tenant_id} has no orders in the marts: nothing to time")
    return end


def dashboards_stage(request: dict, warehouse: Warehouse) -> dict:
    """Every card of every spec in ``metabase/dashboards`` for the request's tenant."""
    tenant_id = request["tenant_id"]
    end = _end(warehouse, tenant_id)
    cards = time_cards(
        warehouse, load_dashboards(), tenant_id, end,
        repeats=request["query_repeats"], budget_seconds=request["query_budget_seconds"],
    )  # fmt: skip
    return {"tenant_id": tenant_id, "period_end": end, "cards": cards, **_totals(cards)}


def kpis_stage(request: dict, warehouse: Warehouse) -> dict:
    """Every KPI function for the request's tenant."""
    tenant_id = request["tenant_id"]
    end = _end(warehouse, tenant_id)
    kpis = time_kpis(
        warehouse, tenant_id, end,
        repeats=request["query_repeats"], budget_seconds=request["query_budget_seconds"],
    )  # fmt: skip
    totals = _totals(kpis, period=period_label(DEFAULT_PERIOD_DAYS))
    return {"tenant_id": tenant_id, "period_end": end, "kpis": kpis, **totals}


def _totals(rows: list[dict], *, period: str | None = None) -> dict:
    """The stage's headline: the sum of the queries' p50 (over ``period`` only, if given):
    what opening every page, or calling every function, once costs; and the slowest p95."""
    timed = [r for r in rows if "error" not in r]
    default = [r for r in timed if period is None or r["period"] == period]
    return {
        "wall_seconds": sum(r["p50_seconds"] for r in default),
        "max_p95_seconds": max((r["p95_seconds"] for r in timed), default=None),
        "queries": len(timed),
        "errors": len(rows) - len(timed),
    }
