"""Each contract rule quarantines the hand-made row that breaks it, and only that row: one
evaluation per stream of good rows plus one bad row per rule, compared with the rules each
bad row was written to break."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cerebro.landing.contracts.evaluation import evaluate_stream
from cerebro.landing.contracts.rules import Bounds, stream_contract

NOW = dt.datetime(2026, 11, 21, 12, 0)
BOUNDS = Bounds(
    now=NOW,
    future_tolerance=dt.timedelta(days=1),
    parent_keys={"customers": frozenset({"c1"}), "orders": frozenset({"o1", "o2"})},
)


def _order(order_id: str | None, **changes) -> dict:
    row = {
        "tenant_id": "t", "order_id": order_id, "customer_id": "c1",
        "subtotal_amount": 100, "total_discounts_amount": 0, "total_shipping_amount": 5,
        "total_tax_amount": 19, "total_amount": 124, "total_refunded_amount": 0,
        "currency": "CLP", "financial_status": "PAID",
        "created_at": dt.datetime(2026, 11, 1), "processed_at": dt.datetime(2026, 11, 1),
        "cancelled_at": None, "closed_at": None, "updated_at": dt.datetime(2026, 11, 2),
    }  # fmt: skip
    return {**row, **changes}


def _failures(evaluation) -> dict[str, set[str]]:
    return {row.record_key: {b.rule_id for b in row.breaches} for row in evaluation.failing_rows}


def test_each_order_rule_quarantines_its_bad_row_and_keeps_the_good_ones():
    rows = pd.DataFrame(
        [
            _order("o1"),
            _order("o2", customer_id=None),  # a guest checkout keeps the contract
            _order("o3", financial_status="partially_refunded", currency="pen"),  # case-blind
            # within the one-day tolerance for timestamps ahead of the clock
            _order("o4", updated_at=NOW + dt.timedelta(hours=20)),
            _order("b1", total_amount=-1),
            _order("b2", subtotal_amount="abc"),
            _order("b3", currency="XYZ"),
            _order("b4", financial_status="ON_HOLD"),
            _order("b5", created_at=dt.datetime(1999, 12, 31)),
            _order("b6", updated_at=NOW + dt.timedelta(days=2)),
            _order("b7", closed_at="not a date"),
            _order("b8", customer_id="c404"),
            _order(None),
            _order("dup"),
            _order("dup"),
        ]
    )
    contract = stream_contract("shopify", "orders", ("tenant_id", "order_id"))

    evaluation = evaluate_stream(contract, "t", rows, BOUNDS)

    assert _failures(evaluation) == {
        "b1": {"non_negative:total_amount"},
        "b2": {"non_negative:subtotal_amount"},
        "b3": {"accepted_values:currency"},
        "b4": {"accepted_values:financial_status"},
        "b5": {"timestamp_range:created_at"},
        "b6": {"timestamp_range:updated_at"},
        "b7": {"timestamp_range:closed_at"},
        "b8": {"references:customer_id"},
        "": {"not_null:order_id"},
        "dup": {"unique_key"},
    }
    assert evaluation.rows_checked == 15
    outcomes = {outcome.rule_id: outcome for outcome in evaluation.outcomes}
    assert outcomes["unique_key"].rows_failed == 2
    assert outcomes["non_negative:total_amount"].sample == ("b1",)
    reasons = {row.record_key: row.breaches[0].reason for row in evaluation.failing_rows}
    assert reasons["b1"] == "total_amount es un número ≥ 0; se recibió -1"
    assert reasons["dup"] == "(tenant_id, order_id) no se repite; 2 filas tienen esta clave"


def _transaction(transaction_id: str, **changes) -> dict:
    row = {
        "tenant_id": "t", "transaction_id": transaction_id, "order_id": "o1", "kind": "SALE",
        "status": "SUCCESS", "gateway": "webpay_plus", "amount": 1000, "currency": "CLP",
        "created_at": dt.datetime(2026, 11, 1), "processed_at": dt.datetime(2026, 11, 1),
        "order_updated_at": dt.datetime(2026, 11, 1),
    }  # fmt: skip
    return {**row, **changes}


def test_each_transaction_rule_quarantines_its_bad_row_and_keeps_the_good_ones():
    rows = pd.DataFrame(
        [
            _transaction("g1"),
            _transaction("g2", gateway="bogus", kind="refund", status="failure"),
            _transaction("g3", gateway=" Mercado_Pago ", kind="CAPTURE", status="PENDING"),
            _transaction("b1", gateway="pago_desconocido"),
            _transaction("b2", kind="TIP"),
            _transaction("b3", status="DONE"),
            _transaction("b4", order_id="o404"),
            _transaction("b5", order_id=None),
        ]
    )
    contract = stream_contract("shopify", "transactions", ("tenant_id", "transaction_id"))

    evaluation = evaluate_stream(contract, "t", rows, BOUNDS)

    assert _failures(evaluation) == {
        "b1": {"accepted_values:gateway"},
        "b2": {"accepted_values:kind"},
        "b3": {"accepted_values:status"},
        "b4": {"references:order_id"},
        "b5": {"not_null:order_id"},
    }


def test_a_checkout_without_order_passes_and_one_with_an_unknown_order_fails():
    rows = pd.DataFrame(
        [
            {"tenant_id": "t", "checkout_id": "k1", "order_id": None, "total_amount": 10},
            {"tenant_id": "t", "checkout_id": "k2", "order_id": "o2", "total_amount": 10},
            {"tenant_id": "t", "checkout_id": "k3", "order_id": "o9", "total_amount": 10},
        ]
    )
    contract = stream_contract("shopify", "checkouts", ("tenant_id", "checkout_id"))

    evaluation = evaluate_stream(contract, "t", rows, BOUNDS)

    assert _failures(evaluation) == {"k3": {"references:order_id"}}
    # The table lacks most columns: their rules are reported as skipped, not passed.
    assert "timestamp_range:created_at" in evaluation.skipped_rules


def test_date_keys_are_iso_text_and_calendar_events_may_lie_in_the_future():
    events = pd.DataFrame(
        [
            {"tenant_id": "t", "event_date": dt.date(2027, 9, 18), "event_name": "Fiestas Patrias"},
            {"tenant_id": "t", "event_date": dt.date(1990, 1, 1), "event_name": "Año Nuevo"},
        ]
    )
    contract = stream_contract("calendar", "events", ("tenant_id", "event_date", "event_name"))

    evaluation = evaluate_stream(contract, "t", events, BOUNDS)

    assert _failures(evaluation) == {"1990-01-01|Año Nuevo": {"timestamp_range:event_date"}}
    assert evaluation.failing_rows[0].record["event_date"] == "1990-01-01"


def test_ad_spend_below_zero_and_unknown_currency_are_quarantined():
    spend = pd.DataFrame(
        [
            {"tenant_id": "t", "account_id": "a", "campaign_id": "c", "spend": 10.5,
             "account_currency": "USD", "date_start": dt.date(2026, 11, 1)},
            {"tenant_id": "t", "account_id": "a", "campaign_id": "c", "spend": -3,
             "account_currency": "USD", "date_start": dt.date(2026, 11, 2)},
            {"tenant_id": "t", "account_id": "a", "campaign_id": "c", "spend": 3,
             "account_currency": "PESOS", "date_start": dt.date(2026, 11, 3)},
        ]
    )  # fmt: skip
    contract = stream_contract(
        "meta_ads", "ads_insights", ("tenant_id", "account_id", "campaign_id", "date_start")
    )

    evaluation = evaluate_stream(contract, "t", spend, BOUNDS)

    assert _failures(evaluation) == {
        "a|c|2026-11-02": {"non_negative:spend"},
        "a|c|2026-11-03": {"accepted_values:account_currency"},
    }


def test_a_stream_without_contract_and_rows_of_another_tenant_are_refused():
    with pytest.raises(KeyError, match=r"no contract for stream shopify\.products"):
        stream_contract("shopify", "products", ("tenant_id", "product_id"))
    contract = stream_contract("shopify", "orders", ("tenant_id", "order_id"))
    with pytest.raises(ValueError, match="other tenants"):
        evaluate_stream(contract, "t", pd.DataFrame([_order("o1", tenant_id="u")]), BOUNDS)
