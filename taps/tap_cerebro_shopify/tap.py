"""tap-cerebro-shopify: a store's customers, orders (with their lines, transactions,
refunds and fulfilments) and abandoned checkouts from the Shopify Admin GraphQL API,
in the raw shape the demo tap fixed (docs/decisions/0002)."""

from __future__ import annotations

from cerebro_tap_kit.clear_errors import ClearErrors
from cerebro_tap_kit.clock import Clock, SystemClock
from cerebro_tap_kit.order_children import OrderChildren
from cerebro_tap_kit.settings import tenant_id_property
from singer_sdk import Tap
from singer_sdk import typing as th

from tap_cerebro_shopify.client import ShopifyStream
from tap_cerebro_shopify.streams import (
    CheckoutsStream,
    CustomersStream,
    FulfillmentsStream,
    OrderLinesStream,
    OrdersStream,
    RefundsStream,
    TransactionsStream,
)

#: Shopify's largest page (`first`) on any connection.
#: https://shopify.dev/docs/api/usage/pagination-graphql
MAX_PAGE_SIZE = 250


class TapCerebroShopify(ClearErrors, Tap):
    name = "tap-cerebro-shopify"
    #: "Now" (the window's end) and waiting (throttling, backoff); tests set a fake clock.
    clock: Clock = SystemClock()

    config_jsonschema = th.PropertiesList(
        tenant_id_property(),
        th.Property(
            "shop",
            th.StringType,
            required=True,
            description="The store: its handle (`casafacil`) or `casafacil.myshopify.com`.",
        ),
        th.Property(
            "access_token",
            th.StringType,
            required=True,
            secret=True,
            description=(
                "Admin API access token of a custom app installed on the store (`shpat_...`) "
                "with the scopes read_customers, read_orders, read_all_orders, "
                "read_checkouts and read_fulfillments."
            ),
        ),
        th.Property(
            "api_version",
            th.StringType,
            default="2026-10",
            description=(
                "Admin API version (`YYYY-MM`). Shopify supports each version for a year: "
                "move it forward at least once a year."
            ),
        ),
        th.Property(
            "base_url",
            th.StringType,
            description=(
                "Origin to call instead of `https://<shop>.myshopify.com` (a proxy, or a local "
                "fake API in tests). The `/admin/api/<version>/graphql.json` path is appended."
            ),
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            description=(
                "Read records updated at or after this instant when a stream has no bookmark. "
                "Unset: the whole history."
            ),
        ),
        th.Property(
            "end_date",
            th.DateTimeType,
            description=(
                "Read records updated before this instant (exclusive). Unset: the moment the "
                "sync starts."
            ),
        ),
        th.Property(
            "lookback_minutes",
            th.IntegerType(minimum=0),
            default=10,
            description=(
                "Minutes re-read before each bookmark, for writes Shopify's search had not "
                "indexed yet when the previous sync ran."
            ),
        ),
        th.Property(
            "page_size",
            th.IntegerType(minimum=1, maximum=MAX_PAGE_SIZE),
            default=MAX_PAGE_SIZE,
            description=(
                "Records requested per page (Shopify's maximum is 250). Pages shrink by "
                "themselves when a query would cost more than Shopify allows."
            ),
        ),
        th.Property(
            "metafield_namespace",
            th.StringType,
            default="custom",
            description=(
                "Namespace of the metafields read: customers' `rut`, `utm_source`, "
                "`utm_medium`, `utm_campaign`, `referring_site` and orders' `rating`."
            ),
        ),
    ).to_dict()

    def discover_streams(self) -> list[ShopifyStream]:
        """The seven streams; the orders stream hands each order's lists to its children."""
        children = OrderChildren()
        return [
            CustomersStream(self),
            OrdersStream(self, children),
            OrderLinesStream(self, children),
            TransactionsStream(self, children),
            RefundsStream(self, children),
            FulfillmentsStream(self, children),
            CheckoutsStream(self),
        ]


if __name__ == "__main__":
    TapCerebroShopify.cli()
