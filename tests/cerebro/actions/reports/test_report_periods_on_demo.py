"""A report covers exactly its period: on the session's demo, the Canales headlines of a weekly
and a monthly report (paid-media spend, new customers of the paid channels, their CAC) equal
sums over exactly the period's days and the previous period's, computed here in pandas from the
fact tables (ad spend per day, customers by signup day and first-touch channel), not through
the cards or their marts. Once the cards summed every month the period touched, so a week
showed its whole month, the previous week the same figures, and more new paid customers than the
week had new customers (issue 52)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cerebro.actions.reports.headlines import build_report
from cerebro.serving.dashboards.spec import load_dashboards

#: The demo's last day (tests/support/demo_platform.py), a Saturday: the weekly report covers
#: 19-25 Oct against 12-18 Oct, the monthly one October against September.
REPORT_DATE = dt.date(2026, 10, 31)
TENANTS = ("test_cl", "test_pe")
CANALES = ("inversion_pagada", "clientes_nuevos_pagados", "cac_promedio")

pytestmark = pytest.mark.parametrize(
    "kind", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres_demo)]
)


def _facts(warehouse, tenant_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    params = {"tenant_id": tenant_id}
    spend = warehouse.query(
        "select spend_date, channel_group, spend_amount from marts.fct_ad_spend_daily "
        "where tenant_id = %(tenant_id)s",
        params,
    )
    customers = warehouse.query(
        "select customer_id, signup_date, acquisition_channel from marts.dim_customers "
        "where tenant_id = %(tenant_id)s",
        params,
    )
    spend["spend_date"] = pd.to_datetime(spend["spend_date"]).dt.date
    spend["spend_amount"] = pd.to_numeric(spend["spend_amount"]).astype(float)
    customers["signup_date"] = pd.to_datetime(customers["signup_date"]).dt.date
    return spend, customers


def expected_paid_figures(spend, customers, start: dt.date, end: dt.date) -> dict[str, object]:
    """kpi_channel_value over start..end: the paid channels are those with spend in the
    period; spend is theirs, new customers are the customers who signed up in the period with
    one of them as first touch, CAC the one over the other (None without new customers)."""
    spent = spend[(spend["spend_date"] >= start) & (spend["spend_date"] <= end)]
    by_channel = spent.groupby("channel_group")["spend_amount"].sum()
    paid = set(by_channel[by_channel > 0].index)
    signed_up = customers[(customers["signup_date"] >= start) & (customers["signup_date"] <= end)]
    new_paid = int(signed_up["acquisition_channel"].isin(paid).sum())
    total_spend = float(by_channel.sum())
    return {
        "inversion_pagada": total_spend,
        "clientes_nuevos_pagados": new_paid,
        "cac_promedio": total_spend / new_paid if new_paid else None,
        "new_users": len(signed_up),
    }


def _assert_equal(actual, expected, where: str) -> None:
    if expected is None:
        assert actual is None, where
    else:
        assert actual == pytest.approx(expected, rel=1e-9), where


@pytest.mark.parametrize("cadence", ["weekly", "monthly"])
@pytest.mark.parametrize("tenant_id", TENANTS)
def test_canales_headlines_sum_exactly_the_period_and_the_one_before(
    request, kind, cadence, tenant_id
):
    warehouse = request.getfixturevalue(f"demo_{kind}").warehouse
    report = build_report(warehouse, tenant_id, cadence, REPORT_DATE, dashboards=load_dashboards())
    assert report.failures == []
    period = report.period
    headlines = {
        h.card.key: h for page in report.pages for h in page.headlines if h.card.key in CANALES
    }
    assert set(headlines) == set(CANALES)
    with warehouse.reading():
        spend, customers = _facts(warehouse, tenant_id)
    current = expected_paid_figures(spend, customers, period.start, period.end)
    previous = expected_paid_figures(spend, customers, period.previous_start, period.previous_end)
    for key in CANALES:
        _assert_equal(headlines[key].current, current[key], f"{tenant_id} {cadence} {key}")
        _assert_equal(headlines[key].previous, previous[key], f"{tenant_id} {cadence} {key} (prev)")
        # Two periods with different data show different figures (a month repeated in both
        # weeks showed the same ones).
        if current[key] != pytest.approx(previous[key], rel=1e-9):
            assert headlines[key].current != pytest.approx(headlines[key].previous, rel=1e-9), key
    # The oracle's own periods differ, so the comparison above is not vacuous.
    assert current["inversion_pagada"] != pytest.approx(previous["inversion_pagada"], rel=1e-6)
    # New customers of the paid channels are some of the period's new customers.
    assert headlines["clientes_nuevos_pagados"].current <= current["new_users"]
