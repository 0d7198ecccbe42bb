"""A demo store that runs on WooCommerce: the generated store, as the WooCommerce REST API
(wc/v3) would serve it, landed through the WooCommerce tap's own mapping.

The simulation writes the store in the raw contract's shapes (Shopify's). This module renders
those rows as the objects a WooCommerce store answers (users, orders with their line items,
refunds) and hands them to ``tap_cerebro_woocommerce.records``, so a demo tenant with
``demo: {store: woocommerce}`` lands what the real tap would land from such a store, and
loses what WooCommerce does not keep:

- no abandoned checkouts (WooCommerce core keeps none): no checkouts stream;
- an order's attribution is one visit, the last that had a source (Order Attribution keeps
  sourcebuster.js's last non-direct source), and no journey;
- no marketing consent, customer tags or signup campaign on a user;
- a customer without an account (Shopify's ``DISABLED``) buys as a guest: one customer record
  per order, joined into one person by the identity resolution (e-mail, phone, RUT);
- one payment per order (failed attempts before it are not kept), a cancellation dated by the
  order's last change.

Amounts come as WooCommerce gives them: decimal strings with two decimals, without tax, the
tax beside (``prices_include_tax`` says the store shows them with it).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pandas as pd
from tap_cerebro_woocommerce import records

from tap_cerebro_demo.generator.storage import read_stream

#: An order and its children: what the store's orders are rendered from.
ORDER_STREAMS = ("orders", *records.CHILD_STREAMS)
#: The store streams a WooCommerce store lands (no checkouts).
WOOCOMMERCE_STREAMS = ("customers", *ORDER_STREAMS)
#: Where the demo keeps a customer's RUT: the user's and the order's checkout-field meta, the
#: WooCommerce tap's default keys.
USER_RUT_KEY, ORDER_RUT_KEY = "billing_rut", "_billing_rut"
#: Shopify's customer state for a customer without an account: a WooCommerce guest.
GUEST_STATE = "DISABLED"
CENT = Decimal("0.01")


def woocommerce_records(dataset_dir: Path) -> dict[str, list[dict]]:
    """The store streams' records, by stream, as the WooCommerce tap maps this dataset's store
    served by WooCommerce."""
    tables = {name: _frame(dataset_dir, name) for name in ("customers", *ORDER_STREAMS)}
    customers = tables["customers"].set_index("customer_id", drop=False)
    guests = set(customers.index[customers["state"] == GUEST_STATE])
    rut_keys = [ORDER_RUT_KEY, USER_RUT_KEY]
    landed: dict[str, list[dict]] = {name: [] for name in WOOCOMMERCE_STREAMS}
    landed["customers"] = [
        records.customer_record(user(row), rut_keys)
        for row in customers.itertuples(index=False)
        if row.customer_id not in guests
    ]
    children = {name: _by_order(tables[name]) for name in records.CHILD_STREAMS}
    for row in tables["orders"].itertuples(index=False):
        customer = customers.loc[row.customer_id] if row.customer_id in customers.index else None
        node = order(
            row,
            customer,
            is_guest=row.customer_id in guests,
            lines=children["order_lines"].get(row.order_id, []),
            payments=children["transactions"].get(row.order_id, []),
            refunds=children["refunds"].get(row.order_id, []),
            completions=children["fulfillments"].get(row.order_id, []),
        )
        if not int(node["customer_id"]):
            landed["customers"].append(records.guest_record(node, rut_keys))
        mapped, its_children = records.order_with_children(
            node, [refund(r) for r in children["refunds"].get(row.order_id, [])]
        )
        landed["orders"].append(mapped)
        for name, found in its_children.items():
            landed[name] += found
    return landed


def _frame(dataset_dir: Path, name: str) -> pd.DataFrame:
    """A stream's table with missing values as None."""
    frame = read_stream(dataset_dir, name).to_pandas()
    return frame.astype(object).where(frame.notna(), None)


def _by_order(frame: pd.DataFrame) -> dict[str, list]:
    grouped: dict[str, list] = defaultdict(list)
    for row in frame.itertuples(index=False):
        grouped[row.order_id].append(row)
    return grouped


def wc_gmt(value) -> str | None:
    """An instant as WooCommerce's ``*_gmt`` fields write it (UTC, no offset)."""
    if value is None:
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%S")


def amount(value) -> Decimal:
    return Decimal(str(value if value is not None else 0))


def wc_money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_EVEN))


def split_tax(gross, rate: Decimal) -> tuple[str, str]:
    """An amount with tax as WooCommerce keeps it: the amount without tax (two decimals) and
    the tax, which add up to the amount exactly."""
    total = amount(gross).quantize(CENT)
    net = (total / (1 + rate)).quantize(CENT, rounding=ROUND_HALF_EVEN)
    return wc_money(net), wc_money(total - net)


def user(row) -> dict:
    """A customer with an account, as ``/customers`` lists it."""
    return {
        "id": int(row.customer_id),
        "email": row.email,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "role": "customer",
        "billing": billing(row, row.email),
        "meta_data": [{"id": 1, "key": USER_RUT_KEY, "value": row.rut}] if row.rut else [],
        "date_created_gmt": wc_gmt(row.created_at),
        "date_modified_gmt": wc_gmt(row.updated_at),
    }


def billing(customer, email) -> dict:
    if customer is None:
        return {"email": email}
    return {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "email": email or customer.email,
        "phone": customer.phone,
        "city": customer.default_address_city,
        "state": customer.default_address_province_code,
        "country": customer.default_address_country_code,
    }


def status(row, payments: list) -> str:
    """The WooCommerce status the order's Shopify words describe."""
    paid = row.financial_status in {"PAID", "PARTIALLY_REFUNDED"}
    if row.financial_status == "REFUNDED":
        return "refunded"
    if row.cancelled_at is not None or row.financial_status == "VOIDED":
        return "cancelled"
    if paid:
        return "completed" if row.fulfillment_status == "FULFILLED" else "processing"
    if any(p.kind == "SALE" and p.status == "FAILURE" for p in payments):
        return "failed"
    return "pending"


def attribution(row) -> list[dict]:
    """Order Attribution's metas: the journey's last visit with a source, else its landing."""
    prefix = "last_visit_" if (row.last_visit_utm_source or row.last_visit_referring_site) else ""
    fields = {
        name: getattr(row, f"{prefix}utm_{name}" if prefix else f"landing_utm_{name}")
        for name in ("source", "medium", "campaign", "content", "term")
    }
    referrer = getattr(row, f"{prefix}referring_site" if prefix else "referring_site")
    entry = getattr(row, f"{prefix}landing_page" if prefix else "landing_page")
    source_type = "utm" if fields["source"] else "referral" if referrer else "typein"
    metas = {
        "source_type": source_type,
        **{f"utm_{name}": value for name, value in fields.items()},
        "referrer": referrer,
        "session_entry": entry,
        "session_count": (
            None if row.journey_moments_count is None else str(int(row.journey_moments_count))
        ),
    }
    return [
        {"id": 100 + i, "key": f"{records.ATTRIBUTION}{name}", "value": value}
        for i, (name, value) in enumerate(metas.items())
        if value is not None
    ]


def order(row, customer, *, is_guest, lines, payments, refunds, completions) -> dict:
    """An order as ``/orders`` lists it."""
    taxed = bool(row.taxes_included) and amount(row.total_tax_amount) > 0
    rate = (
        amount(row.total_tax_amount) / (amount(row.total_amount) - amount(row.total_tax_amount))
        if taxed
        else Decimal(0)
    )
    shipping, shipping_tax = split_tax(row.total_shipping_amount, rate)
    discount, discount_tax = split_tax(row.total_discounts_amount, rate)
    paid = [p for p in payments if p.kind == "SALE" and p.status == "SUCCESS"]
    completed = [c for c in completions if c.status == "SUCCESS"]
    state = status(row, payments)
    meta = attribution(row)
    if customer is not None and customer.rut:
        meta.append({"id": 99, "key": ORDER_RUT_KEY, "value": customer.rut})
    return {
        "id": int(row.order_id),
        "number": row.order_name.lstrip("#"),
        "customer_id": 0 if is_guest or customer is None else int(row.customer_id),
        "status": state,
        "currency": row.currency,
        "prices_include_tax": bool(row.taxes_included),
        "date_created_gmt": wc_gmt(row.created_at),
        "date_modified_gmt": wc_gmt(row.updated_at),
        "date_paid_gmt": wc_gmt(min(p.processed_at for p in paid)) if paid else None,
        "date_completed_gmt": (
            wc_gmt(completed[0].created_at) if state == "completed" and completed else None
        ),
        "discount_total": discount,
        "discount_tax": discount_tax,
        "shipping_total": shipping,
        "shipping_tax": shipping_tax,
        "total_tax": wc_money(amount(row.total_tax_amount)),
        "total": wc_money(amount(row.total_amount)),
        "payment_method": paid[0].gateway if paid else (payments[0].gateway if payments else None),
        "created_via": row.source_name,
        "billing": billing(customer, row.email),
        "shipping": {
            "city": row.shipping_city,
            "state": row.shipping_province_code,
            "country": row.shipping_country_code,
        },
        "meta_data": meta,
        "line_items": [line_item(line, rate) for line in lines],
        "refunds": [
            {"id": int(r.refund_id), "reason": r.note, "total": wc_money(-amount(r.amount))}
            for r in refunds
        ],
    }


def line_item(line, rate: Decimal) -> dict:
    subtotal, subtotal_tax = split_tax(line.original_total_amount, rate)
    total, total_tax = split_tax(
        amount(line.original_total_amount) - amount(line.discount_amount), rate
    )
    variant = (
        [{"id": 1, "key": "pa_servicio", "display_key": "Servicio",
          "display_value": line.variant_title, "value": line.variant_title}]
        if line.variant_title else []
    )  # fmt: skip
    return {
        "id": int(line.order_line_id),
        "name": line.product_title,
        "product_id": int(line.product_id) if line.product_id else 0,
        "variation_id": int(line.variant_id) if line.variant_id else 0,
        "quantity": int(line.quantity),
        "sku": line.sku,
        "subtotal": subtotal,
        "subtotal_tax": subtotal_tax,
        "total": total,
        "total_tax": total_tax,
        "meta_data": variant,
    }


def refund(row) -> dict:
    """A refund as ``/orders/<id>/refunds`` lists it."""
    return {
        "id": int(row.refund_id),
        "date_created_gmt": wc_gmt(row.created_at),
        "amount": wc_money(amount(row.amount)),
        "reason": row.note,
    }
