"""The values the platform benchmark binds to each dashboard card, against hand-worked values
on the shipped specs."""

from __future__ import annotations

import datetime as dt

from benchmarks.bench_queries import KPI_PERIODS, default_parameters, kpi_functions
from cerebro.serving.dashboards.spec import load_dashboards

END = dt.date(2026, 10, 31)


def _dashboard(key: str):
    return next(d for d in load_dashboards() if d.key == key)


def test_a_card_is_bound_with_its_dashboards_default_thirty_days():
    dashboard = _dashboard("engagement_conversion")

    period, values = default_parameters(dashboard, "casafacil_pe", END)

    # 2026-10-31 and the 29 days before it; channel and region unset ("Todos").
    assert period == "30 d"
    assert values == {
        "tenant": "casafacil_pe",
        "date_from": dt.date(2026, 10, 2),
        "date_to": END,
        "channel": None,
        "region": None,
    }
    sql, params = dashboard.card("ticket_promedio").bind(values)
    assert params == {"date_from": dt.date(2026, 10, 2), "date_to": END, "tenant": "casafacil_pe"}
    assert "tenant_id = %(tenant)s" in sql
    assert "channel_group" not in sql and "region_name" not in sql  # optional clauses dropped


def test_dashboards_with_a_longer_default_period_are_timed_over_it():
    # The executive summary opens on 90 days, retention on a year (their specs' period_days).
    period, values = default_parameters(_dashboard("resumen_ejecutivo"), "t", END)
    assert (period, values["date_from"]) == ("90 d", dt.date(2026, 8, 3))
    period, values = default_parameters(_dashboard("retencion_lealtad"), "t", END)
    assert (period, values["date_from"]) == ("365 d", dt.date(2025, 11, 1))


def test_dashboards_without_a_period_use_their_other_defaults():
    period, values = default_parameters(_dashboard("simulador"), "casafacil_cl", END)

    assert period == "all"
    assert values == {
        "tenant": "casafacil_cl", "budget_percent": 100, "objective": "Valor de clientes (LTV)",
        "budget_amount": None, "move_from": None, "move_to": None, "move_amount": None,
    }  # fmt: skip
    _, params = _dashboard("simulador").card("presupuesto_total").bind(values)
    assert params == {"tenant": "casafacil_cl", "budget_percent": 100}


def test_every_kpi_function_is_timed_over_thirty_and_ninety_days():
    assert KPI_PERIODS == (30, 90)
    assert sorted(kpi_functions()) == [
        "get_acquisition_kpis",
        "get_campaign_kpis",
        "get_cart_abandonment_rate",
        "get_channel_kpis",
        "get_customer_health_kpis",
        "get_engagement_kpis",
        "get_identity_kpis",
        "get_margin_kpis",
        "get_operations_kpis",
        "get_retention_kpis",
        "get_rfm_segmentation",
    ]
