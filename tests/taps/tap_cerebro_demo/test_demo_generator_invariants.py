"""Invariants every demo dataset must satisfy, checked on a small tenant of each profile.

The oracles are the data contract (the JSON schemas and primary keys the tap
declares), Shopify's accounting identities (an order's total is its lines net of
discounts plus shipping; refunds never exceed what was paid) and the order of
real-world events (an order is paid after it is placed and served after it is
paid; nothing happens after the export's cut-off).
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import jsonschema
import numpy as np
import pandas as pd
from cerebro_raw_contract import STREAMS_BY_SOURCE
from cerebro_raw_contract.demo_profiles import DEMO_PROFILES
from tap_cerebro_demo.generator.exchange_rates import BILLED_DECIMALS, DAYS_BEFORE_HISTORY
from tap_cerebro_demo.generator.profiles import PROFILES
from tap_cerebro_demo.generator.storage import generated_streams

CONTRACT = {stream.name: stream for stream in generated_streams()}
PRIMARY_KEYS = {stream.name: list(stream.primary_keys) for stream in generated_streams()}
MONEY_COLUMNS = {
    "orders": (
        "subtotal_amount",
        "total_discounts_amount",
        "total_shipping_amount",
        "total_tax_amount",
        "total_amount",
        "total_refunded_amount",
    ),
    "order_lines": ("unit_price_amount", "original_total_amount", "discount_amount"),
    "transactions": ("amount",),
    "refunds": ("amount",),
    "checkouts": ("total_amount",),
    "ads_insights": ("spend", "purchase_value"),
    "campaign_reports": ("spend", "purchase_value"),
}


def schema_of(stream: str) -> dict:
    return CONTRACT[stream].schema()


def json_value(value):
    """A frame cell as the JSON value a Singer record would carry."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return json_value(value.item())
    if isinstance(value, dt.date):  # also pd.Timestamp and datetime
        return value.isoformat()
    return value


def json_rows(frame: pd.DataFrame) -> list[dict]:
    return [
        {name: json_value(value) for name, value in row.items()} for row in frame.to_dict("records")
    ]


def minor_units(values: pd.Series, decimals: int) -> np.ndarray:
    """Amounts as integer minor units, after checking they have no finer fraction."""
    scaled = values.to_numpy(dtype=float) * 10**decimals
    assert np.allclose(scaled, np.round(scaled), rtol=0, atol=1e-6), (
        f"{values.name} has more than {decimals} decimals: "
        f"{values[~np.isclose(scaled, np.round(scaled), rtol=0, atol=1e-6)].head().tolist()}"
    )
    return np.round(scaled).astype(np.int64)


def local_day_bounds_utc(dataset) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Naive UTC instants of the first local midnight and the midnight after the last day."""
    settings, zone = dataset.settings, ZoneInfo(dataset.settings.timezone)
    first = settings.end_date - dt.timedelta(days=settings.days - 1)
    after_last = settings.end_date + dt.timedelta(days=1)

    def utc_midnight(day: dt.date) -> pd.Timestamp:
        local = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        return pd.Timestamp(local.astimezone(dt.UTC).replace(tzinfo=None))

    return utc_midnight(first), utc_midnight(after_last)


def test_every_stream_columns_equal_its_json_schema_properties(small_dataset):
    assert set(small_dataset.streams) == set(CONTRACT)
    for stream, frame in small_dataset.streams.items():
        assert set(frame.columns) == set(schema_of(stream)["properties"]), stream


def test_every_row_validates_against_its_json_schema(small_dataset):
    for stream, frame in small_dataset.streams.items():
        schema = schema_of(stream)
        validator = jsonschema.validators.validator_for(schema)(schema)
        errors = [
            (row, error.message) for row in json_rows(frame) for error in validator.iter_errors(row)
        ]
        assert not errors, f"{stream}: {len(errors)} invalid rows, first: {errors[0]}"


def test_primary_keys_declared_by_the_streams_are_unique(small_dataset):
    for stream, frame in small_dataset.streams.items():
        keys = PRIMARY_KEYS[stream]
        assert frame[keys].notna().all().all(), stream
        assert not frame.duplicated(keys).any(), f"{stream}: duplicate {keys}"


def test_entity_and_account_ids_are_unique_across_tenants(small_datasets):
    cl, pe = small_datasets["cl_services"].streams, small_datasets["pe_services"].streams
    id_columns = {
        **{stream: [k for k in PRIMARY_KEYS[stream] if k.endswith("_id") and k != "tenant_id"]
           for stream in STREAMS_BY_SOURCE["shopify"]},
        "ads_insights": ["account_id", "campaign_id"],
        "campaign_performance": ["account_id", "campaign_id"],
        "campaign_reports": ["advertiser_id", "campaign_id"],
    }  # fmt: skip
    for stream, columns in id_columns.items():
        for column in columns:
            shared = set(cl[stream][column]) & set(pe[stream][column])
            assert not shared, f"{stream}.{column} shared by both tenants: {sorted(shared)[:3]}"


def test_orders_checkouts_and_children_reference_existing_parents(small_dataset):
    streams = small_dataset.streams
    customers = set(streams["customers"]["customer_id"])
    orders = set(streams["orders"]["order_id"])
    assert set(streams["orders"]["customer_id"]) <= customers
    assert set(streams["checkouts"]["customer_id"]) <= customers
    assert set(streams["checkouts"]["order_id"].dropna()) <= orders
    for child in ("order_lines", "transactions", "refunds", "fulfillments"):
        assert set(streams[child]["order_id"]) <= orders, child
    assert set(streams["order_lines"]["order_id"]) == orders, "an order without lines"


def test_money_amounts_have_no_more_decimals_than_the_currency(small_dataset):
    profile = PROFILES[small_dataset.settings.profile]
    # An ad account billed in another currency (casafacil_cl's Meta, in US dollars) bills cents.
    source = {"ads_insights": "meta_ads", "campaign_reports": "tiktok_ads",
              "campaign_performance": "google_ads"}  # fmt: skip
    billed_in = dict(small_dataset.settings.billed_in)

    def decimals(stream: str) -> int:
        other = source.get(stream) in billed_in
        return BILLED_DECIMALS if other else profile.currency_decimals

    for stream, columns in MONEY_COLUMNS.items():
        for column in columns:
            minor_units(small_dataset.streams[stream][column], decimals(stream))
    cost = small_dataset.streams["campaign_performance"]["cost_micros"] / 1_000_000
    minor_units(cost.rename("cost_micros / 1e6"), decimals("campaign_performance"))


def test_order_total_equals_lines_net_of_discount_plus_shipping_exactly(small_dataset):
    decimals = PROFILES[small_dataset.settings.profile].currency_decimals
    orders = small_dataset.streams["orders"].set_index("order_id")
    lines = small_dataset.streams["order_lines"]
    line_net = (
        pd.Series(
            minor_units(lines["original_total_amount"], decimals)
            - minor_units(lines["discount_amount"], decimals),
            index=lines["order_id"],
        )
        .groupby(level=0)
        .sum()
    )
    line_discount = (
        pd.Series(minor_units(lines["discount_amount"], decimals), index=lines["order_id"])
        .groupby(level=0)
        .sum()
    )
    total = pd.Series(minor_units(orders["total_amount"], decimals), index=orders.index)
    shipping = pd.Series(minor_units(orders["total_shipping_amount"], decimals), orders.index)
    subtotal = pd.Series(minor_units(orders["subtotal_amount"], decimals), orders.index)
    discounts = pd.Series(minor_units(orders["total_discounts_amount"], decimals), orders.index)

    pd.testing.assert_series_equal(
        (line_net.reindex(orders.index) + shipping), total, check_names=False
    )
    pd.testing.assert_series_equal(subtotal + shipping, total, check_names=False)
    pd.testing.assert_series_equal(
        line_discount.reindex(orders.index), discounts, check_names=False
    )
    assert (minor_units(lines["discount_amount"], decimals) >= 0).all()
    assert (
        minor_units(lines["discount_amount"], decimals)
        <= minor_units(lines["original_total_amount"], decimals)
    ).all(), "a line discounted below zero"
    unit_times_quantity = minor_units(lines["unit_price_amount"], decimals) * lines["quantity"]
    assert (unit_times_quantity == minor_units(lines["original_total_amount"], decimals)).all()
    assert (total > 0).all()


def test_refunds_never_exceed_order_total_and_match_refunded_amount(small_dataset):
    decimals = PROFILES[small_dataset.settings.profile].currency_decimals
    streams = small_dataset.streams
    orders = streams["orders"].set_index("order_id")
    refunds = streams["refunds"]
    refunded = (
        pd.Series(minor_units(refunds["amount"], decimals), index=refunds["order_id"])
        .groupby(level=0)
        .sum()
        .reindex(orders.index, fill_value=0)
    )
    total = pd.Series(minor_units(orders["total_amount"], decimals), index=orders.index)
    reported = pd.Series(minor_units(orders["total_refunded_amount"], decimals), orders.index)
    assert len(refunds) > 0, "the tenant is too small to exercise refunds"
    assert (refunded <= total).all()
    pd.testing.assert_series_equal(refunded, reported, check_names=False)

    tx = streams["transactions"]
    refund_tx = tx[(tx["kind"] == "REFUND") & (tx["status"] == "SUCCESS")]
    refunded_by_tx = (
        pd.Series(minor_units(refund_tx["amount"], decimals), index=refund_tx["order_id"])
        .groupby(level=0)
        .sum()
        .reindex(orders.index, fill_value=0)
    )
    pd.testing.assert_series_equal(refunded_by_tx, reported, check_names=False)


def test_no_timestamp_or_date_outside_the_local_history_window(small_dataset):
    first_utc, after_last_utc = local_day_bounds_utc(small_dataset)
    settings = small_dataset.settings
    first_day = settings.end_date - dt.timedelta(days=settings.days - 1)
    checked = 0
    for stream, frame in small_dataset.streams.items():
        for column in frame.columns:
            values = frame[column].dropna()
            if pd.api.types.is_datetime64_any_dtype(values):
                late = values[values >= after_last_utc]
                early = values[values < first_utc]
            elif len(values) and isinstance(values.iloc[0], dt.date):
                late = values[values > settings.end_date]
                early = values[values < first_day]
                if (stream, column) == ("daily_rates", "rate_date"):
                    # Rates dated before the history are the ones in force on its first days
                    # (a weekend has none of its own).
                    early = early[early < first_day - dt.timedelta(days=DAYS_BEFORE_HISTORY)]
            else:
                continue
            checked += 1
            assert late.empty, f"{stream}.{column} after the cut-off: {late.head().tolist()}"
            assert early.empty, f"{stream}.{column} before the history: {early.head().tolist()}"
    assert checked >= 20


def test_order_is_placed_then_paid_then_fulfilled(small_dataset):
    streams = small_dataset.streams
    orders = streams["orders"].set_index("order_id")
    tx = streams["transactions"]
    paid = (
        tx[(tx["kind"] == "SALE") & (tx["status"] == "SUCCESS")]
        .groupby("order_id")["created_at"]
        .min()
    )
    fulfilled = streams["fulfillments"].groupby("order_id")["created_at"].min()
    customer_created = streams["customers"].set_index("customer_id")["created_at"]

    assert (orders["created_at"] >= customer_created.reindex(orders["customer_id"]).values).all()
    assert (paid >= orders.loc[paid.index, "created_at"]).all()
    assert fulfilled.index.isin(paid.index).all(), "an order fulfilled without a payment"
    assert (fulfilled >= paid.reindex(fulfilled.index)).all()
    assert (orders.loc[fulfilled.index, "fulfillment_status"] == "FULFILLED").all()
    assert len(paid) > 0.8 * len(orders)


def test_cancellations_and_refunds_of_paid_orders_follow_the_payment(small_dataset):
    streams = small_dataset.streams
    orders = streams["orders"].set_index("order_id")
    tx = streams["transactions"]
    paid = (
        tx[(tx["kind"] == "SALE") & (tx["status"] == "SUCCESS")]
        .groupby("order_id")["created_at"]
        .min()
    )
    cancelled_paid = orders.loc[orders.index.isin(paid.index), "cancelled_at"].dropna()
    assert len(cancelled_paid) > 0
    assert (cancelled_paid >= paid.reindex(cancelled_paid.index)).all()
    refunds = streams["refunds"]
    assert refunds["order_id"].isin(paid.index).all(), "a refund of an unpaid order"
    assert (refunds["created_at"].to_numpy() >= paid.reindex(refunds["order_id"]).to_numpy()).all()


def test_customer_emails_are_unique_and_orders_carry_their_customers_email(small_dataset):
    # Accounts' e-mails are unique; a guest checkout may retype its person's (decision 0037).
    customers = small_dataset.streams["customers"].set_index("customer_id")
    orders = small_dataset.streams["orders"]
    guests = [guest["customer_id"] for guest in small_dataset.truth["identity"]["guests"]]
    assert customers.drop(index=guests)["email"].is_unique
    assert (orders["email"].to_numpy() == customers.loc[orders["customer_id"], "email"]).all()


def test_cancelled_orders_are_never_fulfilled(small_dataset):
    streams = small_dataset.streams
    orders = streams["orders"]
    cancelled = orders.loc[orders["cancelled_at"].notna(), "order_id"]
    assert len(cancelled) > 0, "the tenant is too small to exercise cancellations"
    assert not cancelled.isin(streams["fulfillments"]["order_id"]).any()
    assert (orders.loc[orders["cancelled_at"].notna(), "fulfillment_status"] != "FULFILLED").all()


def test_completed_checkout_is_completed_when_its_order_is_created(small_dataset):
    streams = small_dataset.streams
    checkouts = streams["checkouts"]
    orders = streams["orders"].set_index("order_id")
    completed = checkouts[checkouts["order_id"].notna()].set_index("order_id")
    assert completed.index.is_unique, "an order with more than one completed checkout"
    assert set(completed.index) == set(orders.index), "an order without its checkout"
    pd.testing.assert_series_equal(
        completed["completed_at"],
        orders.loc[completed.index, "created_at"],
        check_names=False,
    )
    assert (completed["customer_id"] == orders.loc[completed.index, "customer_id"]).all()
    open_or_ordered = checkouts["completed_at"].isna()
    open_or_ordered |= checkouts["created_at"] <= checkouts["completed_at"]
    assert open_or_ordered.all(), "a checkout completed before it was created"
    assert checkouts.loc[checkouts["order_id"].isna(), "completed_at"].isna().all()


def test_the_generator_simulates_exactly_the_profiles_a_tenants_file_may_name():
    """The tenants file checks `demo: profile:` against the raw contract's list without
    importing the generator: a profile added to one and not the other would pass the check and
    fail the run, or be refused though the generator has it."""
    assert sorted(PROFILES) == sorted(DEMO_PROFILES)
    assert all(profile.name == name for name, profile in PROFILES.items())
