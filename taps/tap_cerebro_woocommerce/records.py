"""WooCommerce wc/v3 objects turned into the raw contract's store records (decision 0060).

One function per stream; each returns the contract's columns except ``tenant_id``, which the
stream stamps. The store's words become the contract's (Shopify's) where the models read them:
an order counts as paid through a successful SALE transaction, completed through a successful
fulfillment, so each WooCommerce order brings the ones its dates say happened.

Object shapes: https://woocommerce.github.io/woocommerce-rest-api-docs/#order-properties,
#order-refund-properties and #customer-properties.
"""

from __future__ import annotations

import html
from decimal import Decimal

from tap_cerebro_woocommerce.client import parse_gmt

#: WooCommerce order status -> the contract's financial status (Shopify's words), before
#: refunds are counted. ``on-hold`` awaits a payment (a bank transfer); ``failed`` is a payment
#: the gateway declined, which leaves the order unpaid.
FINANCIAL_STATUS = {
    "pending": "PENDING",
    "on-hold": "PENDING",
    "failed": "PENDING",
    "processing": "PAID",
    "completed": "PAID",
    "refunded": "REFUNDED",
    "cancelled": "VOIDED",
}
#: Where WooCommerce 8.5+ keeps an order's attribution (Order Attribution, sourcebuster.js):
#: the source of the visit that ended in the order.
#: https://woocommerce.com/document/order-attribution-tracking/
ATTRIBUTION = "_wc_order_attribution_"
#: Attribution types that carry no marketing source: a typed-in visit, an order entered in the
#: admin or the mobile app, or none recorded.
UNATTRIBUTED_TYPES = frozenset({"typein", "admin", "mobile_app", "unknown"})
#: Customers of the contract's ``state``: a WordPress account, or an order without one.
ACCOUNT, GUEST = "ENABLED", "DISABLED"


def gmt(value: str | None) -> str | None:
    """A ``*_gmt`` date as an ISO instant with an explicit UTC offset."""
    parsed = parse_gmt(value)
    return None if parsed is None else parsed.isoformat()


def money(value) -> Decimal | None:
    """A WooCommerce amount (a decimal string, "19990.00") as an exact Decimal."""
    if value is None or value == "":
        return None
    return Decimal(str(value))


def text(value) -> str | None:
    """A text field, HTML entities decoded (product names arrive as ``Polera &ndash; Azul``),
    empty as null."""
    if value is None:
        return None
    cleaned = html.unescape(str(value)).strip()
    return cleaned or None


def metas(meta_data: list[dict] | None) -> dict[str, object]:
    """``meta_data`` as key -> value (the first of repeated keys)."""
    found: dict[str, object] = {}
    for meta in meta_data or []:
        found.setdefault(str(meta.get("key")), meta.get("value"))
    return found


def first_meta(meta_data: list[dict] | None, keys: list[str]) -> str | None:
    """The first of ``keys`` with a value (e.g. the RUT, kept by a checkout-field plugin)."""
    values = metas(meta_data)
    for key in keys:
        value = text(values.get(key))
        if value:
            return value
    return None


def guest_customer_id(order_id: int | str) -> str:
    """The customer record of an order placed without an account (``customer_id`` 0).

    One record per guest order: the identity resolution (decision 0037) makes one person of
    the records sharing an e-mail, a phone or a RUT, the earliest record's id being the
    person's, so a guest who later registers keeps their first purchase.
    """
    return f"guest-{order_id}"


def order_customer_id(order: dict) -> str:
    """The order's customer: the WordPress user, or the order's guest record."""
    customer_id = int(order.get("customer_id") or 0)
    return str(customer_id) if customer_id else guest_customer_id(order["id"])


def customer_record(customer: dict, rut_keys: list[str]) -> dict:
    """A registered customer (a WordPress user)."""
    billing = customer.get("billing") or {}
    return {
        "customer_id": str(customer["id"]),
        "email": text(customer.get("email")) or text(billing.get("email")),
        "phone": text(billing.get("phone")),
        "first_name": text(customer.get("first_name")) or text(billing.get("first_name")),
        "last_name": text(customer.get("last_name")) or text(billing.get("last_name")),
        "state": ACCOUNT,
        "verified_email": None,
        # WooCommerce keeps no marketing consent: unknown is never a consent.
        "email_marketing_state": None,
        "sms_marketing_state": None,
        "tags": text(customer.get("role")),
        "rut": first_meta(customer.get("meta_data"), rut_keys),
        "signup_utm_source": None,
        "signup_utm_medium": None,
        "signup_utm_campaign": None,
        "signup_referring_site": None,
        "default_address_city": text(billing.get("city")),
        "default_address_province": None,
        "default_address_province_code": text(billing.get("state")),
        "default_address_country_code": text(billing.get("country")),
        "created_at": gmt(customer.get("date_created_gmt")),
        # Users never edited have no modified date: their creation is their last change.
        "updated_at": gmt(customer.get("date_modified_gmt") or customer.get("date_created_gmt")),
    }


def guest_record(order: dict, rut_keys: list[str]) -> dict:
    """The customer record of a guest order, from its billing details."""
    billing = order.get("billing") or {}
    return {
        "customer_id": guest_customer_id(order["id"]),
        "email": text(billing.get("email")),
        "phone": text(billing.get("phone")),
        "first_name": text(billing.get("first_name")),
        "last_name": text(billing.get("last_name")),
        "state": GUEST,
        "verified_email": None,
        "email_marketing_state": None,
        "sms_marketing_state": None,
        "tags": None,
        "rut": first_meta(order.get("meta_data"), rut_keys),
        "signup_utm_source": None,
        "signup_utm_medium": None,
        "signup_utm_campaign": None,
        "signup_referring_site": None,
        "default_address_city": text(billing.get("city")),
        "default_address_province": None,
        "default_address_province_code": text(billing.get("state")),
        "default_address_country_code": text(billing.get("country")),
        "created_at": gmt(order.get("date_created_gmt")),
        "updated_at": gmt(order.get("date_modified_gmt")),
    }


def attribution_columns(meta_data: list[dict] | None) -> dict:
    """The order's attribution as the landing columns (its one recorded visit).

    WooCommerce records one source per order, the visit's (sourcebuster.js keeps the last
    source that was not a typed-in visit), not a journey: it fills the landing columns, the
    order's channel in every mart, and leaves the last-visit columns empty, as Shopify does
    for an order without a journey. A typed-in visit or an admin order is no source (the
    channel rules call that 'Directo').
    """
    values = metas(meta_data)

    def attribution(name: str) -> str | None:
        return text(values.get(f"{ATTRIBUTION}{name}"))

    source_type = attribution("source_type")
    has_source = source_type is not None and source_type not in UNATTRIBUTED_TYPES
    session_count = attribution("session_count")
    return {
        "landing_utm_source": attribution("utm_source") if has_source else None,
        "landing_utm_medium": attribution("utm_medium") if has_source else None,
        "landing_utm_campaign": attribution("utm_campaign") if has_source else None,
        "landing_utm_content": attribution("utm_content") if has_source else None,
        "landing_utm_term": attribution("utm_term") if has_source else None,
        "referring_site": attribution("referrer"),
        "landing_page": attribution("session_entry"),
        "first_visit_at": None,
        "first_visit_source": source_type,
        "last_visit_utm_source": None,
        "last_visit_utm_medium": None,
        "last_visit_utm_campaign": None,
        "last_visit_utm_content": None,
        "last_visit_utm_term": None,
        "last_visit_referring_site": None,
        "last_visit_landing_page": None,
        "last_visit_at": None,
        "last_visit_source": None,
        "journey_moments_count": int(session_count) if (session_count or "").isdigit() else None,
        "journey_days_to_conversion": None,
        "is_journey_ready": None,
    }


def refunded_total(order: dict) -> Decimal:
    """What the order's refunds gave back (WooCommerce lists each with a negative total)."""
    return sum((abs(money(r.get("total")) or Decimal(0)) for r in order.get("refunds") or []),
               Decimal(0))  # fmt: skip


def financial_status(order: dict) -> str | None:
    """The contract's financial status: the order status's, partly refunded when refunds
    gave back less than a paid order's total."""
    status = FINANCIAL_STATUS.get(str(order.get("status")))
    refunded = refunded_total(order)
    if status == "PAID" and refunded > 0:
        total = money(order.get("total")) or Decimal(0)
        return "REFUNDED" if refunded >= total else "PARTIALLY_REFUNDED"
    return status


def with_tax(amount, tax, order: dict) -> Decimal | None:
    """An amount as the store shows it: with its tax when prices include tax (as in Chile,
    where prices include IVA). WooCommerce keeps every line and total without tax, the tax
    beside it; the contract's amounts follow Shopify's, which include tax when
    ``taxes_included``."""
    base = money(amount)
    if base is None or not order.get("prices_include_tax"):
        return base
    return base + (money(tax) or Decimal(0))


def order_record(order: dict) -> dict:
    """An order; its customer is the WordPress user or its guest record."""
    shipping = order.get("shipping") or {}
    billing = order.get("billing") or {}
    status = order.get("status")
    lines = order.get("line_items") or []
    subtotal = sum(
        (with_tax(line.get("total"), line.get("total_tax"), order) or Decimal(0)
         for line in lines),
        Decimal(0),
    )  # fmt: skip
    # WooCommerce records no cancellation date: a cancelled order was last modified when it was
    # cancelled, unless edited later.
    cancelled_at = gmt(order.get("date_modified_gmt")) if status == "cancelled" else None
    return {
        "order_id": str(order["id"]),
        "order_name": f"#{order.get('number') or order['id']}",
        "customer_id": order_customer_id(order),
        "email": text(billing.get("email")),
        "created_at": gmt(order.get("date_created_gmt")),
        "processed_at": gmt(order.get("date_created_gmt")),
        "cancelled_at": cancelled_at,
        "cancel_reason": "OTHER" if cancelled_at else None,
        "closed_at": gmt(order.get("date_completed_gmt")),
        "updated_at": gmt(order.get("date_modified_gmt")),
        "currency": text(order.get("currency")),
        "financial_status": financial_status(order),
        "fulfillment_status": "FULFILLED" if status == "completed" else "UNFULFILLED",
        "subtotal_amount": subtotal,
        "total_discounts_amount": with_tax(
            order.get("discount_total"), order.get("discount_tax"), order
        ),
        "total_shipping_amount": with_tax(
            order.get("shipping_total"), order.get("shipping_tax"), order
        ),
        "total_tax_amount": money(order.get("total_tax")),
        "total_amount": money(order.get("total")),
        "total_refunded_amount": refunded_total(order),
        "taxes_included": bool(order.get("prices_include_tax")),
        "is_test": False,
        "source_name": text(order.get("created_via")),
        **attribution_columns(order.get("meta_data")),
        # Shipping is the comuna and region of the service; stores that ship nothing (services)
        # often leave it empty, when the billing address is the place.
        "shipping_city": text(shipping.get("city")) or text(billing.get("city")),
        "shipping_province": None,
        "shipping_province_code": text(shipping.get("state")) or text(billing.get("state")),
        "shipping_country_code": text(shipping.get("country")) or text(billing.get("country")),
        "rating": None,
        "tags": None,
    }


def order_keys(order: dict) -> dict:
    """What every child record carries of its order (``order_updated_at`` is its bookmark)."""
    return {"order_id": order["order_id"], "order_updated_at": order["updated_at"]}


def variant_title(line: dict) -> str | None:
    """A variation's attributes as the store shows them (``Azul / M``); none for a product."""
    if not line.get("variation_id"):
        return None
    shown = [
        text(meta.get("display_value", meta.get("value")))
        for meta in line.get("meta_data") or []
        if not str(meta.get("key", "")).startswith("_")
    ]
    return " / ".join(value for value in shown if value) or None


def order_line_record(line: dict, order_node: dict, order: dict) -> dict:
    """A line item; ``subtotal`` is before the coupons, ``total`` after them."""
    quantity = int(line.get("quantity") or 0)
    original = with_tax(line.get("subtotal"), line.get("subtotal_tax"), order_node)
    discounted = with_tax(line.get("total"), line.get("total_tax"), order_node)
    return {
        "order_line_id": str(line["id"]),
        **order_keys(order),
        "product_id": str(line["product_id"]) if line.get("product_id") else None,
        "product_title": text(line.get("name")),
        "variant_id": str(line["variation_id"]) if line.get("variation_id") else None,
        "variant_title": variant_title(line),
        "sku": text(line.get("sku")),
        "quantity": quantity,
        "unit_price_amount": None if original is None or not quantity else original / quantity,
        "original_total_amount": original,
        "discount_amount": (
            None if original is None or discounted is None else original - discounted
        ),
    }


#: Statuses WooCommerce reaches only once paid (or told so by the shop manager).
PAID_STATUSES = frozenset({"processing", "completed", "refunded"})


def paid_at(order_node: dict) -> str | None:
    """When the order was paid: ``date_paid_gmt``, which WooCommerce sets when an order first
    reaches processing or completed; an order in a paid status without it (from before
    WooCommerce 3.0, or moved there by a plugin) counts as paid when completed, else created."""
    dated = gmt(order_node.get("date_paid_gmt"))
    if dated is not None or order_node.get("status") not in PAID_STATUSES:
        return dated
    return gmt(order_node.get("date_completed_gmt") or order_node.get("date_created_gmt"))


def transaction_records(order_node: dict, order: dict) -> list[dict]:
    """The order's payment as the contract's SALE: successful when paid (``paid_at``), failed
    when the order's status is ``failed``; an order awaiting payment has none. The gateway is
    the payment method's id (``bacs``, ``webpay``, ...)."""
    paid = paid_at(order_node)
    if paid is not None:
        status, at = "SUCCESS", paid
    elif order_node.get("status") == "failed":
        status, at = "FAILURE", gmt(order_node.get("date_modified_gmt"))
    else:
        return []
    return [
        {
            "transaction_id": f"{order['order_id']}-payment",
            **order_keys(order),
            "kind": "SALE",
            "status": status,
            "gateway": text(order_node.get("payment_method")),
            "amount": money(order_node.get("total")),
            "currency": text(order_node.get("currency")),
            "error_code": None,
            "created_at": at,
            "processed_at": at,
        }
    ]


def fulfillment_records(order_node: dict, order: dict) -> list[dict]:
    """A completed order's completion (WooCommerce's ``date_completed_gmt``): the service or
    the delivery done, which the models read as a successful fulfillment."""
    completed_at = gmt(order_node.get("date_completed_gmt"))
    if order_node.get("status") != "completed" or completed_at is None:
        return []
    return [
        {
            "fulfillment_id": f"{order['order_id']}-completed",
            **order_keys(order),
            "status": "SUCCESS",
            "created_at": completed_at,
            "updated_at": gmt(order_node.get("date_modified_gmt")),
            "delivered_at": None,
        }
    ]


def refund_record(refund: dict, order_node: dict, order: dict) -> dict:
    """A refund of the order (``/orders/<id>/refunds``: its date and positive amount)."""
    return {
        "refund_id": str(refund["id"]),
        **order_keys(order),
        "created_at": gmt(refund.get("date_created_gmt")),
        "amount": abs(money(refund.get("amount")) or Decimal(0)),
        "currency": text(order_node.get("currency")),
        "note": text(refund.get("reason")),
    }


#: The contract's streams an order's nested lists become, in the order they are emitted.
CHILD_STREAMS = ("order_lines", "transactions", "refunds", "fulfillments")


def order_with_children(node: dict, refunds: list[dict]) -> tuple[dict, dict[str, list[dict]]]:
    """An order object as the contract's order and its children's records by stream;
    ``refunds`` are the order's refund objects (``/orders/<id>/refunds``, which carry the
    dates the order's own list lacks)."""
    order = order_record(node)
    children = {
        "order_lines": [order_line_record(line, node, order) for line in node["line_items"]],
        "transactions": transaction_records(node, order),
        "refunds": [refund_record(refund, node, order) for refund in refunds],
        "fulfillments": fulfillment_records(node, order),
    }
    return order, children
