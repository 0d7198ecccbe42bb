"""A demo store on WooCommerce (``demo: {store: woocommerce}``): the generated store rendered as
WooCommerce's REST objects and landed through the WooCommerce tap's mapping.

Oracle: the generated dataset itself (the store in Shopify's shapes, as the demo lands it
otherwise). What WooCommerce keeps must come back exactly (orders, amounts to the cent,
statuses, lines, refunds, registered customers, the paid instant, the completion); what it
does not keep must be absent, not invented (checkouts, consent, journeys, failed attempts);
guests become one record per order carrying the buyer's details.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pandas as pd
import pytest
from click.testing import CliRunner
from tap_cerebro_demo.generator.storage import write_dataset
from tap_cerebro_demo.tap import TapCerebroDemo
from tap_cerebro_demo.woocommerce_store import WOOCOMMERCE_STREAMS, woocommerce_records


@pytest.fixture(scope="module")
def dataset_dir(small_datasets, tmp_path_factory):
    directory = tmp_path_factory.mktemp("woocommerce_demo") / "demo_cl"
    write_dataset(small_datasets["cl_services"], directory)
    return directory


@pytest.fixture(scope="module")
def generated(small_datasets) -> dict[str, pd.DataFrame]:
    return small_datasets["cl_services"].streams


@pytest.fixture(scope="module")
def landed(dataset_dir) -> dict[str, pd.DataFrame]:
    return {name: pd.DataFrame(rows) for name, rows in woocommerce_records(dataset_dir).items()}


def _cents(values) -> pd.Series:
    return pd.Series([None if v is None or v != v else Decimal(str(v)).quantize(Decimal("0.01"))
                      for v in values])  # fmt: skip


def _instants(values) -> pd.Series:
    return pd.to_datetime(pd.Series(list(values)), utc=True, format="ISO8601")


def test_every_order_comes_back_with_its_amounts_and_status(generated, landed):
    wanted = generated["orders"].set_index("order_id").sort_index()
    got = landed["orders"].set_index("order_id").sort_index()
    assert list(got.index) == list(wanted.index)
    for column in ("total_amount", "subtotal_amount", "total_tax_amount", "total_shipping_amount",
                   "total_discounts_amount", "total_refunded_amount"):  # fmt: skip
        assert list(_cents(got[column])) == list(_cents(wanted[column])), column
    assert (got["financial_status"] == wanted["financial_status"]).all()
    assert (got["customer_id"].str.startswith("guest-")).sum() > 0
    assert (
        _instants(got["created_at"]) == _instants(wanted["created_at"].dt.tz_localize("UTC"))
    ).all()
    # Completed orders: a paid order fulfilled is completed; a refunded one keeps no completion.
    fulfilled = wanted["fulfillment_status"] == "FULFILLED"
    refunded = wanted["financial_status"] == "REFUNDED"
    assert (got.loc[fulfilled & ~refunded, "fulfillment_status"] == "FULFILLED").all()
    assert (got.loc[~fulfilled, "fulfillment_status"] == "UNFULFILLED").all()


def test_lines_and_refunds_come_back_exactly(generated, landed):
    lines = generated["order_lines"].set_index("order_line_id").sort_index()
    got = landed["order_lines"].set_index("order_line_id").sort_index()
    assert list(got.index) == list(lines.index)
    assert (got["order_id"] == lines["order_id"]).all()
    assert (got["quantity"] == lines["quantity"]).all()
    assert (got["sku"] == lines["sku"]).all()
    assert (got["variant_title"] == lines["variant_title"]).all()
    for column in ("original_total_amount", "discount_amount"):
        assert list(_cents(got[column])) == list(_cents(lines[column])), column

    refunds = generated["refunds"].set_index("refund_id").sort_index()
    got = landed["refunds"].set_index("refund_id").sort_index()
    assert list(got.index) == list(refunds.index)
    assert list(_cents(got["amount"])) == list(_cents(refunds["amount"]))
    assert (
        _instants(got["created_at"]) == _instants(refunds["created_at"].dt.tz_localize("UTC"))
    ).all()


def test_one_payment_per_paid_order_at_its_first_successful_payment(generated, landed):
    payments = generated["transactions"]
    succeeded = payments[(payments["kind"] == "SALE") & (payments["status"] == "SUCCESS")]
    first_paid = succeeded.groupby("order_id")["processed_at"].min().dt.tz_localize("UTC")
    got = landed["transactions"]
    sales = got[got["status"] == "SUCCESS"].set_index("order_id").sort_index()
    assert list(sales.index) == list(first_paid.sort_index().index)
    assert (_instants(sales["processed_at"]).to_numpy() == first_paid.sort_index().to_numpy()).all()
    # A declined payment is kept only as the state of an order never paid ("failed").
    failed = got[got["status"] == "FAILURE"]
    assert not set(failed["order_id"]) & set(first_paid.index)
    assert set(got["kind"]) == {"SALE"}


def test_registered_customers_keep_their_ids_and_guests_buy_as_guests(generated, landed):
    customers = generated["customers"]
    guests = customers[customers["state"] == "DISABLED"]
    registered = customers[customers["state"] != "DISABLED"].set_index("customer_id")
    got = landed["customers"].set_index("customer_id")
    users = got[got["state"] == "ENABLED"]
    assert set(users.index) == set(registered.index)
    for column in ("email", "rut", "phone"):
        # As the tap reads a text field: trimmed (the demo writes some RUTs with spaces).
        kept = (
            users.loc[registered.index, column].fillna("")
            == registered[column].fillna("").str.strip()
        )
        assert kept.all(), column

    orders = generated["orders"]
    guest_orders = orders[orders["customer_id"].isin(guests["customer_id"])]
    assert len(guest_orders) > 0
    records = got[got["state"] == "DISABLED"]
    assert set(records.index) == {f"guest-{order_id}" for order_id in guest_orders["order_id"]}
    buyer_email = guest_orders.set_index("order_id")["customer_id"].map(
        guests.set_index("customer_id")["email"]
    )
    for order_id, email in buyer_email.items():
        assert records.loc[f"guest-{order_id}", "email"] == email.strip()
    # WooCommerce keeps no consent and no signup campaign: unknown, never invented.
    assert got["email_marketing_state"].isna().all()
    assert got["signup_utm_source"].isna().all()


def test_an_order_keeps_one_source_its_last_visit_with_one(generated, landed):
    orders = generated["orders"].set_index("order_id")
    got = landed["orders"].set_index("order_id").loc[orders.index]
    had_last = orders["last_visit_utm_source"].notna() | orders["last_visit_referring_site"].notna()
    expected = orders["last_visit_utm_source"].where(had_last, orders["landing_utm_source"])
    assert (got["landing_utm_source"].fillna("") == expected.fillna("")).all()
    assert had_last.any() and (~had_last & orders["landing_utm_source"].notna()).any()
    for column in [c for c in got.columns if c.startswith("last_visit_")]:
        assert got[column].isna().all(), column


def _sync(tmp_path, config: dict, state: dict | None = None) -> list[dict]:
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    args = ["--config", str(config_path)]
    if state is not None:
        (tmp_path / "state.json").write_text(json.dumps(state))
        args += ["--state", str(tmp_path / "state.json")]
    result = CliRunner().invoke(TapCerebroDemo.cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_the_tap_emits_the_woocommerce_streams_and_resumes_from_its_bookmarks(tmp_path):
    config = {
        "tenant_id": "woo_demo", "source": "shopify", "profile": "cl_services",
        "timezone": "America/Santiago", "customers": 80, "seed": 5, "end_date": "2024-12-31",
        "history_days": 120, "cache_dir": str(tmp_path / "cache"),
        "store_platform": "woocommerce",
    }  # fmt: skip
    first = _sync(tmp_path, config)
    streams = {m["stream"] for m in first if m["type"] == "SCHEMA"}
    assert streams == set(WOOCOMMERCE_STREAMS)  # no checkouts
    expected = woocommerce_records(tmp_path / "cache" / "woo_demo")
    for stream in WOOCOMMERCE_STREAMS:
        records = [m["record"] for m in first if m["type"] == "RECORD" and m["stream"] == stream]
        assert len(records) == len(expected[stream]), stream
        assert {r["tenant_id"] for r in records} == {"woo_demo"}

    state = [m["value"] for m in first if m["type"] == "STATE"][-1]
    again = [m for m in _sync(tmp_path, config, state) if m["type"] == "RECORD"]
    for message in again:
        stream, record = message["stream"], message["record"]
        bookmark = state["bookmarks"][stream]
        key = bookmark["replication_key"]
        assert dt.datetime.fromisoformat(record[key]) >= dt.datetime.fromisoformat(
            bookmark["replication_key_value"]
        )
    assert len(again) < 0.05 * sum(len(rows) for rows in expected.values())
