"""The raw tables landed on PostgreSQL give the oracle the same KPIs as those landed on
DuckDB. (Each warehouse's functions are checked against the oracle on that warehouse's raw
tables; this closes the loop: a landing difference, such as timestamps shifted by the
server's time zone, would otherwise go unnoticed.)"""

from __future__ import annotations

import pytest

from tests.cerebro.serving.kpis.kpi_oracle import (
    acquisition_kpis,
    engagement_kpis,
    operations_kpis,
    retention_kpis,
    rfm_segmentation,
)
from tests.cerebro.serving.kpis.kpi_oracle_compare import assert_same_kpis, frame_records


def _every_kpi(demo, tenant, period) -> dict:
    shop = demo.shops[tenant]
    rfm = rfm_segmentation(shop, demo.reference, period[1])
    return {
        "acquisition": acquisition_kpis(shop, *period),
        "engagement": engagement_kpis(shop, *period),
        "operations": operations_kpis(shop, *period),
        "retention": retention_kpis(shop, *period),
        "segment_distribution": rfm["segment_distribution"],
        "rfm_customers": frame_records(rfm["customers"]),
    }


@pytest.mark.postgres_demo
def test_the_oracle_gives_the_same_kpis_on_both_warehouses(oracle_demos, tenant, period):
    on_duckdb = _every_kpi(oracle_demos["duckdb"], tenant, period)
    on_postgres = _every_kpi(oracle_demos["postgres"], tenant, period)
    assert_same_kpis(on_postgres, on_duckdb)
