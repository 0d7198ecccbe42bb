"""`get_operations_kpis` equals the raw-data oracle, per warehouse, tenant and period."""

from __future__ import annotations

from cerebro.serving.kpis import get_operations_kpis
from tests.cerebro.serving.kpis.kpi_oracle import operations_kpis
from tests.cerebro.serving.kpis.kpi_oracle_compare import assert_same_kpis


def test_operations_kpis_match_the_raw_data_oracle(oracle_demo, tenant, period):
    actual = get_operations_kpis(tenant, *period, warehouse=oracle_demo.warehouse)
    assert_same_kpis(actual, operations_kpis(oracle_demo.shops[tenant], *period))
