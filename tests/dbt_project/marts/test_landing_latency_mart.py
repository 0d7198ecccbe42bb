"""mart_landing_latency_daily (and mart_landing_daily, which shares its list of streams) on a few
crafted raw rows with chosen load times, built by the real dbt project on DuckDB once for the
module. Expected latencies are worked out by hand: `*_at` columns are subtracted from the load
time; a `*_date` day ends at midnight in the tenant's timezone (Santiago is UTC-3 and Lima
UTC-5 in November 2026)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
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


def _order(order_id: str, updated_at: str, loaded_at: str) -> dict:
    """A t_cl order created a month before its last change, written at ``loaded_at``."""
    return {"tenant_id": "t_cl", "order_id": order_id, "total_amount": 1000,
            "created_at": D("2026-10-01 00:00"), "updated_at": D(updated_at),
            "_sdc_batched_at": D(loaded_at)}  # fmt: skip


def _insights(tenant_id: str, day: str, loaded_at: str) -> dict:
    """A Meta Ads campaign day of ``tenant_id``, written at ``loaded_at``."""
    return {"tenant_id": tenant_id, "account_id": "a", "campaign_id": day, "spend": 10,
            "date_start": dt.date.fromisoformat(day), "_sdc_batched_at": D(loaded_at)}  # fmt: skip


#: raw table -> rows (column -> value); `_sdc_batched_at` is when the target wrote the row.
RAW_ROWS = {
    "raw_shopify.orders": [
        # Measured from updated_at, not created_at (a month earlier): 2 h, 6 h, 0.5 h.
        _order("o1", updated_at="2026-11-02 01:00", loaded_at="2026-11-02 03:00"),
        _order("o2", updated_at="2026-11-01 22:00", loaded_at="2026-11-02 04:00"),
        _order("o3", updated_at="2026-11-02 03:30", loaded_at="2026-11-02 04:00"),
        # Landed on the next UTC day: its own row, 1 h.
        _order("o4", updated_at="2026-11-02 23:30", loaded_at="2026-11-03 00:30"),
        # The first sync's history (a year before the first landing): not 8 761 h late.
        _order("o0", updated_at="2025-11-02 02:00", loaded_at="2026-11-02 04:00"),
        # Under two days before the first landing is still data, not history: 71 h late.
        _order("o5", updated_at="2026-10-31 06:00", loaded_at="2026-11-03 05:00"),
    ],
    "raw_shopify.refunds": [  # an event: from created_at, 2.5 h
        {"tenant_id": "t_pe", "refund_id": "f1", "order_id": "o9", "amount": 5,
         "created_at": D("2026-11-02 10:00"), "_sdc_batched_at": D("2026-11-02 12:30")},
    ],
    "raw_meta_ads.ads_insights": [
        # 1 Nov ends at 03:00 UTC on 2 Nov in Santiago: loaded at 09:00 UTC, 6 h; 31 Oct, 30 h.
        _insights("t_cl", "2026-11-01", loaded_at="2026-11-02 09:00"),
        _insights("t_cl", "2026-10-31", loaded_at="2026-11-02 09:00"),
        # In Lima 1 Nov ends at 05:00 UTC: 4 h.
        _insights("t_pe", "2026-11-01", loaded_at="2026-11-02 09:00"),
    ],
    # No time of their own (order lines) or none known (a customer without updated_at): they
    # land, but have no latency.
    "raw_shopify.order_lines": [
        {"tenant_id": "t_cl", "order_line_id": "l1", "order_id": "o1", "quantity": 1,
         "_sdc_batched_at": D("2026-11-02 03:00")},
    ],
    "raw_shopify.customers": [
        {"tenant_id": "t_cl", "customer_id": "c1", "created_at": D("2026-10-01 00:00"),
         "_sdc_batched_at": D("2026-11-02 03:00")},
    ],
}  # fmt: skip
#: (tenant, source, stream, UTC landing day) -> time column, rows timed, rows of history, p50
#: and max hours.
EXPECTED = {
    ("t_cl", "shopify", "orders", "2026-11-02"): ("updated_at", 3, 1, 2.0, 6.0),
    ("t_cl", "shopify", "orders", "2026-11-03"): ("updated_at", 2, 0, 36.0, 71.0),
    ("t_pe", "shopify", "refunds", "2026-11-02"): ("created_at", 1, 0, 2.5, 2.5),
    ("t_cl", "meta_ads", "ads_insights", "2026-11-02"): ("spend_date", 2, 0, 18.0, 30.0),
    ("t_pe", "meta_ads", "ads_insights", "2026-11-02"): ("spend_date", 1, 0, 4.0, 4.0),
}  # fmt: skip


@pytest.fixture(scope="module")
def landing_marts(request, tmp_path_factory):
    """The landing marts built once on RAW_ROWS; the build's seconds are printed."""
    directory = tmp_path_factory.mktemp("landing_marts")
    environ = warehouse_environ(request, "duckdb", directory)
    land_empty_streams(environ, directory)
    for table, rows in RAW_ROWS.items():
        insert_rows(environ["CEREBRO_DUCKDB_PATH"], table, rows)
    warehouse = crafted_warehouse(environ)
    write_tenants(warehouse, {"t_cl": "America/Santiago", "t_pe": "America/Lima"})
    seconds = build_models(environ, directory, "+mart_landing_latency_daily", "+mart_landing_daily")
    print(f"dbt build of the landing marts on duckdb: {seconds:.1f} s")
    return warehouse


def test_latency_follows_the_rule_of_each_kind_of_time_column(landing_marts):
    mart = landing_marts.query("select * from marts.mart_landing_latency_daily")
    mart["_sdc_batched_date"] = mart["_sdc_batched_date"].astype(str).str[:10]
    mart = mart.set_index(["tenant_id", "source_name", "stream_name", "_sdc_batched_date"])
    assert sorted(mart.index) == sorted(EXPECTED)
    for key, (column, rows, history, p50, maximum) in EXPECTED.items():
        row = mart.loc[key]
        assert (row["event_time_column"], int(row["rows_timed"])) == (column, rows), key
        assert int(row["rows_history"]) == history, key
        assert float(row["_sdc_latency_p50_hours"]) == pytest.approx(p50), key
        assert float(row["_sdc_latency_max_hours"]) == pytest.approx(maximum), key


def test_landing_mart_still_counts_every_stream_including_untimed_ones(landing_marts):
    landed = landing_marts.query(
        "select tenant_id, stream_name, sum(rows_landed) as rows_landed "
        "from marts.mart_landing_daily group by 1, 2"
    )
    counts = {(r.tenant_id, r.stream_name): int(r.rows_landed) for r in landed.itertuples()}
    assert counts == {
        ("t_cl", "orders"): 6, ("t_pe", "refunds"): 1, ("t_cl", "ads_insights"): 2,
        ("t_pe", "ads_insights"): 1, ("t_cl", "order_lines"): 1, ("t_cl", "customers"): 1,
    }  # fmt: skip


def test_latency_card_shows_each_streams_latest_landing_day(landing_marts):
    page = next(d for d in load_dashboards() if d.key == "salud_datos")
    card = page.card("latencia_fuentes")
    frame = card.run(landing_marts, {"tenant": "t_cl"})
    assert list(frame.columns) == list(card.columns)
    shown = {
        (row.stream_name, str(row.landed_date)[:10]): (
            float(row.latency_p50_hours),
            float(row.latency_max_hours),
        )
        for row in frame.itertuples()
    }
    assert shown == {
        ("orders", "2026-11-03"): (36.0, 71.0),
        ("ads_insights", "2026-11-02"): (18.0, 30.0),
    }
    assert not pd.isna(frame["rows_timed"]).any()
