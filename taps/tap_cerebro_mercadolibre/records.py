"""Mercado Libre objects turned into the raw contract's records (decision 0068).

One function per stream; each returns the contract's columns except ``tenant_id``, which the
stream stamps. An order lands as the store's order (Shopify's words, decision 0060), marked as
the marketplace's: ``source_name`` and the landing source ``mercadolibre`` / medium
``marketplace``, so the channel rules give it the channel "Mercado Libre" and every mart can
tell it from the own store's orders.

The buyer is a Mercado Libre account: its numeric id is stable across the buyer's orders, but
Mercado Libre does not give the buyer's e-mail or phone to sellers, so a buyer is one customer
``meli-<buyer id>`` that the identity resolution (0037) cannot join to the same person's
purchases in the own store.

Object shapes: https://developers.mercadolibre.cl/es_ar/gestiona-ventas (orders, payments,
buyer), https://developers.mercadolibre.cl/es_ar/gestion-de-envios (shipments) and
https://developers.mercadolibre.cl/es_ar/product-ads-lectura (campaign metrics).
"""

from __future__ import annotations

from decimal import Decimal

from tap_cerebro_mercadolibre.client import parse_time

#: Order status -> the contract's financial status before refunds are counted.
FINANCIAL_STATUS = {
    "confirmed": "PENDING",
    "payment_required": "PENDING",
    "payment_in_process": "PENDING",
    "partially_paid": "PARTIALLY_PAID",
    "paid": "PAID",
    "partially_refunded": "PARTIALLY_REFUNDED",
    "pending_cancel": "PAID",
    "cancelled": "VOIDED",
    "invalid": "VOIDED",
}
#: Payment status -> the contract's transaction status (a refunded payment was paid first).
PAYMENT_STATUS = {
    "approved": "SUCCESS",
    "authorized": "SUCCESS",
    "refunded": "SUCCESS",
    "charged_back": "SUCCESS",
    "in_process": "PENDING",
    "in_mediation": "SUCCESS",
    "pending": "PENDING",
    "rejected": "FAILURE",
    "cancelled": "FAILURE",
}
#: Shipment status -> the contract's fulfillment status.
SHIPMENT_STATUS = {
    "shipped": "SUCCESS",
    "delivered": "SUCCESS",
    "not_delivered": "FAILURE",
    "cancelled": "CANCELLED",
}
#: What every Mercado Libre order says of where it came from (the channel rules' seed).
CHANNEL_SOURCE, CHANNEL_MEDIUM = "mercadolibre", "marketplace"


def iso(value: str | None) -> str | None:
    """A Mercado Libre date as an ISO instant in UTC."""
    parsed = parse_time(value)
    return None if parsed is None else parsed.isoformat()


def money(value) -> Decimal | None:
    """An amount as an exact Decimal (Mercado Libre sends JSON numbers)."""
    if value is None or value == "":
        return None
    return Decimal(str(value))


def buyer_customer_id(buyer: dict | None) -> str | None:
    """The customer of an order: the buyer's Mercado Libre account."""
    buyer_id = (buyer or {}).get("id")
    return None if buyer_id is None else f"meli-{buyer_id}"


def customer_record(order: dict) -> dict | None:
    """The buyer as a customer, as of this order (no e-mail, phone or RUT: Mercado Libre keeps
    them from sellers)."""
    buyer = order.get("buyer") or {}
    customer_id = buyer_customer_id(buyer)
    if customer_id is None:
        return None
    return {
        "customer_id": customer_id,
        "email": None,
        "phone": None,
        "first_name": buyer.get("first_name") or None,
        "last_name": buyer.get("last_name") or None,
        "state": "DISABLED",
        "verified_email": None,
        "email_marketing_state": None,
        "sms_marketing_state": None,
        "tags": "mercadolibre",
        "rut": None,
        "signup_utm_source": CHANNEL_SOURCE,
        "signup_utm_medium": CHANNEL_MEDIUM,
        "signup_utm_campaign": None,
        "signup_referring_site": None,
        "default_address_city": None,
        "default_address_province": None,
        "default_address_province_code": None,
        "default_address_country_code": None,
        "created_at": iso(order.get("date_created")),
        "updated_at": iso(order.get("date_last_updated")),
    }


def approved(payment: dict) -> bool:
    """A payment whose money reached the seller (refunded later or not)."""
    return PAYMENT_STATUS.get(str(payment.get("status"))) == "SUCCESS"


def refunded_total(order: dict) -> Decimal:
    """What the order's payments gave back."""
    return sum(
        (money(p.get("transaction_amount_refunded")) or Decimal(0)
         for p in order.get("payments") or []),
        Decimal(0),
    )  # fmt: skip


def shipping_paid(order: dict) -> Decimal:
    """What the buyer paid for shipping (the approved payments' ``shipping_cost``)."""
    return sum(
        (money(p.get("shipping_cost")) or Decimal(0)
         for p in order.get("payments") or [] if approved(p)),
        Decimal(0),
    )  # fmt: skip


def financial_status(order: dict) -> str | None:
    """The order's status in the contract's words, refunds counted."""
    status = FINANCIAL_STATUS.get(str(order.get("status")))
    refunded = refunded_total(order)
    if status in ("PAID", "VOIDED") and refunded > 0:
        paid = sum((money(p.get("total_paid_amount")) or Decimal(0)
                    for p in order.get("payments") or [] if approved(p)), Decimal(0))  # fmt: skip
        return "REFUNDED" if refunded >= paid else "PARTIALLY_REFUNDED"
    return status


def order_record(order: dict, shipment: dict | None) -> dict:
    """An order; amounts as the buyer saw them (Chilean prices include IVA)."""
    lines = order.get("order_items") or []
    subtotal = sum(
        ((money(line.get("unit_price")) or Decimal(0)) * int(line.get("quantity") or 0)
         for line in lines),
        Decimal(0),
    )  # fmt: skip
    discounts = sum(
        (((money(line.get("full_unit_price")) or money(line.get("unit_price")) or Decimal(0))
          - (money(line.get("unit_price")) or Decimal(0))) * int(line.get("quantity") or 0)
         for line in lines),
        Decimal(0),
    )  # fmt: skip
    shipping = shipping_paid(order)
    status = order.get("status")
    cancelled = status in ("cancelled", "invalid")
    address = (shipment or {}).get("receiver_address") or {}
    delivered = (shipment or {}).get("status") == "delivered"
    return {
        "order_id": str(order["id"]),
        "order_name": f"#{order.get('pack_id') or order['id']}",
        "customer_id": buyer_customer_id(order.get("buyer")),
        "email": None,
        "created_at": iso(order.get("date_created")),
        "processed_at": iso(order.get("date_closed") or order.get("date_created")),
        # Mercado Libre records no cancellation date: the last update is when it was cancelled.
        "cancelled_at": iso(order.get("date_last_updated")) if cancelled else None,
        "cancel_reason": "OTHER" if cancelled else None,
        "closed_at": None,
        "updated_at": iso(order.get("date_last_updated")),
        "currency": order.get("currency_id"),
        "financial_status": financial_status(order),
        "fulfillment_status": "FULFILLED" if delivered else "UNFULFILLED",
        "subtotal_amount": subtotal,
        "total_discounts_amount": discounts,
        "total_shipping_amount": shipping,
        "total_tax_amount": None,
        "total_amount": (money(order.get("total_amount")) or subtotal) + shipping,
        "total_refunded_amount": refunded_total(order),
        "taxes_included": True,
        "is_test": "test_order" in (order.get("tags") or []),
        "source_name": CHANNEL_SOURCE,
        "landing_utm_source": CHANNEL_SOURCE,
        "landing_utm_medium": CHANNEL_MEDIUM,
        "landing_utm_campaign": None,
        "landing_utm_content": None,
        "landing_utm_term": None,
        "referring_site": None,
        "landing_page": None,
        "first_visit_at": None,
        "first_visit_source": None,
        "last_visit_utm_source": None,
        "last_visit_utm_medium": None,
        "last_visit_utm_campaign": None,
        "last_visit_utm_content": None,
        "last_visit_utm_term": None,
        "last_visit_referring_site": None,
        "last_visit_landing_page": None,
        "last_visit_at": None,
        "last_visit_source": None,
        "journey_moments_count": None,
        "journey_days_to_conversion": None,
        "is_journey_ready": None,
        "shipping_city": (address.get("city") or {}).get("name"),
        "shipping_province": (address.get("state") or {}).get("name"),
        "shipping_province_code": None,
        "shipping_country_code": (address.get("country") or {}).get("id"),
        "rating": None,
        "tags": ",".join(order.get("tags") or []) or None,
    }


def order_keys(order: dict) -> dict:
    """What every child record carries of its order (``order_updated_at`` is its bookmark)."""
    return {"order_id": order["order_id"], "order_updated_at": order["updated_at"]}


def order_line_records(node: dict, order: dict) -> list[dict]:
    """The order's items (an item listing, its variation, the quantity and prices)."""
    found = []
    for index, line in enumerate(node.get("order_items") or []):
        item = line.get("item") or {}
        quantity = int(line.get("quantity") or 0)
        unit = money(line.get("unit_price"))
        full = money(line.get("full_unit_price")) or unit
        found.append(
            {
                "order_line_id": f"{order['order_id']}-{index + 1}",
                **order_keys(order),
                "product_id": item.get("id"),
                "product_title": item.get("title"),
                "variant_id": str(item["variation_id"]) if item.get("variation_id") else None,
                "variant_title": None,
                "sku": item.get("seller_sku"),
                "quantity": quantity,
                "unit_price_amount": full,
                "original_total_amount": None if full is None else full * quantity,
                "discount_amount": (
                    None if full is None or unit is None else (full - unit) * quantity
                ),
            }
        )
    return found


def transaction_records(node: dict, order: dict) -> list[dict]:
    """Each payment as a SALE through Mercado Pago."""
    found = []
    for payment in node.get("payments") or []:
        at = iso(payment.get("date_approved") or payment.get("date_created"))
        found.append(
            {
                "transaction_id": str(payment["id"]),
                **order_keys(order),
                "kind": "SALE",
                "status": PAYMENT_STATUS.get(str(payment.get("status")), "UNKNOWN"),
                # Mercado Pago collects every Mercado Libre sale (payment_gateways seed).
                "gateway": "mercadopago",
                "amount": money(payment.get("total_paid_amount")),
                "currency": payment.get("currency_id") or node.get("currency_id"),
                "error_code": payment.get("status_detail") if payment.get("status") == "rejected"
                else None,
                "created_at": at,
                "processed_at": at,
            }
        )  # fmt: skip
    return found


def refund_records(node: dict, order: dict) -> list[dict]:
    """Each payment's refunded amount (Mercado Libre dates it by the payment's last change)."""
    found = []
    for payment in node.get("payments") or []:
        amount = money(payment.get("transaction_amount_refunded")) or Decimal(0)
        if amount <= 0:
            continue
        found.append(
            {
                "refund_id": f"{payment['id']}-refund",
                **order_keys(order),
                "created_at": iso(
                    payment.get("date_last_modified") or node.get("date_last_updated")
                ),
                "amount": amount,
                "currency": payment.get("currency_id") or node.get("currency_id"),
                "note": None,
            }
        )  # fmt: skip
    return found


def fulfillment_records(shipment: dict | None, order: dict) -> list[dict]:
    """The order's shipment once it left (shipped, delivered) or ended otherwise."""
    if not shipment:
        return []
    status = SHIPMENT_STATUS.get(str(shipment.get("status")))
    if status is None:
        return []
    history = shipment.get("status_history") or {}
    return [
        {
            "fulfillment_id": str(shipment["id"]),
            **order_keys(order),
            "status": status,
            "created_at": iso(history.get("date_shipped") or shipment.get("date_created")),
            "updated_at": iso(shipment.get("last_updated")),
            "delivered_at": iso(history.get("date_delivered")),
        }
    ]


def campaign_report_record(row: dict, advertiser: dict) -> dict:
    """One campaign's day of Product Ads (its cost and the sales it reports)."""
    metrics = row.get("metrics") or {}
    return {
        "advertiser_id": str(advertiser["advertiser_id"]),
        "site_id": advertiser.get("site_id"),
        "currency_code": advertiser.get("currency"),
        "campaign_id": str(row["id"]),
        "campaign_name": row.get("name"),
        "campaign_status": row.get("status"),
        "date": str(row["date"])[:10],
        "prints": _int(metrics.get("prints")),
        "clicks": _int(metrics.get("clicks")),
        "cost": money(metrics.get("cost")),
        "units_quantity": _int(metrics.get("units_quantity")),
        "direct_amount": money(metrics.get("direct_amount")),
        "indirect_amount": money(metrics.get("indirect_amount")),
        "total_amount": money(metrics.get("total_amount")),
    }


def _int(value) -> int | None:
    return None if value is None else int(value)
