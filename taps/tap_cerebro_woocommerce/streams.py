"""The WooCommerce streams: which collection each reads and how an object becomes a record.

Names, columns and keys are the raw contract's store streams (``cerebro_raw_contract``,
source ``shopify``). Order lines, payments, refunds and completions come with their order and
are emitted as child streams after each page of orders, carrying ``order_id`` and
``order_updated_at``, so they are re-read whenever their order changes (the Shopify tap's
pattern). WooCommerce core keeps no abandoned checkouts, so there is no checkouts stream.
"""

from __future__ import annotations

import datetime as dt
import sys
import typing as t

from cerebro_tap_kit.order_children import HeldChildStream, OrderChildren

from tap_cerebro_woocommerce import records
from tap_cerebro_woocommerce.client import (
    Keyset,
    ModifiedKeysetPaginator,
    TotalPagesPaginator,
    WooCommerceStream,
    next_keyset,
    parse_gmt,
    wc_date,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    import requests
    from singer_sdk.helpers.types import Context

#: What the guests' pass reads of each order (WordPress's ``_fields`` trims the answer).
GUEST_FIELDS = "id,customer_id,billing,meta_data,date_created_gmt,date_modified_gmt"


class IncrementalWindow:
    """The modified-date window a stream reads: from its bookmark (or ``start_date``) minus
    the lookback, to ``end_date`` or the instant the sync began (the tap's, shared by every
    stream, so the guests read for the customers and the orders stop at the same instant)."""

    def window_start(self: WooCommerceStream, context: Context | None) -> dt.datetime | None:
        """Inclusive lower bound: a few minutes before the bookmark, for orders saved while
        the previous sync read (the target upserts what is read twice)."""
        start = self.get_starting_timestamp(context)
        if start is None:
            return None
        if start.tzinfo is None:
            start = start.replace(tzinfo=dt.UTC)
        return start - dt.timedelta(minutes=int(self.config["lookback_minutes"]))

    def window_params(self: WooCommerceStream, position: Keyset) -> dict:
        """``orderby=modified`` from a keyset position, bounded by the window's end."""
        after, read = position
        params = {
            "orderby": "modified",
            "order": "asc",
            "dates_are_gmt": "true",
            "modified_before": wc_date(self._tap.window_end),
            "per_page": self.page_size,
        }
        if after is not None:
            # modified_after is exclusive: one second earlier takes the bound's own second.
            params["modified_after"] = wc_date(after - dt.timedelta(seconds=1))
        if read:
            params["exclude"] = ",".join(str(order_id) for order_id in read)
        return params


class CustomersStream(IncrementalWindow, WooCommerceStream):
    """Registered customers (WordPress users), and one record per guest order.

    wc/v3 cannot filter customers by date: every user is read (by id, so one registering
    during the sync only adds a page) and those changed in the window are emitted. Guests are
    read from the orders modified in the same window (this stream's own bookmark, so an
    interrupted sync loses none), a light second pass over the orders.
    """

    name = "customers"
    path = "/customers"
    # Users come by id, guests by order date: the bookmark moves once the sync is done.
    is_sorted = False

    def get_new_paginator(self) -> TotalPagesPaginator:
        """Users page by number."""
        return TotalPagesPaginator(start_value=1)

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict:
        """Every user with any role (an order may belong to a shop manager), oldest id first."""
        return {
            "page": next_page_token,
            "per_page": self.page_size,
            "orderby": "id",
            "order": "asc",
            "role": "all",
        }

    def get_records(self, context: Context | None) -> Iterator[dict]:
        """The window's registered customers, then the window's guest orders' records."""
        start = self.window_start(context)
        end = self._tap.window_end
        rut_keys = list(self.config["rut_meta_keys"])
        for customer in self.request_records(context):
            changed = parse_gmt(customer.get("date_modified_gmt") or customer["date_created_gmt"])
            if (start is None or changed >= start) and changed < end:
                yield records.customer_record(customer, rut_keys)
        for order in self.guest_orders(start):
            if not int(order.get("customer_id") or 0):
                yield records.guest_record(order, rut_keys)

    def guest_orders(self, start: dt.datetime | None) -> Iterator[dict]:
        """Every order modified in the window, with only the fields a guest's record needs,
        by the orders' keyset pages."""
        position: Keyset = (start, ())
        while True:
            page = self.get("/orders", {**self.window_params(position), "_fields": GUEST_FIELDS})
            yield from page
            if len(page) < self.page_size:
                return
            position = next_keyset(page, position)


class OrdersStream(IncrementalWindow, WooCommerceStream):
    """Orders modified in the window, oldest change first, by keyset pages."""

    name = "orders"
    path = "/orders"
    # State is written after each page's children (see generate_child_contexts); the SDK's
    # every-N-records STATE could claim orders whose children are still held.
    STATE_MSG_FREQUENCY = sys.maxsize
    is_sorted = True  # orderby=modified, order=asc
    # The lookback re-reads orders older than the bookmark on purpose.
    check_sorted = False

    def __init__(self, tap, children: OrderChildren) -> None:
        super().__init__(tap)
        self.children = children
        self._window_start: dt.datetime | None = None

    def get_new_paginator(self) -> ModifiedKeysetPaginator:
        """Keyset pages from the window's start."""
        return ModifiedKeysetPaginator(self._window_start, self.page_size)

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict:
        """Every status but trash (WooCommerce's ``any``), by modified date."""
        return self.window_params(next_page_token)

    def get_records(self, context: Context | None) -> Iterator[dict]:
        """The window's orders (the SDK's paging asks ``get_new_paginator`` for its start)."""
        self._window_start = self.window_start(context)
        yield from self.request_records(context)

    def parse_response(self, response: requests.Response) -> Iterator[dict]:
        """A page's orders, once the page's children are held for the child streams."""
        nodes = list(super().parse_response(response))
        if not nodes:
            return
        orders = []
        children: dict[str, list[dict]] = {name: [] for name in records.CHILD_STREAMS}
        for node in nodes:
            refunds = self.order_refunds(node["id"]) if node.get("refunds") else []
            order, its_children = records.order_with_children(node, refunds)
            orders.append(order)
            for name, found in its_children.items():
                children[name] += found
        self.children.hold(orders[-1]["order_id"], children)
        yield from orders

    def order_refunds(self, order_id: int) -> list[dict]:
        """Every refund of an order, with its date (the order lists only id and total)."""
        refunds, page = [], 1
        while True:
            found = self.get(
                f"/orders/{order_id}/refunds", {"page": page, "per_page": self.page_size}
            )
            refunds += found
            if len(found) < self.page_size:
                return refunds
            page += 1

    def generate_child_contexts(self, record: dict, context: Context | None) -> Iterator[dict]:
        """Children are synced once per page of orders (cerebro_tap_kit.order_children)."""
        yield from self.children.contexts_after(record)


class OrderChildStream(HeldChildStream, WooCommerceStream):
    """A list inside an order, emitted after its page of orders, with the order's keys."""

    parent_stream_type = OrdersStream


class OrderLinesStream(OrderChildStream):
    name = "order_lines"


class TransactionsStream(OrderChildStream):
    name = "transactions"


class RefundsStream(OrderChildStream):
    name = "refunds"


class FulfillmentsStream(OrderChildStream):
    name = "fulfillments"
