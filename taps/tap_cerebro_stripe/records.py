"""Stripe objects turned into the raw contract's records (decision 0060).

The store's streams (source ``shopify``): an order is an invoice (a subscription's period, or a
one-off invoice) or a charge made without one; every charge is the contract's SALE transaction
of its order; refunds are refunds of a charge's order. Subscriptions are the ``stripe`` source's
own stream. Amounts are converted from the currency's minor unit (``client.major_units``).

Object shapes (API version ``client.API_VERSION``): https://docs.stripe.com/api/charges/object,
/api/invoices/object, /api/refunds/object, /api/customers/object, /api/subscriptions/object.
"""

from __future__ import annotations

from decimal import Decimal

from tap_cerebro_stripe.client import instant, major_units, object_id

#: Charge status -> the contract's transaction status.
CHARGE_STATUS = {"succeeded": "SUCCESS", "pending": "PENDING", "failed": "FAILURE"}
#: Invoice status -> the contract's financial status, before refunds are counted (a draft is
#: no order yet; an uncollectible invoice is still owed).
INVOICE_STATUS = {"open": "PENDING", "paid": "PAID", "uncollectible": "PENDING", "void": "VOIDED"}
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
#: Stripe's tax id type of a Chilean RUT. https://docs.stripe.com/billing/customer/tax-ids
CHILEAN_TAX_ID = "cl_tin"
GATEWAY = "stripe"


def guest_customer_id(order_id: str) -> str:
    """The customer record of a charge made without a Stripe customer (as WooCommerce's
    guests: the identity resolution joins them to their e-mail's person)."""
    return f"guest-{order_id}"


def invoice_of(charge: dict) -> dict | None:
    """The charge's invoice, expanded (None for a charge without one)."""
    invoice = charge.get("invoice")
    return invoice if isinstance(invoice, dict) else None


def order_id_of(charge: dict) -> str:
    """The order a charge pays: its invoice, or the charge itself."""
    return object_id(charge.get("invoice")) or charge["id"]


def is_order(charge: dict) -> bool:
    """Whether a charge stands for an order: an invoice's (its order is the invoice) or a
    charge that was not declined (a declined card without an invoice bought nothing)."""
    return invoice_of(charge) is not None or charge.get("status") != "failed"


def money(amount, currency) -> Decimal | None:
    return major_units(amount, currency)


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """``"Ana María Rojas"`` -> ("Ana", "María Rojas"): Stripe keeps one name."""
    if not name or not name.strip():
        return None, None
    first, _, last = name.strip().partition(" ")
    return first, last or None


def rut_of(customer: dict, rut_key: str) -> str | None:
    """The customer's RUT: a Chilean tax id (``cl_tin``), else the metadata key."""
    tax_ids = (customer.get("tax_ids") or {}).get("data") or []
    for tax_id in tax_ids:
        if tax_id.get("type") == CHILEAN_TAX_ID and tax_id.get("value"):
            return tax_id["value"]
    return (customer.get("metadata") or {}).get(rut_key) or None


def customer_record(customer: dict, rut_key: str) -> dict:
    """A Stripe customer. Stripe keeps no change date: a customer's creation is its last
    known change (later edits are not read again)."""
    first, last = split_name(customer.get("name"))
    address = customer.get("address") or {}
    created = instant(customer.get("created"))
    return {
        "customer_id": customer["id"],
        "email": customer.get("email"),
        "phone": customer.get("phone"),
        "first_name": first,
        "last_name": last,
        "state": "ENABLED",
        "verified_email": None,
        "email_marketing_state": None,
        "sms_marketing_state": None,
        "tags": None,
        "rut": rut_of(customer, rut_key),
        **utm_signup(customer.get("metadata") or {}),
        "default_address_city": address.get("city"),
        "default_address_province": None,
        "default_address_province_code": address.get("state"),
        "default_address_country_code": address.get("country"),
        "created_at": created,
        "updated_at": created,
    }


def utm_signup(metadata: dict) -> dict:
    """Signup UTMs an integration wrote in the customer's metadata (Stripe records none)."""
    return {
        "signup_utm_source": metadata.get("utm_source"),
        "signup_utm_medium": metadata.get("utm_medium"),
        "signup_utm_campaign": metadata.get("utm_campaign"),
        "signup_referring_site": metadata.get("referring_site"),
    }


def guest_record(charge: dict) -> dict:
    """The customer record of a charge without a customer, from its billing details."""
    billing = charge.get("billing_details") or {}
    address = billing.get("address") or {}
    first, last = split_name(billing.get("name"))
    created = instant(charge.get("created"))
    return {
        "customer_id": guest_customer_id(charge["id"]),
        "email": billing.get("email") or charge.get("receipt_email"),
        "phone": billing.get("phone"),
        "first_name": first,
        "last_name": last,
        "state": "DISABLED",
        "verified_email": None,
        "email_marketing_state": None,
        "sms_marketing_state": None,
        "tags": None,
        "rut": None,
        **utm_signup({}),
        "default_address_city": address.get("city"),
        "default_address_province": None,
        "default_address_province_code": address.get("state"),
        "default_address_country_code": address.get("country"),
        "created_at": created,
        "updated_at": created,
    }


def refunded_status(paid: str, refunded, total) -> str:
    """PAID, or partly or wholly refunded."""
    if paid != "PAID" or not refunded:
        return paid
    return "REFUNDED" if refunded >= total else "PARTIALLY_REFUNDED"


def landing_columns(metadata: dict) -> dict:
    """UTMs an integration wrote in the payment's metadata fill the landing columns; Stripe
    records no visit, so everything else of the journey is empty."""
    columns = {f"landing_{key}": metadata.get(key) for key in UTM_KEYS}  # landing_utm_source, ...
    return {
        **columns,
        "referring_site": metadata.get("referring_site"),
        "landing_page": metadata.get("landing_page"),
        "first_visit_at": None,
        "first_visit_source": None,
        **{f"last_visit_{key}": None for key in UTM_KEYS},
        "last_visit_referring_site": None,
        "last_visit_landing_page": None,
        "last_visit_at": None,
        "last_visit_source": None,
        "journey_moments_count": None,
        "journey_days_to_conversion": None,
        "is_journey_ready": None,
    }


def place(address: dict | None) -> dict:
    address = address or {}
    return {
        "shipping_city": address.get("city"),
        "shipping_province": None,
        "shipping_province_code": address.get("state"),
        "shipping_country_code": address.get("country"),
    }


def invoice_updated(invoice: dict) -> str | None:
    """An invoice's last known change: its latest status transition, else its creation."""
    moments = [invoice.get("created"), *(invoice.get("status_transitions") or {}).values()]
    return instant(max(int(m) for m in moments if m is not None))


def invoice_order(invoice: dict, charge: dict) -> dict:
    """An invoice (paid, open, void or uncollectible) as an order, its charge the payment."""
    currency = invoice.get("currency")
    transitions = invoice.get("status_transitions") or {}
    total = money(invoice.get("total"), currency)
    discounts = money(
        sum(d.get("amount") or 0 for d in invoice.get("total_discount_amounts") or []), currency
    )
    status = INVOICE_STATUS.get(str(invoice.get("status")))
    refunded = money(charge.get("amount_refunded") or 0, charge.get("currency"))
    voided_at = instant(transitions.get("voided_at"))
    return {
        "order_id": invoice["id"],
        "order_name": invoice.get("number") or invoice["id"],
        "customer_id": object_id(invoice.get("customer")) or guest_customer_id(invoice["id"]),
        "email": invoice.get("customer_email"),
        "created_at": instant(invoice.get("created")),
        "processed_at": instant(transitions.get("finalized_at") or invoice.get("created")),
        "cancelled_at": voided_at,
        "cancel_reason": "OTHER" if voided_at else None,
        "closed_at": instant(transitions.get("paid_at")),
        "updated_at": invoice_updated(invoice),
        "currency": currency.upper() if currency else None,
        "financial_status": refunded_status(status, refunded, total),
        "fulfillment_status": "UNFULFILLED",
        "subtotal_amount": money(invoice.get("subtotal"), currency) - (discounts or 0),
        "total_discounts_amount": discounts,
        "total_shipping_amount": Decimal(0),
        "total_tax_amount": money(invoice.get("tax") or 0, currency),
        "total_amount": total,
        "total_refunded_amount": refunded,
        "taxes_included": None,
        "is_test": not invoice.get("livemode", True),
        # Why it was billed: subscription_create, subscription_cycle, manual, ...
        "source_name": invoice.get("billing_reason"),
        **landing_columns(invoice.get("metadata") or {}),
        **place(invoice.get("customer_address")),
        "rating": None,
        "tags": None,
    }


def charge_order(charge: dict) -> dict:
    """A charge made without an invoice (a Payment Link, a Checkout payment) as an order."""
    currency = charge.get("currency")
    total = money(charge.get("amount"), currency)
    refunded = money(charge.get("amount_refunded") or 0, currency)
    status = "PAID" if charge.get("captured") else "AUTHORIZED"
    if charge.get("status") == "pending":
        status = "PENDING"
    billing = charge.get("billing_details") or {}
    created = instant(charge.get("created"))
    return {
        "order_id": charge["id"],
        "order_name": charge.get("receipt_number") or charge["id"],
        "customer_id": object_id(charge.get("customer")) or guest_customer_id(charge["id"]),
        "email": billing.get("email") or charge.get("receipt_email"),
        "created_at": created,
        "processed_at": created,
        "cancelled_at": None,
        "cancel_reason": None,
        "closed_at": None,
        "updated_at": created,
        "currency": currency.upper() if currency else None,
        "financial_status": refunded_status(status, refunded, total),
        "fulfillment_status": "UNFULFILLED",
        "subtotal_amount": total,
        "total_discounts_amount": Decimal(0),
        "total_shipping_amount": Decimal(0),
        "total_tax_amount": Decimal(0),
        "total_amount": total,
        "total_refunded_amount": refunded,
        "taxes_included": None,
        "is_test": not charge.get("livemode", True),
        "source_name": "charge",
        **landing_columns(charge.get("metadata") or {}),
        **place(billing.get("address")),
        "rating": None,
        "tags": None,
    }


def order_record(charge: dict) -> dict:
    """The order a charge pays: its invoice, or the charge itself."""
    invoice = invoice_of(charge)
    return invoice_order(invoice, charge) if invoice is not None else charge_order(charge)


def order_keys(order: dict) -> dict:
    """What every child record carries of its order (``order_updated_at`` is its bookmark)."""
    return {"order_id": order["order_id"], "order_updated_at": order["updated_at"]}


def invoice_line_record(line: dict, currency: str, order: dict) -> dict:
    """An invoice line: a price of a product, its quantity and amount before discounts."""
    price = line.get("price") or {}
    quantity = int(line.get("quantity") or 1)
    original = money(line.get("amount"), currency)
    unit = price.get("unit_amount")
    return {
        "order_line_id": line["id"],
        **order_keys(order),
        "product_id": object_id(price.get("product")),
        "product_title": line.get("description"),
        "variant_id": price.get("id"),
        "variant_title": price.get("nickname"),
        "sku": None,
        "quantity": quantity,
        "unit_price_amount": money(unit, currency) if unit is not None else original / quantity,
        "original_total_amount": original,
        "discount_amount": money(
            sum(d.get("amount") or 0 for d in line.get("discount_amounts") or []), currency
        ),
    }


def charge_line_record(charge: dict, order: dict) -> dict:
    """The one line of a charge without an invoice: what its description says was bought."""
    amount = money(charge.get("amount"), charge.get("currency"))
    return {
        "order_line_id": f"{charge['id']}-line",
        **order_keys(order),
        "product_id": None,
        "product_title": charge.get("description"),
        "variant_id": None,
        "variant_title": None,
        "sku": None,
        "quantity": 1,
        "unit_price_amount": amount,
        "original_total_amount": amount,
        "discount_amount": Decimal(0),
    }


def transaction_record(charge: dict, order: dict) -> dict:
    """A charge as the contract's transaction of its order: a SALE (an AUTHORIZATION while
    not captured), successful, pending or failed (with Stripe's decline code)."""
    currency = charge.get("currency")
    created = instant(charge.get("created"))
    captured = charge.get("captured") or charge.get("status") == "failed"
    return {
        "transaction_id": charge["id"],
        **order_keys(order),
        "kind": "SALE" if captured else "AUTHORIZATION",
        "status": CHARGE_STATUS.get(str(charge.get("status")), "UNKNOWN"),
        "gateway": GATEWAY,
        "amount": money(charge.get("amount"), currency),
        "currency": currency.upper() if currency else None,
        "error_code": charge.get("failure_code"),
        "created_at": created,
        "processed_at": created,
    }


def refund_record(refund: dict) -> dict:
    """A refund, for the order its charge paid (the charge expanded); a refund changes its
    order, so its creation is the order's change it carries."""
    charge = refund.get("charge") or {}
    currency = refund.get("currency")
    created = instant(refund.get("created"))
    return {
        "refund_id": refund["id"],
        "order_id": order_id_of(charge),
        "order_updated_at": created,
        "created_at": created,
        "amount": money(refund.get("amount"), currency),
        "currency": currency.upper() if currency else None,
        "note": refund.get("reason"),
    }


def subscription_record(subscription: dict) -> dict:
    """A subscription: its status and dates, and what it bills each interval (every item of a
    subscription has the same interval: https://docs.stripe.com/billing/subscriptions/
    multiple-products)."""
    items = (subscription.get("items") or {}).get("data") or []
    prices = [item.get("price") or {} for item in items]
    recurring = next((p.get("recurring") for p in prices if p.get("recurring")), None) or {}
    currency = subscription.get("currency") or next((p.get("currency") for p in prices), None)
    per_interval = sum(
        (int(p.get("unit_amount") or 0) * int(item.get("quantity") or 1))
        for p, item in zip(prices, items, strict=True)
    )
    return {
        "subscription_id": subscription["id"],
        "customer_id": object_id(subscription.get("customer")),
        "status": subscription.get("status"),
        "currency": currency.upper() if currency else None,
        "billing_interval": recurring.get("interval"),
        "billing_interval_count": recurring.get("interval_count"),
        "items_count": len(items),
        "quantity": sum(int(item.get("quantity") or 1) for item in items),
        "recurring_amount": money(per_interval, currency),
        "created_at": instant(subscription.get("created")),
        "started_at": instant(subscription.get("start_date")),
        "trial_start_at": instant(subscription.get("trial_start")),
        "trial_end_at": instant(subscription.get("trial_end")),
        "current_period_start_at": instant(subscription.get("current_period_start")),
        "current_period_end_at": instant(subscription.get("current_period_end")),
        "cancel_at": instant(subscription.get("cancel_at")),
        "cancel_at_period_end": subscription.get("cancel_at_period_end"),
        "canceled_at": instant(subscription.get("canceled_at")),
        "ended_at": instant(subscription.get("ended_at")),
    }
