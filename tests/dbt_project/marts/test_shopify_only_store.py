"""A store that connects only Shopify (README, "Add your own store"): its warehouse has the
Shopify raw tables and the tenants table and no table of any other source, since no tap ever
landed one. The real dbt project builds on it every model that reads another source, all
that follows from them and all they need, with their data tests, on DuckDB: the build must
succeed, the marts of ads, search and calendar read empty, and the store's orders reach
fct_orders (the hand-made rows below: two orders of one customer). The budget brain, on the
marts it reads, leaves the store out (no paid channel to plan) and succeeds, as the platform
run needs to go on to the marts and dashboards."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import duckdb
import pytest
from cerebro_raw_contract import SOURCES, STREAMS

from ml_assets.mmm.tenant import NO_AD_SPEND
from orchestration.mmm_assets import MARTS, mmm_budget_brain
from orchestration.resources import CerebroResource
from tests.dbt_project.marts.crafted_dbt import (
    build_models,
    crafted_warehouse,
    insert_rows,
    land_empty_streams,
    warehouse_environ,
    write_tenants,
)

D = dt.datetime.fromisoformat
TENANT = "test_cl"
LANDED = D("2026-10-31 06:00")

RAW_ROWS = {
    "raw_shopify.customers": [
        {"tenant_id": TENANT, "customer_id": "c1", "email": "ana@tienda.cl", "state": "enabled",
         "verified_email": True, "created_at": D("2026-09-01 14:00"),
         "updated_at": D("2026-10-01 15:00"), "_sdc_batched_at": LANDED},
    ],
    "raw_shopify.orders": [
        {"tenant_id": TENANT, "order_id": order_id, "order_name": f"#{order_id}",
         "customer_id": "c1", "created_at": at, "processed_at": at, "updated_at": at,
         "currency": "CLP", "financial_status": "paid", "subtotal_amount": total,
         "total_discounts_amount": 0, "total_shipping_amount": 0, "total_tax_amount": 0,
         "total_amount": total, "total_refunded_amount": 0, "is_test": False,
         "source_name": "web", "_sdc_batched_at": LANDED}
        for order_id, at, total in (("o1", D("2026-09-01 14:30"), 19990),
                                    ("o2", D("2026-10-01 15:00"), 25000))
    ],
    "raw_shopify.order_lines": [
        {"tenant_id": TENANT, "order_line_id": f"l{order_id}", "order_id": order_id,
         "order_updated_at": at, "product_id": "p1", "product_title": "Limpieza",
         "sku": "LIMP-1", "quantity": 1, "unit_price_amount": total,
         "original_total_amount": total, "discount_amount": 0, "_sdc_batched_at": LANDED}
        for order_id, at, total in (("o1", D("2026-09-01 14:30"), 19990),
                                    ("o2", D("2026-10-01 15:00"), 25000))
    ],
    "raw_shopify.transactions": [
        {"tenant_id": TENANT, "transaction_id": f"t{order_id}", "order_id": order_id,
         "order_updated_at": at, "kind": "sale", "status": "success", "gateway": "webpay",
         "amount": total, "currency": "CLP", "created_at": at, "processed_at": at,
         "_sdc_batched_at": LANDED}
        for order_id, at, total in (("o1", D("2026-09-01 14:30"), 19990),
                                    ("o2", D("2026-10-01 15:00"), 25000))
    ],
}  # fmt: skip

#: Facts fed only by the sources this store does not connect.
UNCONNECTED_FACTS = ("fct_ad_spend_daily", "fct_organic_search_daily", "fct_calendar_events")


@pytest.fixture(scope="module")
def shopify_only_warehouse(request, tmp_path_factory):
    directory = tmp_path_factory.mktemp("shopify_only_store")
    environ = warehouse_environ(request, "duckdb", directory)
    land_empty_streams(environ, directory, [s for s in STREAMS if s.source == "shopify"])
    for table, rows in RAW_ROWS.items():
        insert_rows(environ["CEREBRO_DUCKDB_PATH"], table, rows)
    write_tenants(crafted_warehouse(environ), {TENANT: "America/Santiago"})
    # Every model reading a source the store lacks, what follows from it, and what those need;
    # and the marts the budget brain reads.
    selection = [f"@source:{source}" for source in SOURCES if source != "shopify"]
    selection += [f"+{key.path[-1]}" for key in MARTS]
    seconds = build_models(environ, directory, *selection)
    print(f"dbt build of a Shopify-only store on duckdb: {seconds:.1f} s")
    return environ["CEREBRO_DUCKDB_PATH"]


TENANTS_FILE = f"""
tenants:
  - {{tenant_id: {TENANT}, name: Tienda, timezone: America/Santiago, currency: CLP,
     country_code: CL, demo: {{profile: cl_services, end_date: 2026-10-31, customers: 300,
     history_days: 90}}, sources: {{shopify: {{tap: demo}}}}}}
"""


def test_shopify_only_warehouse_lands_no_other_source(shopify_only_warehouse):
    with duckdb.connect(shopify_only_warehouse, read_only=True) as connection:
        schemas = {
            schema
            for (schema,) in connection.execute(
                "select distinct table_schema from information_schema.tables"
                " where table_schema like 'raw_%'"
            ).fetchall()
        }
    assert schemas == {"raw_shopify"}


def test_a_shopify_only_store_builds_with_empty_ad_search_and_calendar_facts(
    shopify_only_warehouse,
):
    with duckdb.connect(shopify_only_warehouse, read_only=True) as connection:
        counts = {
            fact: connection.execute(f"select count(*) from marts.{fact}").fetchone()[0]
            for fact in UNCONNECTED_FACTS
        }
        orders = connection.execute(
            "select order_id, total_amount from marts.fct_orders where tenant_id = ?"
            " order by order_id",
            [TENANT],
        ).fetchall()
    assert counts == dict.fromkeys(UNCONNECTED_FACTS, 0)
    assert [(order_id, float(total)) for order_id, total in orders] == [
        ("o1", 19990.0),
        ("o2", 25000.0),
    ]


def test_the_budget_brain_leaves_out_a_store_without_ad_spend_and_succeeds(
    shopify_only_warehouse, tmp_path
):
    tenants = tmp_path / "tenants.yml"
    tenants.write_text(TENANTS_FILE, encoding="utf-8")
    resource = CerebroResource(
        data_dir=str(tmp_path), tenants_file=str(tenants), duckdb_path=shopify_only_warehouse
    )
    result = dg.materialize([mmm_budget_brain], resources={"cerebro": resource})
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    modelled = checks.pop("every_tenant_modelled")
    assert not modelled.passed
    assert modelled.metadata["skipped"].value == {TENANT: NO_AD_SPEND}
    assert all(check.passed for check in checks.values())
    with duckdb.connect(shopify_only_warehouse, read_only=True) as connection:
        written = connection.execute(
            "select count(*) from information_schema.tables where table_schema = 'ml'"
        ).fetchone()[0]
    assert written == 0
