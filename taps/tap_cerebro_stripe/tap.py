"""tap-cerebro-stripe: a Stripe account's customers, orders (its invoices, and its charges made
without one) with their lines and payments, and refunds, landed as the raw contract's store
streams; or, run for the ``stripe`` source, its subscriptions."""

from __future__ import annotations

import datetime as dt
import functools

from cerebro_raw_contract import STORE_PLATFORM_TAPS
from cerebro_tap_kit.clear_errors import ClearErrors
from cerebro_tap_kit.clock import Clock, SystemClock
from cerebro_tap_kit.order_children import OrderChildren
from cerebro_tap_kit.settings import tenant_id_property
from singer_sdk import Tap
from singer_sdk import typing as th

from tap_cerebro_stripe.client import API_VERSION, MAX_PAGE_SIZE, StripeStream
from tap_cerebro_stripe.streams import (
    CustomersStream,
    OrderLinesStream,
    OrdersStream,
    RefundsStream,
    SubscriptionsStream,
    TransactionsStream,
)

SOURCES = STORE_PLATFORM_TAPS["stripe"]


class TapCerebroStripe(ClearErrors, Tap):
    """A Stripe account for one tenant."""

    name = "tap-cerebro-stripe"
    #: "Now" (the window's end) and waiting (backoff); tests set a fake clock.
    clock: Clock = SystemClock()

    config_jsonschema = th.PropertiesList(
        tenant_id_property(),
        th.Property(
            "api_key", th.StringType, required=True, secret=True,
            description="A restricted key with read access to Charges, Customers, Invoices, "
            "Refunds and Subscriptions (rk_live_...), or the secret key (sk_live_...).",
        ),
        th.Property(
            "start_date", th.DateTimeType, required=True,
            description="Read what was created at or after this instant when a stream has no "
            "bookmark.",
        ),
        th.Property(
            "end_date", th.DateTimeType,
            description="Read what was created before this instant (exclusive). Unset: the "
            "moment the sync starts.",
        ),
        th.Property(
            "source", th.StringType(allowed_values=list(SOURCES)), default=SOURCES[0],
            description="Which source this run lands (Cerebro sets it): shopify, the store's "
            "customers, orders, lines, payments and refunds; stripe, the subscriptions.",
        ),
        th.Property(
            "lookback_days", th.IntegerType(minimum=0), default=7,
            description="Days re-read before each bookmark: payments settle and refunds come "
            "after a charge is created.",
        ),
        th.Property(
            "slice_days", th.IntegerType(minimum=1), default=7,
            description="Days of creation read per slice; a sync cut short resumes from the "
            "last slice it finished.",
        ),
        th.Property(
            "page_size", th.IntegerType(minimum=1, maximum=MAX_PAGE_SIZE),
            default=MAX_PAGE_SIZE,
            description="Objects per page (Stripe's limit, at most 100).",
        ),
        th.Property(
            "rut_metadata_key", th.StringType, default="rut",
            description="Customer metadata key of the RUT, when the customer has no Chilean "
            "tax id (cl_tin).",
        ),
        th.Property(
            "api_version", th.StringType, default=API_VERSION,
            description="Stripe-Version sent with every request: the objects' shapes the tap "
            "reads. Change it only with the tap.",
        ),
        th.Property(
            "base_url", th.StringType,
            description="API origin instead of https://api.stripe.com (a proxy or a test "
            "server).",
        ),
    ).to_dict()  # fmt: skip

    @functools.cached_property
    def window_end(self) -> dt.datetime:
        """Exclusive upper bound of the creation times read: ``end_date``, else when this sync
        began; what is created during the sync is read by the next one."""
        end = self.config.get("end_date")
        if end:
            parsed = dt.datetime.fromisoformat(str(end))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        return self.clock.now().astimezone(dt.UTC).replace(microsecond=0)

    def discover_streams(self) -> list[StripeStream]:
        """The store's streams, or the subscriptions (``source``)."""
        if self.config.get("source", SOURCES[0]) == "stripe":
            return [SubscriptionsStream(self)]
        children = OrderChildren()
        return [
            CustomersStream(self),
            OrdersStream(self, children),
            OrderLinesStream(self, children),
            TransactionsStream(self, children),
            RefundsStream(self),
        ]


if __name__ == "__main__":
    TapCerebroStripe.cli()
