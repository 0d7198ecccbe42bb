"""The Shopify streams: which query each runs and how a node becomes a record.

Names, columns and keys are the raw contract's (``cerebro_raw_contract``, docs/decisions/0002).
Order lines, transactions, refunds and fulfillments come with their order in the same
query and are emitted as child streams after each page of orders, carrying ``order_id``
and ``order_updated_at``, so they are re-read whenever their order changes.
"""

from __future__ import annotations

import datetime as dt
import sys
import typing as t

from cerebro_tap_kit.order_children import HeldChildStream, OrderChildren

from tap_cerebro_shopify import records
from tap_cerebro_shopify.client import ShopifyStream, load_query

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from singer_sdk.helpers.types import Context

#: Without the read_all_orders scope Shopify only exposes orders of the last 60 days.
#: https://shopify.dev/docs/api/usage/access-scopes#orders-permissions
ORDERS_VISIBLE_WITHOUT_READ_ALL_ORDERS = dt.timedelta(days=60)
CHILD_STREAMS = ("order_lines", "transactions", "refunds", "fulfillments")


class CustomersStream(ShopifyStream):
    name = "customers"
    connection = "customers"
    query_file = "customers.graphql"
    is_sorted = True  # sortKey: UPDATED_AT
    to_record = staticmethod(records.customer_record)

    def query_variables(self) -> dict:
        return {"metafieldNamespace": self.config["metafield_namespace"]}


class OrdersStream(ShopifyStream):
    name = "orders"
    # State is written after each page's children (see generate_child_contexts); the
    # SDK's every-N-records STATE could claim orders whose children are still held.
    STATE_MSG_FREQUENCY = sys.maxsize
    connection = "orders"
    query_file = "orders.graphql"
    is_sorted = True  # sortKey: UPDATED_AT
    to_record = staticmethod(records.order_record)
    #: Line items read with each order (each costs about 10 query points); an order with
    #: more has the rest read by a second query, in pages as large as the cost allows.
    line_items_first = 5
    more_line_items_page_size = 250

    def __init__(self, tap, children: OrderChildren) -> None:
        super().__init__(tap)
        self.children = children

    def query_variables(self) -> dict:
        return {
            "metafieldNamespace": self.config["metafield_namespace"],
            "lineItemsFirst": self.line_items_first,
        }

    def line_item_nodes(self, order_node: dict) -> list[dict]:
        """Every line item of an order, reading past the first page when there is more."""
        connection = order_node["lineItems"]
        nodes = list(connection["nodes"])
        while connection["pageInfo"]["hasNextPage"]:
            data, self.more_line_items_page_size = self.post_page(
                load_query("order_line_items.graphql"),
                {"id": order_node["id"], "after": connection["pageInfo"]["endCursor"]},
                self.more_line_items_page_size,
            )
            connection = data["order"]["lineItems"]
            nodes.extend(connection["nodes"])
        return nodes

    def get_records(self, context: Context | None) -> Iterator[dict]:
        oldest_created: str | None = None
        for page in self.request_pages(context):
            orders = [records.order_record(node) for node in page]
            if not orders:
                continue
            children: dict[str, list[dict]] = {name: [] for name in CHILD_STREAMS}
            for node, order in zip(page, orders, strict=True):
                children["order_lines"] += [
                    records.order_line_record(line, order) for line in self.line_item_nodes(node)
                ]
                children["transactions"] += [
                    records.transaction_record(item, order) for item in node["transactions"]
                ]
                children["refunds"] += [records.refund_record(i, order) for i in node["refunds"]]
                children["fulfillments"] += [
                    records.fulfillment_record(item, order) for item in node["fulfillments"]
                ]
            self.children.hold(orders[-1]["order_id"], children)
            for order in orders:
                created = order["created_at"]
                if created and (oldest_created is None or created < oldest_created):
                    oldest_created = created
                yield order
        self.warn_if_old_orders_hidden(context, oldest_created)

    def warn_if_old_orders_hidden(
        self, context: Context | None, oldest_created: str | None
    ) -> None:
        """Say so when a window reaching past 60 days found no order created before then."""
        start = self.window_start(context)
        horizon = self.window_end - ORDERS_VISIBLE_WITHOUT_READ_ALL_ORDERS
        if start is None or start >= horizon:
            return
        if oldest_created is None or dt.datetime.fromisoformat(oldest_created) >= horizon:
            self.logger.warning(
                "orders: the sync reached back to %s but no order created before %s came "
                "back. Shopify only shows orders of the last 60 days unless the app has the "
                "read_all_orders scope; if the store has older orders, grant it.",
                start.isoformat(),
                horizon.isoformat(),
            )

    def generate_child_contexts(self, record: dict, context: Context | None) -> Iterator[dict]:
        """Children are synced once per page of orders (cerebro_tap_kit.order_children)."""
        yield from self.children.contexts_after(record)


class OrderChildStream(HeldChildStream, ShopifyStream):
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


class CheckoutsStream(ShopifyStream):
    name = "checkouts"
    connection = "abandonedCheckouts"
    query_file = "checkouts.graphql"
    # No UPDATED_AT sort key on this connection: the bookmark moves when the sync ends.
    is_sorted = False
    to_record = staticmethod(records.checkout_record)
