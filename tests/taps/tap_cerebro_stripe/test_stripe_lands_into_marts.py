"""A Stripe account landed by the real tap and target (the store's streams, then the
subscriptions) into a crafted DuckDB warehouse keeps the raw contract, and the dbt project
builds fct_orders, dim_customers and the subscriptions' staging on it unchanged.

Oracles: the raw contract's rules (nothing to quarantine), and a pandas reading of the fake
account's objects, independent of the tap: each order's total in pesos (CLP has no minor unit),
whether it is paid (a charge succeeded) and what was refunded; each subscription's month's
worth of billing (a yearly plan's twelfth).
"""

from __future__ import annotations

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
from tests.taps.tap_cerebro_stripe.conftest import KEY, NOW, START, TENANT, account
from tests.taps.tap_cerebro_stripe.fake_stripe_api import Account, FakeStripeApi

LANDED = [s for s in STREAMS if s.source in ("shopify", "stripe")]
MONTHS_PER_INTERVAL = {"month": 1, "year": 12}


@pytest.fixture(scope="module")
def served() -> Account:
    return account(customers=25, seed=13)


@pytest.fixture(scope="module")
def warehouse(request, tmp_path_factory, served):
    directory = tmp_path_factory.mktemp("stripe_account")
    environ = warehouse_environ(request, "duckdb", directory)
    land_empty_streams(environ, directory, LANDED)
    write_tenants(crafted_warehouse(environ), {TENANT: "America/Santiago"})
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        api = FakeStripeApi(served, key=KEY)
        api.register(server)
        for source in ("shopify", "stripe"):
            run_pipeline(
                tenant_id=TENANT,
                source=source,
                tap_command=[console_script("tap-cerebro-stripe")],
                tap_config={"tenant_id": TENANT, "api_key": KEY, "base_url": api.base_url,
                            "start_date": START.isoformat(), "end_date": NOW.isoformat(),
                            "source": source},
                target_command=[console_script("target-cerebro-duckdb")],
                target_config={"path": environ["CEREBRO_DUCKDB_PATH"],
                               "default_target_schema": f"raw_{source}"},
                state_path=directory / "state" / f"{source}.json",
                log_dir=directory / "logs",
            )  # fmt: skip
    finally:
        server.clear()
        server.stop()
    checks = {
        (stream.source, stream.name): check_stream(
            crafted_warehouse(environ), empty_quarantine(), source=stream.source,
            stream=stream.name,
            primary_keys={(s.source, s.name): s.primary_keys for s in STREAMS},
            tenant_id=TENANT, since=None, now=NOW.replace(tzinfo=None),
        )[1]
        for stream in LANDED
    }  # fmt: skip
    build_models(environ, directory, "+fct_orders", "+dim_customers", "stg_stripe__subscriptions")
    return environ["CEREBRO_DUCKDB_PATH"], checks


def query(path: str, sql: str) -> pd.DataFrame:
    with duckdb.connect(path, read_only=True) as connection:
        return connection.execute(sql, [TENANT]).df()


def test_every_landed_record_keeps_the_raw_contract(warehouse):
    _, checks = warehouse
    assert checks[("shopify", "orders")].evaluation.rows_checked > 100
    assert checks[("stripe", "subscriptions")].evaluation.rows_checked == 25
    breaches = {
        key: [(row.record_key, [b.reason for b in row.breaches])
              for row in check.evaluation.failing_rows]
        for key, check in checks.items()
    }  # fmt: skip
    assert breaches == {key: [] for key in checks}


def test_fct_orders_equals_the_accounts_invoices_and_charges(warehouse, served):
    path, _ = warehouse
    expected = {}
    refunded = {}
    charges = {c["id"]: c for c in served.charges}
    for refund in served.refunds:
        if refund["status"] == "succeeded" and refund["created"] < NOW.timestamp():
            charge = charges[refund["charge"]]
            order = charge["invoice"] or charge["id"]
            refunded[order] = refunded.get(order, 0) + refund["amount"]
    for charge in served.charges:
        if charge["created"] >= NOW.timestamp():
            continue
        order = charge["invoice"] or charge["id"]
        if not charge["invoice"] and charge["status"] == "failed":
            continue
        total = served.invoices[order]["total"] if charge["invoice"] else charge["amount"]
        paid = expected.get(order, (0, False))[1] or charge["status"] == "succeeded"
        expected[order] = (total, paid)
    landed = query(path, """
        select order_id, total_amount, is_paid, refunded_amount
        from marts.fct_orders where tenant_id = ? order by order_id
    """)  # fmt: skip
    assert {
        row.order_id: (Decimal(str(row.total_amount)), bool(row.is_paid),
                       Decimal(str(row.refunded_amount)))
        for row in landed.itertuples()
    } == {
        order: (Decimal(total), paid, Decimal(refunded.get(order, 0)))
        for order, (total, paid) in expected.items()
    }  # fmt: skip


def test_each_subscription_bills_a_months_worth_of_its_plan(warehouse, served):
    path, _ = warehouse
    staged = query(path, """
        select subscription_id, monthly_recurring_amount, is_live, has_ended
        from staging.stg_stripe__subscriptions where tenant_id = ?
    """)  # fmt: skip
    by_id = {row.subscription_id: row for row in staged.itertuples()}
    assert set(by_id) == {s["id"] for s in served.subscriptions}
    for subscription in served.subscriptions:
        (item,) = subscription["items"]["data"]
        price = item["price"]
        months = MONTHS_PER_INTERVAL[price["recurring"]["interval"]]
        expected = Decimal(price["unit_amount"] * item["quantity"]) / months
        row = by_id[subscription["id"]]
        assert abs(Decimal(str(row.monthly_recurring_amount)) - expected) < Decimal("0.01")
        assert row.is_live == (subscription["status"] == "active")
        assert row.has_ended == (subscription["ended_at"] is not None)
