"""Cerebro's raw stream contract: the streams every source lands, their keys and their schemas.

The one definition the demo tap, the real taps, the tenants configuration and the tests read
(docs/decisions/0002). A stream is a table ``raw_<source>.<stream>``; its columns are the JSON
schema ``schemas/<source>/<stream>.json`` (found by convention, never copied into a tap), its
upsert key is ``primary_keys`` (``tenant_id`` first) and ``replication_key`` is the column an
incremental read bookmarks on. A tap that reads its whole source on every run (the CSV exports,
the calendar) lands the same columns and keys without a bookmark.

Plain Python and JSON, no Singer: configuration and tests read it without loading a tap.
Singer streams adopt it through ``cerebro_tap_kit.contract_stream.ContractStream``.
"""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass
from pathlib import Path

SCHEMAS_DIR = Path(__file__).parent / "schemas"


@dataclass(frozen=True)
class RawStream:
    """One stream of the contract: the raw table a tap lands and how rows are keyed."""

    source: str
    name: str
    primary_keys: tuple[str, ...]
    replication_key: str

    @property
    def table(self) -> str:
        """The landed table, ``raw_<source>.<stream>``."""
        return f"raw_{self.source}.{self.name}"

    def schema(self) -> dict:
        """The stream's JSON schema (a copy: a caller may change it without touching others')."""
        return copy.deepcopy(_schema(self.source, self.name))


@functools.cache
def _schema(source: str, name: str) -> dict:
    return json.loads((SCHEMAS_DIR / source / f"{name}.json").read_text(encoding="utf-8"))


def _shopify(name: str, key: str, replication_key: str = "updated_at") -> RawStream:
    return RawStream("shopify", name, ("tenant_id", key), replication_key)


def _report_accounts(source: str, name: str, key: str) -> RawStream:
    # The accounts of a daily report and the span of days read for each (re-emitted whole on
    # every run; the replication key is the last day read).
    return RawStream(source, name, ("tenant_id", key), "report_end_date")


def _order_child(name: str, key: str) -> RawStream:
    # Child lists of an order are re-read whenever their order changes (decision 0002).
    return _shopify(name, key, replication_key="order_updated_at")


def _cost(name: str, key: str) -> RawStream:
    # A cost input: one row per item and the local day from which its cost is valid.
    return RawStream("costs", name, ("tenant_id", key, "valid_from"), "valid_from")


#: Every stream, source after source, in the order a tenant's sources are landed.
STREAMS: tuple[RawStream, ...] = (
    _shopify("customers", "customer_id"),
    _shopify("orders", "order_id"),
    _order_child("order_lines", "order_line_id"),
    _order_child("transactions", "transaction_id"),
    _order_child("refunds", "refund_id"),
    _order_child("fulfillments", "fulfillment_id"),
    _shopify("checkouts", "checkout_id"),
    RawStream(
        "meta_ads",
        "ads_insights",
        ("tenant_id", "account_id", "campaign_id", "date_start"),
        "date_start",
    ),
    _report_accounts("meta_ads", "ad_accounts", "account_id"),
    RawStream(
        "google_ads",
        "campaign_performance",
        ("tenant_id", "account_id", "campaign_id", "date"),
        "date",
    ),
    _report_accounts("google_ads", "accounts", "account_id"),
    RawStream(
        "tiktok_ads",
        "campaign_reports",
        ("tenant_id", "advertiser_id", "campaign_id", "stat_date"),
        "stat_date",
    ),
    _report_accounts("tiktok_ads", "advertisers", "advertiser_id"),
    RawStream(
        "amazon_ads",
        "sp_campaigns",
        ("tenant_id", "profile_id", "campaign_id", "date"),
        "date",
    ),
    _report_accounts("amazon_ads", "profiles", "profile_id"),
    # Mercado Libre's Product Ads (decision 0068): a campaign's day as Mercado Ads reports it.
    RawStream(
        "mercadolibre_ads",
        "campaign_reports",
        ("tenant_id", "advertiser_id", "campaign_id", "date"),
        "date",
    ),
    _report_accounts("mercadolibre_ads", "advertisers", "advertiser_id"),
    RawStream(
        "csv", "ad_spend", ("tenant_id", "date", "platform", "account_id", "campaign_name"), "date"
    ),
    RawStream(
        "search_console",
        "performance_by_date",
        ("tenant_id", "site_url", "search_type", "date"),
        "date",
    ),
    RawStream(
        "search_console",
        "performance_by_page",
        ("tenant_id", "site_url", "search_type", "date", "page"),
        "date",
    ),
    RawStream(
        "search_console",
        "performance_by_query",
        ("tenant_id", "site_url", "search_type", "date", "query"),
        "date",
    ),
    # GA4's sessions, users, engaged sessions and key events per property, day (the property's
    # reporting time zone) and session source / medium / campaign (decision 0074). GA4 writes
    # "(not set)", "(direct)" and "(none)" where a value is missing, so no key column is null.
    RawStream(
        "ga4",
        "traffic_daily",
        (
            "tenant_id",
            "property_id",
            "date",
            "session_source",
            "session_medium",
            "session_campaign_name",
        ),
        "date",
    ),
    RawStream("calendar", "events", ("tenant_id", "event_date", "event_name"), "event_date"),
    # A subscription business's subscriptions (Stripe's), re-read whole on every run: their
    # status changes at any time and Stripe lists them by creation only.
    RawStream("stripe", "subscriptions", ("tenant_id", "subscription_id"), "created_at"),
    # Daily exchange rates (decision 0061): one rate per currency pair and day it is in force,
    # ``rate`` units of the quote currency per unit of the base currency.
    RawStream(
        "exchange_rates",
        "daily_rates",
        ("tenant_id", "base_currency", "quote_currency", "rate_date"),
        "rate_date",
    ),
    # What Klaviyo recorded after a list was synced (decision 0065): one row per event of the
    # e-mail metrics read (received, opened, clicked, ordered), with the e-mail's hash only.
    RawStream("klaviyo", "email_events", ("tenant_id", "event_id"), "occurred_at"),
    # What became of the WhatsApp messages the activation sent (decision 0066): one row per
    # status Meta's webhooks reported (sent, delivered, read, failed) for a message id, read
    # from the receiver's spool in the order it was received (the spool file is the bookmark).
    RawStream(
        "whatsapp",
        "message_statuses",
        ("tenant_id", "message_id", "status", "status_at"),
        "spool_file",
    ),
    # Cost inputs of the contribution margin (decision 0036): each row is valid from its
    # valid_from (a local day) until the next row of the same key.
    _cost("product_costs", "sku"),
    _cost("payment_fees", "gateway"),
    _cost("order_costs", "cost_name"),
    RawStream("costs", "tax_rates", ("tenant_id", "valid_from"), "valid_from"),
)
#: Source -> its streams' names.
STREAMS_BY_SOURCE: dict[str, tuple[str, ...]] = {
    source: tuple(s.name for s in STREAMS if s.source == source)
    for source in dict.fromkeys(s.source for s in STREAMS)
}
SOURCES: tuple[str, ...] = tuple(STREAMS_BY_SOURCE)
#: The store's source: Shopify's streams, which every store platform lands.
STORE_SOURCE = "shopify"
#: Taps of other store platforms, and the sources they land: the store's streams in Shopify's
#: shapes first (a tenant names the tap under the store's source, and every model reads it
#: unchanged), then any source of their own (decision 0060). A tap that lands more than one
#: is told which by its ``source`` setting.
STORE_PLATFORM_TAPS: dict[str, tuple[str, ...]] = {
    "woocommerce": (STORE_SOURCE,),
    "stripe": (STORE_SOURCE, "stripe"),
    # Mercado Libre: the marketplace's orders as the store, its Product Ads spend beside
    # (decision 0068).
    "mercadolibre": (STORE_SOURCE, "mercadolibre_ads"),
}


def sources_of_tap(tap: str) -> tuple[str, ...]:
    """The sources a tap lands: a store platform's, or the one named after the tap
    (``cerebro tenants add --source stripe`` writes an entry for each)."""
    return STORE_PLATFORM_TAPS.get(tap, (tap,))


def raw_stream(source: str, name: str) -> RawStream:
    """The contract of one stream of a source."""
    for stream in STREAMS:
        if (stream.source, stream.name) == (source, name):
            return stream
    known = STREAMS_BY_SOURCE.get(source)
    if known is None:
        raise KeyError(f"no source {source!r} in the raw contract; sources: {list(SOURCES)}")
    raise KeyError(f"no stream {name!r} in the raw contract of {source}; streams: {list(known)}")
