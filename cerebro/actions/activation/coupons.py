"""The rescue coupon each customer holds, for the messages that announce it.

A rescue coupon is created by the ``shopify_coupons`` destination and logged in
``ops.activation_log`` like every answer: the code is the row's ``vendor_ref`` and its detail
reads "<percent> hasta <last day>" (``rescue_offer.coupon_detail``). A one-shot message (WhatsApp's
template) that names ``discount_code`` or ``discount_percent`` takes them from the customer's
latest coupon still valid: the sync puts them in the member's attributes. A member without one
is not sent and counts as failed ("falta discount_code…"), so a later sync, after a coupon sync
gives them one, asks again.
"""

from __future__ import annotations

import datetime as dt

from cerebro.actions.activation.destination import SEND, SENT
from cerebro.actions.activation.log import SCHEMA, TABLE
from cerebro.actions.activation.rescue_offer import parse_coupon_detail
from cerebro.warehouse import Warehouse

COUPON_DESTINATION = "shopify_coupons"


def valid_coupons(warehouse: Warehouse, tenant_id: str, today: dt.date) -> dict[str, dict]:
    """Customer id -> ``{"discount_code", "discount_percent"}`` of the customer's latest coupon
    whose last day is ``today`` or later."""
    if not warehouse.table_exists(SCHEMA, TABLE):
        return {}
    rows = warehouse.query(
        f"select customer_id, vendor_ref, detail from {SCHEMA}.{TABLE} "
        "where tenant_id = %(tenant_id)s and destination = %(destination)s "
        "and action = %(action)s and status = %(status)s and vendor_ref is not null "
        "order by logged_at",
        {"tenant_id": tenant_id, "destination": COUPON_DESTINATION, "action": SEND,
         "status": SENT},
    )  # fmt: skip
    coupons = {}
    for row in rows.itertuples(index=False):  # oldest first: the latest coupon wins
        percent, last_day = parse_coupon_detail(row.detail)
        if last_day is not None and last_day >= today:
            coupon = {"discount_code": row.vendor_ref, "discount_percent": percent}
            coupons[row.customer_id] = coupon
        else:
            coupons.pop(row.customer_id, None)
    return coupons
