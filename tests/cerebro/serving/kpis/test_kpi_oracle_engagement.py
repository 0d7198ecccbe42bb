"""`get_engagement_kpis` and `get_cart_abandonment_rate` equal the raw-data oracle."""

from __future__ import annotations

from cerebro.serving.kpis import get_cart_abandonment_rate, get_engagement_kpis
from tests.cerebro.serving.kpis.kpi_oracle import cart_abandonment_rate, engagement_kpis
from tests.cerebro.serving.kpis.kpi_oracle_compare import assert_same_kpis


def test_engagement_kpis_match_the_raw_data_oracle(oracle_demo, tenant, period):
    actual = get_engagement_kpis(tenant, *period, warehouse=oracle_demo.warehouse)
    assert_same_kpis(actual, engagement_kpis(oracle_demo.shops[tenant], *period))


def test_cart_abandonment_rate_matches_the_raw_data_oracle(oracle_demo, tenant, period):
    actual = get_cart_abandonment_rate(tenant, *period, warehouse=oracle_demo.warehouse)
    expected = cart_abandonment_rate(oracle_demo.shops[tenant], *period)
    assert_same_kpis(actual, {"cart_abandonment_rate": expected})
