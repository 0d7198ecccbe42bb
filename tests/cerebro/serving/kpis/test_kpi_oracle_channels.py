"""`get_channel_kpis` (the funnel per channel) equals the raw-data oracle, per warehouse, tenant
and period."""

from __future__ import annotations

import pytest

from cerebro.serving.kpis import get_channel_kpis
from tests.cerebro.serving.kpis.kpi_oracle_channels import channel_kpis, load_reach, load_sessions
from tests.cerebro.serving.kpis.kpi_oracle_compare import assert_same_kpis


@pytest.fixture(scope="session")
def reach_by_warehouse():
    """The raw reach and GA4 tables of each warehouse's demo, read once."""
    loaded = {}

    def reach(oracle_demo):
        if oracle_demo.kind not in loaded:
            warehouse = oracle_demo.warehouse
            loaded[oracle_demo.kind] = (load_reach(warehouse), load_sessions(warehouse))
        return loaded[oracle_demo.kind]

    return reach


def test_channel_funnel_matches_the_raw_data_oracle(
    oracle_demo, tenant, period, reach_by_warehouse
):
    actual = get_channel_kpis(tenant, *period, warehouse=oracle_demo.warehouse)
    shop = oracle_demo.shops[tenant]
    reach, sessions = reach_by_warehouse(oracle_demo)
    expected = channel_kpis(shop, reach, sessions, oracle_demo.reference, *period)
    assert_same_kpis(actual, expected)


def test_the_funnel_has_reach_for_paid_and_organic_channels_and_none_for_direct(oracle_demo):
    # The demo's last 30 days (conftest PERIODS): the test that its steps are real rows.
    funnel = get_channel_kpis(
        "test_cl", "2026-10-02", "2026-10-31", warehouse=oracle_demo.warehouse
    )
    rows = {row["channel"]: row for row in funnel["channel_funnel"]}
    assert {"Meta Ads", "Google Ads", "SEO / Orgánico"} <= {
        c for c, r in rows.items() if r["clicks"]
    }
    assert rows["Directo"]["impressions"] is None and rows["Directo"]["click_through_rate"] is None
    assert 0 < funnel["repeat_orders"] < funnel["valid_orders"] < funnel["checkouts_created"]
