"""The rule of the read span (mart_ad_spend_gaps) for Mercado Libre's Product Ads, from raw rows
as the tap lands them to the mart, built by the real dbt project on DuckDB and on PostgreSQL.

The model's unit test (models/marts/health/_health__unit_tests.yml) holds the rule on its
inputs for every platform; this test holds the path Product Ads' advertisers take to it
(source, stg_mercadolibre_ads__advertisers, int_ad_accounts_unioned) on both warehouses.

Hand-worked: the store's cut-off is 20 March (its last order). Advertisers A and B both report
campaign rows on 1, 2 and 6 March (paused on 3-5 March). The tap read A from 1 to 8 March: 3-5
March are days without spend, and 9-20 March (12 days, open) are unknown. B's read did not end
(no advertisers row landed): 3-5 March (3 days) and 7-20 March (14 days, open) are unknown.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cerebro.warehouse import Warehouse
from tests.dbt_project.marts.crafted_dbt import (
    build_models,
    crafted_warehouse,
    raw_frame,
    warehouse_environ,
    write_tenants,
)

D = dt.date.fromisoformat
T = dt.datetime.fromisoformat
TENANT = "t_cl"
PAUSED = {D("2026-03-03"), D("2026-03-04"), D("2026-03-05")}
RAW = {
    ("mercadolibre_ads", "campaign_reports"): [
        {"tenant_id": TENANT, "advertiser_id": advertiser, "site_id": "MLC",
         "currency_code": "CLP", "campaign_id": f"c{advertiser}", "campaign_name": "Verano",
         "campaign_status": "active", "date": D(day), "prints": 900, "clicks": 20,
         "cost": 3_600.0, "units_quantity": 1, "direct_amount": 20_000.0,
         "indirect_amount": 0.0, "total_amount": 20_000.0}
        for advertiser in ("A", "B")
        for day in ("2026-03-01", "2026-03-02", "2026-03-06")
    ],
    ("mercadolibre_ads", "advertisers"): [
        {"tenant_id": TENANT, "advertiser_id": "A", "advertiser_name": "Tienda", "site_id": "MLC",
         "currency": "CLP", "timezone": "America/Santiago",
         "report_start_date": D("2026-03-01"), "report_end_date": D("2026-03-08")},
    ],
    # The cut-off: the store's last order.
    ("shopify", "orders"): [
        {"tenant_id": TENANT, "order_id": "o1", "order_name": "#1", "customer_id": None,
         "created_at": T("2026-03-20 15:00"), "processed_at": T("2026-03-20 15:00"),
         "updated_at": T("2026-03-20 15:00"), "currency": "CLP", "financial_status": "paid",
         "subtotal_amount": 10_000.0, "total_discounts_amount": 0.0,
         "total_shipping_amount": 0.0, "total_tax_amount": 0.0, "total_amount": 10_000.0,
         "total_refunded_amount": 0.0, "taxes_included": True, "is_test": False,
         "source_name": "web"},
    ],
}  # fmt: skip
#: (advertiser, first day, last day, days, open) of each gap, worked out by hand.
HAND_WORKED = {
    ("A", D("2026-03-09"), D("2026-03-20"), 12, True),
    ("B", D("2026-03-03"), D("2026-03-05"), 3, False),
    ("B", D("2026-03-07"), D("2026-03-20"), 14, True),
}


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def built(request, tmp_path_factory) -> Warehouse:
    directory = tmp_path_factory.mktemp(f"ad_spend_gaps_{request.param}")
    environ = warehouse_environ(request, request.param, directory)
    warehouse = crafted_warehouse(environ)
    for (source, stream), rows in RAW.items():
        warehouse.replace_table(
            f"raw_{source}", stream, raw_frame(source, stream, rows, "2026-03-21 06:00")
        )
    write_tenants(warehouse, {TENANT: "America/Santiago"})
    seconds = build_models(environ, directory, "+mart_ad_spend_gaps")
    print(f"dbt build of mart_ad_spend_gaps on {request.param}: {seconds:.1f} s")
    return warehouse


def test_the_advertiser_read_lands_among_the_ad_accounts_with_its_span(built):
    accounts = built.query("select * from intermediate.int_ad_accounts_unioned")
    assert accounts[["tenant_id", "platform", "account_id", "currency", "account_timezone"]
                    ].values.tolist() == [[TENANT, "mercadolibre_ads", "A", "CLP",
                                           "America/Santiago"]]  # fmt: skip
    span = accounts.iloc[0][["report_start_date", "report_end_date"]]
    assert [pd.Timestamp(day).date() for day in span] == [D("2026-03-01"), D("2026-03-08")]


def test_a_paused_day_inside_the_span_is_no_spend_and_outside_it_unknown(built):
    spend_days = built.query(
        "select account_id, spend_date from marts.fct_ad_spend_daily "
        "where platform = 'mercadolibre_ads'"
    )
    assert not PAUSED & {pd.Timestamp(day).date() for day in spend_days["spend_date"]}
    gaps = built.query("select * from marts.mart_ad_spend_gaps")
    assert set(gaps["platform"]) == {"mercadolibre_ads"}
    found = {
        (row.account_id, pd.Timestamp(row.gap_start_date).date(),
         pd.Timestamp(row.gap_end_date).date(), int(row.missing_days), bool(row.is_open))
        for row in gaps.itertuples()
    }  # fmt: skip
    assert found == HAND_WORKED
