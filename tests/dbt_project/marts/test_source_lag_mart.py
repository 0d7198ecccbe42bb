"""mart_source_lag: each source's lag in minutes against a fixed clock (dbt var health_clock),
on crafted raw rows with chosen load times, built by the real dbt project on DuckDB. Expected
minutes are worked out by hand from the load times below and CLOCK."""

from __future__ import annotations

import datetime as dt

import pytest

from cerebro.serving.dashboards.spec import load_dashboards
from tests.dbt_project.marts.crafted_dbt import (
    build_models,
    crafted_warehouse,
    insert_rows,
    land_empty_streams,
    warehouse_environ,
    write_tenants,
)

D = dt.datetime.fromisoformat
CLOCK = "2026-11-23 15:20:30"

RAW_ROWS = {
    "raw_shopify.orders": [
        # The newest of the source's writes counts: 15:05:00 -> 15 min 30 s, 15 whole minutes.
        {"tenant_id": "t_cl", "order_id": "o1", "total_amount": 1000,
         "created_at": D("2026-11-23 14:50"), "updated_at": D("2026-11-23 14:50"),
         "_sdc_batched_at": D("2026-11-23 15:05:00")},
        {"tenant_id": "t_cl", "order_id": "o2", "total_amount": 1000,
         "created_at": D("2026-11-23 10:00"), "updated_at": D("2026-11-23 10:00"),
         "_sdc_batched_at": D("2026-11-23 11:00")},
        # t_pe's Shopify landed 59 s before the clock: 0 minutes, not 1.
        {"tenant_id": "t_pe", "order_id": "o9", "total_amount": 5,
         "created_at": D("2026-11-23 15:00"), "updated_at": D("2026-11-23 15:00"),
         "_sdc_batched_at": D("2026-11-23 15:19:31")},
    ],
    # Another stream of the same source, older: Shopify's lag is still its newest write.
    "raw_shopify.customers": [
        {"tenant_id": "t_cl", "customer_id": "c1", "created_at": D("2026-10-01 00:00"),
         "_sdc_batched_at": D("2026-11-23 02:10")},
    ],
    # The daily sources landed last night at 05:10 UTC: 10 h 10 min 30 s -> 610 minutes;
    # the day before for t_pe: 1 day more, 2050 minutes.
    "raw_meta_ads.ads_insights": [
        {"tenant_id": "t_cl", "account_id": "a", "campaign_id": "c", "spend": 10,
         "date_start": dt.date(2026, 11, 22), "_sdc_batched_at": D("2026-11-23 05:10")},
        {"tenant_id": "t_pe", "account_id": "a", "campaign_id": "c", "spend": 10,
         "date_start": dt.date(2026, 11, 21), "_sdc_batched_at": D("2026-11-22 05:10")},
    ],
}  # fmt: skip
EXPECTED_MINUTES = {
    ("t_cl", "shopify"): 15,
    ("t_pe", "shopify"): 0,
    ("t_cl", "meta_ads"): 610,
    ("t_pe", "meta_ads"): 2050,
}


@pytest.fixture(scope="module")
def lag_warehouse(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp("source_lag")
    environ = warehouse_environ(request, "duckdb", directory)
    land_empty_streams(environ, directory)
    for table, rows in RAW_ROWS.items():
        insert_rows(environ["CEREBRO_DUCKDB_PATH"], table, rows)
    warehouse = crafted_warehouse(environ)
    write_tenants(warehouse, {"t_cl": "America/Santiago", "t_pe": "America/Lima"})
    build_models(environ, directory, "+mart_source_lag", dbt_vars={"health_clock": CLOCK})
    return warehouse


def test_lag_is_whole_minutes_from_each_sources_newest_write_to_the_clock(lag_warehouse):
    mart = lag_warehouse.query("select * from marts.mart_source_lag")
    lags = {(r.tenant_id, r.source_name): int(r.lag_minutes) for r in mart.itertuples()}
    assert lags == EXPECTED_MINUTES
    assert {str(value)[:19] for value in mart["measured_at"]} == {CLOCK}


def test_freshness_light_follows_the_sources_targets(lag_warehouse):
    # Shopify and Meta warn after 26 h and fail after 36 h (their dbt source configs): t_pe's
    # Meta, 2050 minutes (34 h 10 min) behind, is past the first and short of the second.
    mart = lag_warehouse.query("select * from marts.mart_source_lag")
    lights = {(r.tenant_id, r.source_name): r.freshness_status for r in mart.itertuples()}
    assert lights == {
        ("t_cl", "shopify"): "verde",
        ("t_pe", "shopify"): "verde",
        ("t_cl", "meta_ads"): "verde",
        ("t_pe", "meta_ads"): "amarillo",
    }


def test_source_status_card_reads_the_lag_and_light_of_each_source(lag_warehouse):
    page = next(d for d in load_dashboards() if d.key == "salud_datos")
    card = page.card("estado_fuentes")
    frame = card.run(lag_warehouse, {"tenant": "t_pe"})
    assert list(frame.columns) == list(card.columns)
    rows = zip(frame["source_name"], frame["lag_minutes"].astype(int), frame["status"], strict=True)
    assert list(rows) == [("meta_ads", 2050, "amarillo"), ("shopify", 0, "verde")]
