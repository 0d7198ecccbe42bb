"""The Stripe streams: which list each reads and how an object becomes a record.

The store's streams (source ``shopify``): customers (and the guests of charges made without
one), orders read from the charges with their invoices expanded, each slice's order lines and
transactions as child streams, and refunds. The ``stripe`` source's stream: subscriptions.
Names, columns and keys are the raw contract's (``cerebro_raw_contract``).
"""

from __future__ import annotations

import sys
import typing as t

from cerebro_tap_kit.order_children import HeldChildStream, OrderChildren

from tap_cerebro_stripe import records
from tap_cerebro_stripe.client import CreatedSlices, StripeStream

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from singer_sdk.helpers.types import Context

CHILD_STREAMS = ("order_lines", "transactions")


class StoreStream(StripeStream):
    """A stream of the store's source."""

    source = "shopify"


class CustomersStream(CreatedSlices, StoreStream):
    """Customers created in the window (their tax ids expanded, for the RUT), then one record
    per charge made without a customer in the same window (a light second read of charges)."""

    name = "customers"
    list_path = "/customers"
    is_sorted = False  # customers by creation, then the guests of the charges
    # Customers and charges from before the bookmark, re-read by the lookback, come again.
    check_sorted = False

    def list_params(self) -> dict:
        return {"expand[]": "data.tax_ids"}

    def get_records(self, context: Context | None) -> Iterator[dict]:
        rut_key = self.config["rut_metadata_key"]
        for customer in self.created_objects(context):
            yield records.customer_record(customer, rut_key)
        for charge in self.created_objects(context, "/charges", {}):
            if not charge.get("customer") and records.is_order(charge):
                yield records.guest_record(charge)


class OrdersStream(CreatedSlices, StoreStream):
    """Orders from the charges created in the window, oldest first, their invoices expanded:
    an invoice's charge brings the invoice as the order, a charge without one is the order."""

    name = "orders"
    list_path = "/charges"
    # State is written after each slice's children; the SDK's every-N-records STATE could
    # claim orders whose children are still held.
    STATE_MSG_FREQUENCY = sys.maxsize
    is_sorted = True  # each slice is emitted oldest first
    check_sorted = False  # the lookback re-reads older charges on purpose

    def __init__(self, tap, children: OrderChildren) -> None:
        super().__init__(tap)
        self.children = children

    def list_params(self) -> dict:
        return {"expand[]": "data.invoice"}

    def get_records(self, context: Context | None) -> Iterator[dict]:
        slice_orders: dict[str, dict] = {}
        children: dict[str, list[dict]] = {name: [] for name in CHILD_STREAMS}
        last_created = None
        for charge in self.created_objects(context):
            if last_created is not None and charge["created"] // 86400 != last_created // 86400:
                yield from self._emit(slice_orders, children)
                slice_orders, children = {}, {name: [] for name in CHILD_STREAMS}
            last_created = charge["created"]
            if not records.is_order(charge):
                continue
            order = records.order_record(charge)
            if order["order_id"] not in slice_orders:
                children["order_lines"] += self.line_records(charge, order)
            slice_orders.pop(order["order_id"], None)  # re-inserted last: the latest charge's
            slice_orders[order["order_id"]] = order
            children["transactions"].append(records.transaction_record(charge, order))
        yield from self._emit(slice_orders, children)

    def _emit(self, orders: dict[str, dict], children: dict[str, list[dict]]) -> Iterator[dict]:
        if not orders:
            return
        emitted = list(orders.values())
        self.children.hold(emitted[-1]["order_id"], children)
        yield from emitted

    def line_records(self, charge: dict, order: dict) -> list[dict]:
        """The invoice's lines (every page of them), or the charge's one line."""
        invoice = records.invoice_of(charge)
        if invoice is None:
            return [records.charge_line_record(charge, order)]
        listed = invoice.get("lines") or {}
        lines = list(listed.get("data") or [])
        if listed.get("has_more"):
            lines = list(self.list_all(f"/invoices/{invoice['id']}/lines", {}))
        return [records.invoice_line_record(line, invoice["currency"], order) for line in lines]

    def generate_child_contexts(self, record: dict, context: Context | None) -> Iterator[dict]:
        """Children are synced once per page of orders (cerebro_tap_kit.order_children)."""
        yield from self.children.contexts_after(record)


class OrderChildStream(HeldChildStream, StoreStream):
    """A list of an order, emitted after its day of orders, with the order's keys."""

    parent_stream_type = OrdersStream


class OrderLinesStream(OrderChildStream):
    name = "order_lines"


class TransactionsStream(OrderChildStream):
    name = "transactions"


class RefundsStream(CreatedSlices, StoreStream):
    """Refunds created in the window that went through (their charge expanded, for its order)."""

    name = "refunds"
    list_path = "/refunds"
    is_sorted = True
    check_sorted = False

    def list_params(self) -> dict:
        return {"expand[]": "data.charge"}

    def get_records(self, context: Context | None) -> Iterator[dict]:
        for refund in self.created_objects(context):
            if refund.get("status") == "succeeded":
                yield records.refund_record(refund)


class SubscriptionsStream(StripeStream):
    """Every subscription, canceled ones included, read whole on every run (its status
    changes at any time, and Stripe lists by creation only)."""

    source = "stripe"
    name = "subscriptions"
    full_table = True

    def get_records(self, context: Context | None) -> Iterator[dict]:
        # Without status=all Stripe lists only the subscriptions not canceled.
        for subscription in self.list_all("/subscriptions", {"status": "all"}):
            yield records.subscription_record(subscription)
