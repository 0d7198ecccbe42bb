"""WooCommerce objects, in the shape the wc/v3 documentation gives them, turned into the raw
contract's records.

Oracles: the documentation's field meanings (totals without tax and the tax beside them,
``prices_include_tax``, ``customer_id`` 0 for guests, refunds listed with negative totals,
``*_gmt`` dates in UTC) and the contract's words the models read (a SALE that succeeded is
a payment, a successful fulfillment a completion).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from tap_cerebro_woocommerce import records


def order(**changes) -> dict:
    """A processing guest order of a store whose prices do not include tax (as in the
    documentation's examples): two lines, a coupon on one, flat-rate shipping, 7.5 % tax."""
    base = {
        "id": 4711, "number": "4711", "created_via": "checkout", "status": "processing",
        "currency": "USD", "date_created_gmt": "2026-03-02T14:05:09",
        "date_modified_gmt": "2026-03-02T14:07:30", "date_paid_gmt": "2026-03-02T14:07:29",
        "date_completed_gmt": None, "discount_total": "2.00", "discount_tax": "0.15",
        "shipping_total": "10.00", "shipping_tax": "0.00", "cart_tax": "1.50",
        "total": "31.50", "total_tax": "1.50", "prices_include_tax": False, "customer_id": 0,
        "billing": {"first_name": "Rosa", "last_name": "Díaz", "city": "Ñuñoa",
                    "state": "CL-RM", "country": "CL", "email": "rosa@correo.cl",
                    "phone": "+56911112222"},
        "shipping": {"first_name": "", "last_name": "", "city": "", "state": "",
                     "country": ""},
        "payment_method": "bacs",
        "meta_data": [
            {"id": 1, "key": "_wc_order_attribution_source_type", "value": "utm"},
            {"id": 2, "key": "_wc_order_attribution_utm_source", "value": "instagram"},
            {"id": 3, "key": "_wc_order_attribution_utm_medium", "value": "paid_social"},
            {"id": 4, "key": "_wc_order_attribution_utm_campaign", "value": "otono"},
            {"id": 5, "key": "_wc_order_attribution_session_entry",
             "value": "https://tienda.cl/otono"},
            {"id": 6, "key": "_wc_order_attribution_session_count", "value": "4"},
            {"id": 7, "key": "_billing_rut", "value": "12.345.678-5"},
        ],
        "line_items": [
            {"id": 1, "name": "Taza &ndash; Cerámica", "product_id": 20, "variation_id": 21,
             "quantity": 2, "subtotal": "12.00", "subtotal_tax": "0.90", "total": "10.00",
             "total_tax": "0.75", "sku": "TAZA-AZ", "price": 5,
             "meta_data": [{"id": 9, "key": "pa_color", "value": "azul",
                            "display_key": "Color", "display_value": "Azul"},
                           {"id": 10, "key": "_reduced_stock", "value": "2"}]},
            {"id": 2, "name": "Plato", "product_id": 30, "variation_id": 0, "quantity": 1,
             "subtotal": "10.00", "subtotal_tax": "0.75", "total": "10.00",
             "total_tax": "0.75", "sku": "", "price": 10, "meta_data": []},
        ],
        "refunds": [],
    }  # fmt: skip
    return {**base, **changes}


def test_an_order_without_tax_in_its_prices_keeps_them_and_the_tax_beside():
    record = records.order_record(order())
    assert record["subtotal_amount"] == Decimal("20.00")  # lines after the coupon
    assert record["total_discounts_amount"] == Decimal("2.00")
    assert record["total_shipping_amount"] == Decimal("10.00")
    assert record["total_tax_amount"] == Decimal("1.50")
    assert record["total_amount"] == Decimal("31.50")
    assert record["taxes_included"] is False
    assert (record["order_name"], record["currency"], record["source_name"]) == (
        "#4711",
        "USD",
        "checkout",
    )


def test_with_tax_in_the_prices_the_amounts_are_the_ones_the_buyer_saw():
    record = records.order_record(order(prices_include_tax=True))
    assert record["subtotal_amount"] == Decimal("21.50")
    assert record["total_discounts_amount"] == Decimal("2.15")
    (line, _) = [records.order_line_record(x, order(prices_include_tax=True), record)
                 for x in order()["line_items"]]  # fmt: skip
    assert line["original_total_amount"] == Decimal("12.90")
    assert line["unit_price_amount"] == Decimal("6.45")
    assert line["discount_amount"] == Decimal("2.15")


def test_a_guest_order_belongs_to_its_own_guest_record_with_the_billing_contact():
    node = order()
    assert records.order_record(node)["customer_id"] == "guest-4711"
    guest = records.guest_record(node, ["_billing_rut"])
    assert guest["customer_id"] == "guest-4711"
    assert (guest["email"], guest["phone"], guest["rut"]) == (
        "rosa@correo.cl",
        "+56911112222",
        "12.345.678-5",
    )
    assert (guest["state"], guest["email_marketing_state"]) == ("DISABLED", None)
    assert guest["created_at"] == "2026-03-02T14:05:09+00:00"
    assert records.order_record(order(customer_id=88))["customer_id"] == "88"


def test_dates_are_the_gmt_ones_with_an_explicit_offset():
    record = records.order_record(order())
    assert record["created_at"] == "2026-03-02T14:05:09+00:00"
    assert record["updated_at"] == "2026-03-02T14:07:30+00:00"
    assert record["closed_at"] is None


def test_attribution_fills_the_landing_columns_and_a_typed_in_visit_none():
    record = records.order_record(order())
    assert (record["landing_utm_source"], record["landing_utm_medium"],
            record["landing_utm_campaign"]) == ("instagram", "paid_social", "otono")  # fmt: skip
    assert record["landing_page"] == "https://tienda.cl/otono"
    assert record["journey_moments_count"] == 4
    assert record["last_visit_at"] is None
    typed_in = order(meta_data=[
        {"id": 1, "key": "_wc_order_attribution_source_type", "value": "typein"},
        {"id": 2, "key": "_wc_order_attribution_utm_source", "value": "(direct)"},
    ])  # fmt: skip
    assert records.order_record(typed_in)["landing_utm_source"] is None


def test_shipping_falls_back_to_billing_for_a_service_that_ships_nothing():
    record = records.order_record(order())
    assert (record["shipping_city"], record["shipping_province_code"],
            record["shipping_country_code"]) == ("Ñuñoa", "CL-RM", "CL")  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "financial", "fulfillment"),
    [
        ({}, "PAID", "UNFULFILLED"),
        ({"status": "completed", "date_completed_gmt": "2026-03-03T10:00:00"}, "PAID", "FULFILLED"),
        ({"refunds": [{"id": 5, "reason": "", "total": "-5.00"}]}, "PARTIALLY_REFUNDED",
         "UNFULFILLED"),
        ({"status": "refunded", "refunds": [{"id": 5, "reason": "", "total": "-31.50"}]},
         "REFUNDED", "UNFULFILLED"),
        ({"status": "on-hold", "date_paid_gmt": None}, "PENDING", "UNFULFILLED"),
        ({"status": "cancelled", "date_paid_gmt": None}, "VOIDED", "UNFULFILLED"),
    ],
    ids=["processing", "completed", "partly-refunded", "refunded", "on-hold", "cancelled"],
)  # fmt: skip
def test_statuses_in_the_contracts_words(changes, financial, fulfillment):
    record = records.order_record(order(**changes))
    assert (record["financial_status"], record["fulfillment_status"]) == (financial, fulfillment)


def test_a_cancelled_order_is_dated_by_its_last_change():
    record = records.order_record(order(status="cancelled"))
    assert record["cancelled_at"] == "2026-03-02T14:07:30+00:00"


def test_payments_are_a_sale_when_dated_a_failure_when_failed_none_while_awaited():
    def payments(**changes):
        node = order(**changes)
        return records.transaction_records(node, records.order_record(node))

    (paid,) = payments()
    assert (paid["kind"], paid["status"], paid["amount"], paid["gateway"]) == (
        "SALE",
        "SUCCESS",
        Decimal("31.50"),
        "bacs",
    )
    assert paid["processed_at"] == "2026-03-02T14:07:29+00:00"
    (failed,) = payments(status="failed", date_paid_gmt=None)
    assert failed["status"] == "FAILURE"
    assert payments(status="on-hold", date_paid_gmt=None) == []
    # A completed order never dated as paid (WooCommerce before 3.0) was paid all the same.
    (undated,) = payments(status="completed", date_paid_gmt=None,
                          date_completed_gmt="2026-03-04T09:00:00")  # fmt: skip
    assert undated["processed_at"] == "2026-03-04T09:00:00+00:00"


def test_a_completed_order_is_a_successful_fulfillment_at_its_completion():
    node = order(status="completed", date_completed_gmt="2026-03-03T10:00:00")
    (done,) = records.fulfillment_records(node, records.order_record(node))
    assert (done["status"], done["created_at"]) == ("SUCCESS", "2026-03-03T10:00:00+00:00")
    assert records.fulfillment_records(order(), records.order_record(order())) == []


def test_lines_carry_the_variation_and_decoded_names():
    node = order()
    first, second = (records.order_line_record(x, node, records.order_record(node))
                     for x in node["line_items"])  # fmt: skip
    assert first["product_title"] == "Taza \u2013 Cerámica"
    assert (first["product_id"], first["variant_id"], first["variant_title"]) == (
        "20",
        "21",
        "Azul",
    )
    assert (second["variant_id"], second["variant_title"], second["sku"]) == (None, None, None)
    assert first["order_id"] == "4711" and first["order_updated_at"] == "2026-03-02T14:07:30+00:00"


def test_a_refund_is_positive_and_dated_by_the_refunds_endpoint():
    node = order()
    refund = {"id": 77, "date_created_gmt": "2026-03-05T12:00:00", "amount": "5.00",
              "reason": "Llegó rota"}  # fmt: skip
    record = records.refund_record(refund, node, records.order_record(node))
    assert (record["refund_id"], record["amount"], record["currency"], record["note"]) == (
        "77",
        Decimal("5.00"),
        "USD",
        "Llegó rota",
    )
    assert record["created_at"] == "2026-03-05T12:00:00+00:00"


def test_a_registered_customer_never_modified_was_last_changed_when_created():
    customer = {"id": 88, "email": "ana@correo.cl", "first_name": "Ana", "last_name": "Rojas",
                "role": "customer", "date_created_gmt": "2025-12-01T10:00:00",
                "date_modified_gmt": None,
                "billing": {"phone": "+56933334444", "city": "Providencia", "state": "CL-RM",
                            "country": "CL"},
                "meta_data": [{"id": 1, "key": "billing_rut", "value": "9.876.543-3"}]}  # fmt: skip
    record = records.customer_record(customer, ["_billing_rut", "billing_rut"])
    assert record["updated_at"] == record["created_at"] == "2025-12-01T10:00:00+00:00"
    assert (record["customer_id"], record["state"], record["rut"]) == (
        "88",
        "ENABLED",
        "9.876.543-3",
    )
    assert (record["default_address_city"], record["default_address_province_code"]) == (
        "Providencia",
        "CL-RM",
    )
