"""`get_margin_kpis` (contribution margin, net profit and CAC payback) equals the raw-data
oracle, per warehouse, tenant and period."""

from __future__ import annotations

import pytest

from cerebro.serving.kpis import get_margin_kpis
from tests.cerebro.serving.kpis.kpi_oracle_compare import assert_same_kpis
from tests.cerebro.serving.kpis.kpi_oracle_margin import load_margin_inputs, margin_kpis


@pytest.fixture(scope="session")
def margin_inputs_by_warehouse():
    """The raw cost inputs, transactions and spend of each warehouse's demo, read once."""
    loaded = {}

    def inputs(oracle_demo):
        if oracle_demo.kind not in loaded:
            loaded[oracle_demo.kind] = load_margin_inputs(oracle_demo.warehouse)
        return loaded[oracle_demo.kind]

    return inputs


def test_margin_matches_the_raw_data_oracle(
    oracle_demo, tenant, period, margin_inputs_by_warehouse
):
    actual = get_margin_kpis(tenant, *period, warehouse=oracle_demo.warehouse)
    shop = oracle_demo.shops[tenant]
    inputs = margin_inputs_by_warehouse(oracle_demo)
    expected = margin_kpis(shop, inputs, oracle_demo.reference, *period)
    assert_same_kpis(actual, expected)


def test_the_demo_costs_every_order_and_a_cost_change_moves_the_margin(oracle_demo):
    # The demo's history (conftest PERIODS): its costs cover every SKU and gateway, technicians'
    # pay rises on 2026-06-01, and paid channels spend more than some cohorts have earned back.
    before = get_margin_kpis("test_cl", "2026-05-01", "2026-05-31", warehouse=oracle_demo.warehouse)
    after = get_margin_kpis("test_cl", "2026-06-01", "2026-06-30", warehouse=oracle_demo.warehouse)
    for month in (before, after):
        assert month["uncosted_orders"] == 0
        assert 0 < month["contribution_margin"] < month["net_revenue"]
        profit = month["contribution_margin"] - month["ad_spend"]
        assert month["net_profit"] == pytest.approx(profit)
    year = get_margin_kpis("test_cl", "2025-11-01", "2026-10-31", warehouse=oracle_demo.warehouse)
    paybacks = [row["payback_months"] for row in year["cac_payback"]]
    assert any(months is None for months in paybacks) and any(months for months in paybacks)
