"""tap-cerebro-mercadolibre: a Mercado Libre seller's orders (with their buyers, items,
payments, refunds and shipments) landed as the raw contract's store streams, and its Product
Ads spend by campaign and day as an ad source of its own, with each advertiser read and its
span of days read (decision 0068)."""

from __future__ import annotations

import datetime as dt
import functools

from cerebro_raw_contract import STORE_PLATFORM_TAPS
from cerebro_tap_kit.clear_errors import ClearErrors
from cerebro_tap_kit.clock import Clock, SystemClock
from cerebro_tap_kit.order_children import OrderChildren
from cerebro_tap_kit.report_accounts import AccountsAfterReports
from cerebro_tap_kit.settings import tenant_id_property
from singer_sdk import Tap
from singer_sdk import typing as th

from tap_cerebro_mercadolibre.auth import MercadoLibreOAuth, TokenStore
from tap_cerebro_mercadolibre.client import API_BASE, TOKEN_PATH
from tap_cerebro_mercadolibre.streams import (
    MAX_ORDERS_PAGE,
    AdvertisersStream,
    CampaignReportsStream,
    CustomersStream,
    FulfillmentsStream,
    OrderLinesStream,
    OrdersStream,
    RefundsStream,
    TransactionsStream,
)

SOURCES = STORE_PLATFORM_TAPS["mercadolibre"]


class TapCerebroMercadoLibre(ClearErrors, AccountsAfterReports, Tap):
    """A Mercado Libre seller for one tenant."""

    name = "tap-cerebro-mercadolibre"
    #: "Now" (the window's end, the token's expiry) and waiting; tests set a fake clock.
    clock: Clock = SystemClock()

    config_jsonschema = th.PropertiesList(
        tenant_id_property(),
        th.Property(
            "seller_id", th.StringType, required=True,
            description="The seller's Mercado Libre user id (the user_id the token endpoint "
            "answers; /users/me shows it).",
        ),
        th.Property(
            "client_id", th.StringType, required=True,
            description="The app's id (App ID) in Mercado Libre's DevCenter.",
        ),
        th.Property(
            "client_secret", th.StringType, required=True, secret=True,
            description="The app's secret key.",
        ),
        th.Property(
            "refresh_token", th.StringType, required=True, secret=True,
            description="A refresh token the seller granted with the read and offline_access "
            "scopes. It works once: each refresh's new token is kept in token_store_path.",
        ),
        th.Property(
            "token_store_path", th.StringType,
            description="File where the rotated refresh token is kept (owner-only, replaced "
            "atomically; Cerebro sets it in the tenant's state folder). Unset: nothing is kept and "
            "the next run's refresh_token must be a new one.",
        ),
        th.Property(
            "start_date", th.DateTimeType, required=True,
            description="Read orders updated at or after this instant, and Product Ads from "
            "this day (at most 90 days back), when a stream has no bookmark.",
        ),
        th.Property(
            "end_date", th.DateTimeType,
            description="Read orders updated before this instant (exclusive) and Product Ads "
            "through its day. Unset: the moment the sync starts.",
        ),
        th.Property(
            "source", th.StringType(allowed_values=list(SOURCES)), default=SOURCES[0],
            description="Which source this run lands (Cerebro sets it): shopify, the orders "
            "and what comes with them; mercadolibre_ads, Product Ads by campaign and day and "
            "the advertisers read, with the span of days read for each.",
        ),
        th.Property(
            "lookback_minutes", th.IntegerType(minimum=0), default=30,
            description="Minutes re-read before the orders' bookmark.",
        ),
        th.Property(
            "slice_hours", th.IntegerType(minimum=1), default=24,
            description="Hours of last updates read per slice of orders; a sync cut short "
            "resumes from the last order it emitted.",
        ),
        th.Property(
            "page_size", th.IntegerType(minimum=1, maximum=MAX_ORDERS_PAGE),
            default=MAX_ORDERS_PAGE,
            description="Orders per page (the search's limit, at most 51).",
        ),
        th.Property(
            "read_shipments", th.BooleanType, default=True,
            description="Read each order's shipment (one request per order) for its delivery.",
        ),
        th.Property(
            "advertiser_ids", th.ArrayType(th.StringType),
            description="Product Ads advertisers to read. Unset: every advertiser the token "
            "sees.",
        ),
        th.Property(
            "ads_lookback_days", th.IntegerType(minimum=0), default=7,
            description="Days of Product Ads re-read before the bookmark (attributed sales "
            "are still counted for a few days).",
        ),
        th.Property(
            "base_url", th.StringType,
            description=f"API origin instead of {API_BASE} (a proxy or a test server).",
        ),
    ).to_dict()  # fmt: skip

    @functools.cached_property
    def window_end(self) -> dt.datetime:
        """Exclusive upper bound of the updates read: ``end_date``, else when this sync
        began; what changes during the sync is read by the next one."""
        end = self.config.get("end_date")
        if end:
            parsed = dt.datetime.fromisoformat(str(end))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        return self.clock.now().astimezone(dt.UTC).replace(microsecond=0)

    @functools.cached_property
    def oauth(self) -> MercadoLibreOAuth:
        """The seller's token, shared by every stream (its refresh token works once)."""
        base = str(self.config.get("base_url") or API_BASE).rstrip("/")
        return MercadoLibreOAuth(
            token_url=f"{base}{TOKEN_PATH}",
            client_id=str(self.config["client_id"]),
            client_secret=str(self.config["client_secret"]),
            refresh_token=str(self.config["refresh_token"]),
            store=TokenStore(self.config.get("token_store_path")),
            clock=self.clock,
        )

    def discover_streams(self) -> list:
        """The orders and what they bring, or Product Ads and the advertisers read
        (``source``)."""
        if self.config.get("source", SOURCES[0]) == "mercadolibre_ads":
            return [CampaignReportsStream(self), AdvertisersStream(self)]
        children = OrderChildren()
        return [
            OrdersStream(self, children),
            CustomersStream(self, children),
            OrderLinesStream(self, children),
            TransactionsStream(self, children),
            RefundsStream(self, children),
            FulfillmentsStream(self, children),
        ]


if __name__ == "__main__":
    TapCerebroMercadoLibre.cli()
