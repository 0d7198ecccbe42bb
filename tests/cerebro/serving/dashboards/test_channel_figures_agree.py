"""A figure that two cards show reads the same for the same period (issue 52): on the session's
demo, for the pages' default period, a week and a month, per paid channel,

- Canales: the model's revenue in the attribution chart ("Atribución: lo que dice el último
  clic…") equals "Ingresos atribuidos en el período" in "Detalle por canal";
- Resumen's "ROAS del modelo" equals Detalle's "ROI en el período" (model revenue over spend);
- Canales' CAC and new customers of one channel (the scalars with the channel filter) equal
  that channel's point in "CAC vs LTV por canal".

The oracle is the other card: once the chart summed every month the period touched and the
table exactly its days, so Google's model revenue read about 14 M in one and 11,8 M in the
other."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cerebro.serving.dashboards.spec import filter_values
from tests.support.demo_platform import DEMO_TENANTS

#: Periods besides each page's default (its last 90 days): a week and a month that end
#: inside the demo's data (it ends on 31 Oct 2026).
PERIODS = [
    (dt.date(2026, 10, 19), dt.date(2026, 10, 25)),
    (dt.date(2026, 9, 1), dt.date(2026, 9, 30)),
]
REVENUE = "Ingresos"


def _run(warehouse, dashboard, card_key: str, tenant_id: str, period, **chosen) -> pd.DataFrame:
    values = filter_values(dashboard, warehouse, tenant_id)
    if period is not None:
        values.update(date_from=period[0], date_to=period[1])
    values.update(chosen)
    return dashboard.card(card_key).run(warehouse, values)


def _by_channel(frame: pd.DataFrame, column: str) -> dict[str, float]:
    return {
        row["channel"]: float(row[column])
        for _, row in frame.iterrows()
        if row[column] is not None and not pd.isna(row[column])
    }


def _assert_same(left: dict, right: dict, where: str) -> None:
    shared = set(left) & set(right)
    assert shared, f"{where}: no channel in both cards ({sorted(left)} / {sorted(right)})"
    for channel in sorted(shared):
        assert left[channel] == pytest.approx(right[channel], rel=1e-9), f"{where}: {channel}"


@pytest.fixture(params=[None, *PERIODS], ids=["default", "week", "month"])
def period(request):
    return request.param


@pytest.mark.parametrize("tenant_id", DEMO_TENANTS)
def test_model_revenue_and_roas_agree_between_chart_and_table(
    demo_run, dashboards, tenant_id, period
):
    warehouse = demo_run.warehouse
    canales, resumen = dashboards["canales_marketing"], dashboards["resumen_ejecutivo"]
    with warehouse.reading():
        chart = _run(warehouse, canales, "ultimo_clic_vs_modelo", tenant_id, period)
        table = _run(warehouse, canales, "detalle_canales", tenant_id, period, objective=REVENUE)
        roas = _run(warehouse, resumen, "roas_plataforma_modelo_ltv", tenant_id, period)
    contributed = _by_channel(table, "contribution_amount")
    assert contributed, f"{tenant_id}: Detalle por canal has no revenue contributions"
    where = f"{tenant_id} {period}"
    _assert_same(_by_channel(chart, "model_revenue"), contributed, f"{where} model revenue")
    # Every channel the table credits is in the chart.
    assert set(contributed) <= set(_by_channel(chart, "model_revenue")), where
    _assert_same(_by_channel(roas, "roas_model"), _by_channel(table, "roi"), f"{where} ROAS")


@pytest.mark.parametrize("tenant_id", DEMO_TENANTS)
def test_one_channels_cac_and_new_customers_agree_between_scalars_and_scatter(
    demo_run, dashboards, tenant_id, period
):
    warehouse = demo_run.warehouse
    canales = dashboards["canales_marketing"]
    with warehouse.reading():
        points = _run(warehouse, canales, "cac_vs_ltv", tenant_id, period)
        assert not points.empty, tenant_id
        for _, point in points.iterrows():
            channel = point["channel"]
            cac = _run(warehouse, canales, "cac_promedio", tenant_id, period, channel=channel)
            new = _run(
                warehouse, canales, "clientes_nuevos_pagados", tenant_id, period, channel=channel
            )
            where = f"{tenant_id} {period} {channel}"
            cac_shown = float(cac["value"].iloc[0])
            assert cac_shown == pytest.approx(float(point["cac"]), rel=1e-9), where
            assert int(new["value"].iloc[0]) == int(point["new_customers"]), where
