"""tap-cerebro-woocommerce: a WooCommerce store's customers (registered and guests) and orders
(with their lines, payments, refunds and completions) from the REST API (wc/v3), landed as the
raw contract's store streams so that every model reads them as it reads Shopify's."""

from __future__ import annotations

import datetime as dt
import functools

from cerebro_tap_kit.clear_errors import ClearErrors
from cerebro_tap_kit.clock import Clock, SystemClock
from cerebro_tap_kit.order_children import OrderChildren
from cerebro_tap_kit.settings import tenant_id_property
from singer_sdk import Tap
from singer_sdk import typing as th

from tap_cerebro_woocommerce.client import MAX_PAGE_SIZE, WooCommerceStream, store_origin
from tap_cerebro_woocommerce.streams import (
    CustomersStream,
    FulfillmentsStream,
    OrderLinesStream,
    OrdersStream,
    RefundsStream,
    TransactionsStream,
)

#: Where Chilean checkout-field plugins keep the buyer's RUT: the order's meta (``_billing_rut``)
#: and the user's (``billing_rut``).
DEFAULT_RUT_META_KEYS = ["_billing_rut", "billing_rut"]


class TapCerebroWooCommerce(ClearErrors, Tap):
    """A WooCommerce store for one tenant."""

    name = "tap-cerebro-woocommerce"
    #: "Now" (the window's end) and waiting (throttling, backoff); tests set a fake clock.
    clock: Clock = SystemClock()

    config_jsonschema = th.PropertiesList(
        tenant_id_property(),
        th.Property(
            "store_url", th.StringType, required=True,
            description="The store's address (`https://tienda.cl`, or its folder when "
            "WordPress lives in one). HTTPS: WooCommerce takes API keys over plain HTTP only "
            "with OAuth 1.0a signatures.",
        ),
        th.Property(
            "consumer_key", th.StringType, required=True, secret=True,
            description="REST API consumer key (`ck_...`) with Read access, from WooCommerce > "
            "Settings > Advanced > REST API.",
        ),
        th.Property(
            "consumer_secret", th.StringType, required=True, secret=True,
            description="The key's consumer secret (`cs_...`).",
        ),
        th.Property(
            "query_string_auth", th.BooleanType, default=False,
            description="Send the key as query parameters instead of HTTP Basic credentials, "
            "for servers that drop the Authorization header (WooCommerce then answers "
            "woocommerce_rest_cannot_view to correct keys).",
        ),
        th.Property(
            "start_date", th.DateTimeType,
            description="Read orders and customers changed at or after this instant when a "
            "stream has no bookmark. Unset: the whole history.",
        ),
        th.Property(
            "end_date", th.DateTimeType,
            description="Read what changed before this instant (exclusive). Unset: the moment "
            "the sync starts.",
        ),
        th.Property(
            "lookback_minutes", th.IntegerType(minimum=0), default=10,
            description="Minutes re-read before each bookmark, for orders saved while the "
            "previous sync was reading.",
        ),
        th.Property(
            "page_size", th.IntegerType(minimum=1, maximum=MAX_PAGE_SIZE),
            default=MAX_PAGE_SIZE,
            description="Records per page (WooCommerce's per_page, at most 100).",
        ),
        th.Property(
            "rut_meta_keys", th.ArrayType(th.StringType), default=DEFAULT_RUT_META_KEYS,
            description="Meta keys holding the buyer's RUT, first found wins: the order's "
            "(guests) and the user's (registered customers), as a checkout-field plugin "
            "saves them.",
        ),
    ).to_dict()  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "store_url" in self.config:
            store_origin(self.config["store_url"])  # a store that cannot be reached: one line now

    @functools.cached_property
    def window_end(self) -> dt.datetime:
        """Exclusive upper bound of the modified dates read: ``end_date``, else when this sync
        began (whole seconds, as WooCommerce compares them). A fixed bound keeps the set still
        while it is paged; what changes during the sync is read by the next one."""
        end = self.config.get("end_date")
        if end:
            parsed = dt.datetime.fromisoformat(str(end))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        return self.clock.now().astimezone(dt.UTC).replace(microsecond=0)

    def discover_streams(self) -> list[WooCommerceStream]:
        """Customers, then orders with their four lists (an order hands them to its children)."""
        children = OrderChildren()
        return [
            CustomersStream(self),
            OrdersStream(self, children),
            OrderLinesStream(self, children),
            TransactionsStream(self, children),
            RefundsStream(self, children),
            FulfillmentsStream(self, children),
        ]


if __name__ == "__main__":
    TapCerebroWooCommerce.cli()
