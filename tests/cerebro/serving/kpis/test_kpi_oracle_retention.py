"""`get_retention_kpis` equals the raw-data oracle, per warehouse, tenant and period."""

from __future__ import annotations

from cerebro.serving.kpis import get_retention_kpis
from tests.cerebro.serving.kpis.kpi_oracle import retention_kpis
from tests.cerebro.serving.kpis.kpi_oracle_compare import assert_same_kpis


def test_retention_kpis_match_the_raw_data_oracle(oracle_demo, tenant, period):
    actual = get_retention_kpis(tenant, *period, warehouse=oracle_demo.warehouse)
    assert_same_kpis(actual, retention_kpis(oracle_demo.shops[tenant], *period))
