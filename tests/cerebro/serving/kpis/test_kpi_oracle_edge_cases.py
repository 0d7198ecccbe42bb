"""Every KPI function equals the raw-data oracle on `edge_cl`, a hand-made tenant whose rows
hit what the demo never produces (see kpi_oracle_edge_tenant.py), added to a copy of the
demo's DuckDB warehouse and run through the dbt models."""

from __future__ import annotations

import shutil

import pytest

from cerebro.serving.kpis import (
    get_acquisition_kpis,
    get_cart_abandonment_rate,
    get_engagement_kpis,
    get_operations_kpis,
    get_retention_kpis,
    get_rfm_segmentation,
)
from cerebro.settings import load_settings
from cerebro.warehouse import Warehouse
from tests.cerebro.serving.kpis.kpi_oracle import (
    OracleDemo,
    acquisition_kpis,
    cart_abandonment_rate,
    engagement_kpis,
    load_oracle_demo,
    operations_kpis,
    retention_kpis,
    rfm_segmentation,
)
from tests.cerebro.serving.kpis.kpi_oracle_compare import assert_same_kpis, frame_records
from tests.cerebro.serving.kpis.kpi_oracle_edge_tenant import (
    PERIODS,
    TENANT,
    add_edge_tenant,
    rebuild_models,
)
from tests.support.dbt_in_process import failures

EDGE = TENANT["tenant_id"]
PAGES = {
    "acquisition": (get_acquisition_kpis, acquisition_kpis),
    "engagement": (get_engagement_kpis, engagement_kpis),
    "cart_abandonment": (
        get_cart_abandonment_rate,
        lambda shop, *period: {"cart_abandonment_rate": cart_abandonment_rate(shop, *period)},
    ),
    "operations": (get_operations_kpis, operations_kpis),
    "retention": (get_retention_kpis, retention_kpis),
}


@pytest.fixture(scope="module")
def edge_demo(oracle_demos, tmp_path_factory) -> OracleDemo:
    """A copy of the demo's DuckDB warehouse with the edge tenant landed and modelled."""
    demo = oracle_demos["duckdb"]
    work = tmp_path_factory.mktemp("edge_tenant")
    path = work / "cerebro.duckdb"
    shutil.copyfile(demo.warehouse.settings.duckdb_path, path)
    add_edge_tenant(path)
    functions = [function for function, _ in PAGES.values()]
    built = rebuild_models(path, work, *functions, get_rfm_segmentation)
    assert built.success, failures(built)
    warehouse = Warehouse(load_settings({"CEREBRO_DUCKDB_PATH": str(path)}))
    return load_oracle_demo(warehouse, demo.reference, {EDGE: TENANT["timezone"]})


@pytest.mark.parametrize("period", list(PERIODS.values()), ids=list(PERIODS))
@pytest.mark.parametrize("page", list(PAGES))
def test_kpi_functions_match_the_oracle_on_edge_cases(edge_demo, page, period):
    function, oracle = PAGES[page]
    actual = function(EDGE, *period, warehouse=edge_demo.warehouse)
    assert_same_kpis(actual, oracle(edge_demo.shops[EDGE], *period))


@pytest.mark.parametrize("period", list(PERIODS.values()), ids=list(PERIODS))
def test_rfm_segmentation_matches_the_oracle_on_edge_cases(edge_demo, period):
    actual = get_rfm_segmentation(EDGE, *period, warehouse=edge_demo.warehouse)
    expected = rfm_segmentation(edge_demo.shops[EDGE], edge_demo.reference, period[1])
    assert_same_kpis(
        {"segment_distribution": actual["segment_distribution"],
         "customers": frame_records(actual["customers"])},
        {"segment_distribution": expected["segment_distribution"],
         "customers": frame_records(expected["customers"])},
    )  # fmt: skip
