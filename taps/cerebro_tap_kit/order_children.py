"""An order's lists (lines, payments, refunds, fulfilments) as streams of their own, emitted
after their page of orders: the store taps (Shopify, WooCommerce, Stripe) read them with the
orders, in the same response, and hand them over here.

The SDK syncs a child stream once per parent context and writes a SCHEMA and a STATE message
each time; once per order that would cost more than the records, so the children of a page are
held until the page's last order has been emitted, and synced then, once. The STATE written
after them never claims an order whose children were not emitted: the SDK advances the
bookmark only after the parent record.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class OrderChildren:
    """The child records of a page of orders, handed from the orders stream to its children."""

    last_order_id: str | None = None
    by_stream: dict[str, list[dict]] = field(default_factory=dict)

    def hold(self, last_order_id: str, by_stream: dict[str, list[dict]]) -> None:
        """Keep a page's children until its last order is emitted and its children synced."""
        self.last_order_id, self.by_stream = last_order_id, by_stream

    def take(self, stream_name: str) -> list[dict]:
        """The held records of one child stream."""
        return self.by_stream.pop(stream_name, [])

    def contexts_after(self, order: dict) -> Iterator[dict]:
        """The orders stream's child context: one, after the page's last order."""
        if order["order_id"] == self.last_order_id:
            yield {"orders_updated_through": order["updated_at"]}


class HeldChildStream:
    """Mixed in before a tap's stream class (with ``parent_stream_type`` its orders stream):
    the stream emits what the orders stream held for it."""

    # One bookmark per stream, not one per order: the parent's window drives the reads.
    state_partitioning_keys: t.ClassVar[list[str]] = []

    def __init__(self, tap, children: OrderChildren) -> None:
        super().__init__(tap)
        self.children = children

    def get_records(self, context) -> Iterator[dict]:
        yield from self.children.take(self.name)
