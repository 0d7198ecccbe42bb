"""A WooCommerce store landed by the real tap and target into a crafted DuckDB warehouse keeps
the raw contract, and the dbt project builds its orders, customers and daily order marts on it
unchanged (README "Add your own store": a store on WooCommerce instead of Shopify).

Oracles: the raw contract's rules (cerebro.landing.contracts: nothing to quarantine), and a
pandas reading of the fake store's own objects, independent of the tap: which orders are paid,
cancelled and valid, their totals with IVA and refunds, their local creation days in
America/Santiago, who each order's person is (a guest's orders are one person by e-mail, the
earliest record's id), and the daily sums of mart_orders_daily.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pandas as pd
import pytest
from cerebro_raw_contract import STREAMS
from pytest_httpserver import HTTPServer

from cerebro.landing.contracts.landed import check_stream
from cerebro.landing.contracts.quarantine import empty_quarantine
from cerebro.landing.pipeline import run_pipeline
from cerebro.settings import console_script
from tests.dbt_project.marts.crafted_dbt import (
    build_models,
    crafted_warehouse,
    land_empty_streams,
    warehouse_environ,
    write_tenants,
)
from tests.taps.tap_cerebro_woocommerce.conftest import KEY, NOW, SECRET, TENANT, store
from tests.taps.tap_cerebro_woocommerce.fake_woocommerce_api import (
    SITE_TIMEZONE,
    FakeStore,
    FakeWooCommerceApi,
)

STORE_STREAMS = [s for s in STREAMS if s.source == "shopify"]
#: payment_gateways.csv's labels of the fake store's payment methods.
PAYMENT_METHODS = {
    "webpay": "Webpay Plus",
    "transbank_webpay_plus_rest": "Webpay Plus",
    "bacs": "Transferencia",
    "woo-mercado-pago-basic": "Mercado Pago",
    "flow": "Flow",
}


@pytest.fixture(scope="module")
def served() -> FakeStore:
    return store(orders=150, customers=30, seed=11)


@pytest.fixture(scope="module")
def warehouse(request, tmp_path_factory, served):
    directory = tmp_path_factory.mktemp("woocommerce_store")
    environ = warehouse_environ(request, "duckdb", directory)
    land_empty_streams(environ, directory, STORE_STREAMS)
    write_tenants(crafted_warehouse(environ), {TENANT: "America/Santiago"})
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        api = FakeWooCommerceApi(served, key=KEY, secret=SECRET)
        api.register(server)
        run_pipeline(
            tenant_id=TENANT,
            source="shopify",
            tap_command=[console_script("tap-cerebro-woocommerce")],
            tap_config={"tenant_id": TENANT, "store_url": api.base_url, "consumer_key": KEY,
                        "consumer_secret": SECRET, "end_date": NOW.isoformat()},
            target_command=[console_script("target-cerebro-duckdb")],
            target_config={"path": environ["CEREBRO_DUCKDB_PATH"],
                           "default_target_schema": "raw_shopify"},
            state_path=directory / "state" / "shopify.json",
            log_dir=directory / "logs",
        )  # fmt: skip
    finally:
        server.clear()
        server.stop()
    contract_checks = {
        stream.name: check_stream(
            crafted_warehouse(environ), empty_quarantine(), source="shopify",
            stream=stream.name,
            primary_keys={(s.source, s.name): s.primary_keys for s in STREAMS},
            tenant_id=TENANT, since=None, now=NOW.replace(tzinfo=None),
        )[1]
        for stream in STORE_STREAMS
    }  # fmt: skip
    seconds = build_models(
        environ, directory, "+fct_orders", "+dim_customers", "+mart_orders_daily"
    )
    print(f"dbt build of a WooCommerce store on duckdb: {seconds:.1f} s")
    return environ["CEREBRO_DUCKDB_PATH"], contract_checks


def query(path: str, sql: str) -> pd.DataFrame:
    with duckdb.connect(path, read_only=True) as connection:
        return connection.execute(sql, [TENANT]).df()


def oracle_orders(served: FakeStore) -> pd.DataFrame:
    """What fct_orders must say of each order, read from the store's objects."""
    guests_first_order: dict[str, int] = {}
    for order in sorted(served.orders, key=lambda o: (o.created, o.id)):
        if not order.customer_id:
            guests_first_order.setdefault(order.billing["email"], order.id)
    rows = []
    for order in served.orders:
        person = (
            str(order.customer_id)
            if order.customer_id
            else f"guest-{guests_first_order[order.billing['email']]}"
        )
        paid = order.paid is not None
        cancelled = order.status == "cancelled"
        rows.append({
            "order_id": str(order.id), "customer_id": person, "is_paid": paid,
            "is_cancelled": cancelled, "is_valid": paid and not cancelled,
            "is_completed": order.status == "completed",
            "total_amount": order.gross_total, "refunded_amount": order.refunded,
            "created_date": order.created.astimezone(SITE_TIMEZONE).date(),
            "payment_method": PAYMENT_METHODS[order.payment_method] if paid else None,
        })  # fmt: skip
    return pd.DataFrame(rows).sort_values("order_id").reset_index(drop=True)


def test_every_landed_record_keeps_the_raw_contract(warehouse, served):
    _, checks = warehouse
    assert {name: check.evaluation.rows_checked for name, check in checks.items()} == {
        "customers": len(served.customers) + sum(1 for o in served.orders if not o.customer_id),
        "orders": len(served.orders),
        "order_lines": sum(len(o.lines) for o in served.orders),
        "transactions": sum(1 for o in served.orders if o.paid or o.status == "failed"),
        "refunds": sum(len(o.refunds) for o in served.orders),
        "fulfillments": sum(1 for o in served.orders if o.status == "completed"),
        "checkouts": 0,
    }
    breaches = {
        name: [(row.record_key, [b.reason for b in row.breaches])
               for row in check.evaluation.failing_rows]
        for name, check in checks.items()
    }  # fmt: skip
    assert breaches == {name: [] for name in checks}


def test_fct_orders_equals_the_stores_orders(warehouse, served):
    path, _ = warehouse
    landed = query(path, """
        select order_id, customer_id, is_paid, is_cancelled, is_valid, is_completed,
               total_amount, refunded_amount, created_date, payment_method
        from marts.fct_orders where tenant_id = ? order by order_id
    """)  # fmt: skip
    expected = oracle_orders(served)
    landed["created_date"] = pd.to_datetime(landed["created_date"]).dt.date
    for column in ("total_amount", "refunded_amount"):
        landed[column] = [Decimal(str(v)).quantize(Decimal("0.01")) for v in landed[column]]
        expected[column] = [Decimal(v).quantize(Decimal("0.01")) for v in expected[column]]
    landed["payment_method"] = landed["payment_method"].where(landed["is_paid"], None)
    pd.testing.assert_frame_equal(landed, expected, check_dtype=False)


def test_a_typed_in_or_unattributed_order_is_direct_and_an_attributed_one_is_not(warehouse, served):
    path, _ = warehouse
    channels = dict(
        query(
            path, "select order_id, channel_group from marts.fct_orders where tenant_id = ?"
        ).itertuples(index=False)
    )
    for order in served.orders:
        if order.attribution.get("source_type") in (None, "typein"):
            assert channels[str(order.id)] == "Directo", order.attribution
        else:
            assert channels[str(order.id)] != "Directo", order.attribution


def test_dim_customers_has_one_row_per_person_with_all_their_records(warehouse, served):
    path, _ = warehouse
    persons = query(path, """
        select customer_id, source_customers_count, signup_at
        from marts.dim_customers where tenant_id = ? order by customer_id
    """)  # fmt: skip
    records: dict[str, list[dt.datetime]] = {}
    for customer in served.customers:
        records[str(customer.id)] = [customer.created]
    guests: dict[str, str] = {}
    for order in sorted(served.orders, key=lambda o: (o.created, o.id)):
        if not order.customer_id:
            person = guests.setdefault(order.billing["email"], f"guest-{order.id}")
            records.setdefault(person, []).append(order.created)
    expected = pd.DataFrame(
        [(person, len(created), min(created).replace(tzinfo=None))
         for person, created in sorted(records.items())],
        columns=["customer_id", "source_customers_count", "signup_at"],
    )  # fmt: skip
    pd.testing.assert_frame_equal(persons, expected, check_dtype=False)


def test_mart_orders_daily_sums_the_stores_days(warehouse, served):
    path, _ = warehouse
    daily = query(path, """
        select created_date, sum(orders_created) as orders_created,
               sum(valid_orders) as valid_orders, sum(valid_orders_amount) as valid_amount
        from marts.mart_orders_daily where tenant_id = ? group by 1 order by 1
    """)  # fmt: skip
    expected = (
        oracle_orders(served)
        .assign(valid_amount=lambda f: [t if v else Decimal(0)
                                        for t, v in zip(f.total_amount, f.is_valid, strict=True)])
        .groupby("created_date")
        .agg(orders_created=("order_id", "count"), valid_orders=("is_valid", "sum"),
             valid_amount=("valid_amount", "sum"))
        .reset_index()
    )  # fmt: skip
    daily["created_date"] = pd.to_datetime(daily["created_date"]).dt.date
    daily["valid_amount"] = [
        Decimal(str(v)).quantize(Decimal("0.01")) for v in daily["valid_amount"]
    ]
    expected["valid_amount"] = [
        Decimal(v).quantize(Decimal("0.01")) for v in expected["valid_amount"]
    ]
    pd.testing.assert_frame_equal(daily, expected, check_dtype=False)
