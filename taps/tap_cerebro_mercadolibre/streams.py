"""The Mercado Libre streams: the seller's orders as the store, Product Ads as an ad source.

Orders are searched by their last update (``order.date_last_updated.from`` / ``.to``) in
slices of ``slice_hours``. Mercado Libre sorts a search by creation date only, so a slice is
read whole (``offset`` pages of at most 51) and emitted sorted by (last update, id): the
bookmark only moves forward, and a sync cut short resumes from the last order it emitted.
The buyer, the items, the payments, the refunds and the shipment come with (or from) the
order and are emitted after each slice, as the other store taps do.
https://developers.mercadolibre.cl/es_ar/gestiona-ventas#Buscar-%C3%B3rdenes
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
import typing as t
from zoneinfo import ZoneInfo

from cerebro_tap_kit.contract_stream import ContractStream
from cerebro_tap_kit.daily_reports import DailyReportStream
from cerebro_tap_kit.order_children import HeldChildStream, OrderChildren
from cerebro_tap_kit.report_accounts import ReportAccountsStream

from tap_cerebro_mercadolibre import records
from tap_cerebro_mercadolibre.client import (
    SITES,
    MercadoLibreAPI,
    MercadoLibreStream,
    PagingPaginator,
    meli_time,
    parse_time,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from singer_sdk.helpers.types import Context

#: The largest ``limit`` of /orders/search; more is refused with 400.
MAX_ORDERS_PAGE = 51
#: The largest ``limit`` of the Product Ads campaign search.
MAX_CAMPAIGNS_PAGE = 50
#: Days Product Ads answers per request (``date_from`` to ``date_to``) and keeps.
MAX_REPORT_DAYS = 90
CHILD_STREAMS = ("customers", "order_lines", "transactions", "refunds", "fulfillments")
#: The Product Ads metrics read (cost and the sales Mercado Ads attributes to the ads).
CAMPAIGN_METRICS = "clicks,prints,cost,units_quantity,direct_amount,indirect_amount,total_amount"


class OrdersStream(MercadoLibreStream):
    """The seller's orders changed in the window, slice by slice, each slice sorted."""

    source = "shopify"
    name = "orders"
    path = "/orders/search"
    # State is written after each slice's children (see generate_child_contexts).
    STATE_MSG_FREQUENCY = sys.maxsize
    is_sorted = True  # each slice is emitted by (last update, id)
    check_sorted = False  # the lookback re-reads older orders on purpose

    def __init__(self, tap, children: OrderChildren) -> None:
        super().__init__(tap)
        self.children = children

    def window_start(self, context: Context | None) -> dt.datetime:
        """The bookmark (or ``start_date``) minus ``lookback_minutes``."""
        start = self.get_starting_timestamp(context)
        if start is None:
            start = parse_time(str(self.config["start_date"]))
        if start.tzinfo is None:
            start = start.replace(tzinfo=dt.UTC)
        return start - dt.timedelta(minutes=int(self.config["lookback_minutes"]))

    def slices(self, context: Context | None) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Consecutive ``[start, end)`` slices up to the tap's window end."""
        start, end = self.window_start(context), self._tap.window_end
        step = dt.timedelta(hours=int(self.config["slice_hours"]))
        while start < end:
            yield start, min(start + step, end)
            start += step

    def search(self, start: dt.datetime, end: dt.datetime) -> list[dict]:
        """Every order updated in ``[start, end)``: the filter's bounds are inclusive, so the
        request ends a millisecond early and the answer is checked."""
        found, offset, page = [], 0, int(self.config["page_size"])
        while True:
            answer = self.get(
                self.path,
                {
                    "seller": self.config["seller_id"],
                    "order.date_last_updated.from": meli_time(start),
                    "order.date_last_updated.to": meli_time(end - dt.timedelta(milliseconds=1)),
                    "sort": "date_asc",
                    "offset": offset,
                    "limit": page,
                },
            )
            results = answer.get("results") or []
            found += [o for o in results if start <= parse_time(o["date_last_updated"]) < end]
            offset += page
            if not results or offset >= int((answer.get("paging") or {}).get("total") or 0):
                return found

    def shipment(self, order: dict) -> dict | None:
        """The order's shipment (``/shipments/{id}``), when it has one and they are read."""
        shipping_id = (order.get("shipping") or {}).get("id")
        if not shipping_id or not self.config["read_shipments"]:
            return None
        return self.get(f"/shipments/{shipping_id}")

    def get_records(self, context: Context | None) -> Iterator[dict]:
        """Each slice's orders, sorted, after holding their children."""
        for start, end in self.slices(context):
            nodes = sorted(
                self.search(start, end),
                key=lambda o: (parse_time(o["date_last_updated"]), int(o["id"])),
            )
            if not nodes:
                continue
            held: dict[str, list[dict]] = {name: [] for name in CHILD_STREAMS}
            orders = []
            for node in nodes:
                shipment = self.shipment(node)
                order = records.order_record(node, shipment)
                orders.append(order)
                customer = records.customer_record(node)
                held["customers"] += [customer] if customer else []
                held["order_lines"] += records.order_line_records(node, order)
                held["transactions"] += records.transaction_records(node, order)
                held["refunds"] += records.refund_records(node, order)
                held["fulfillments"] += records.fulfillment_records(shipment, order)
            self.children.hold(orders[-1]["order_id"], held)
            yield from orders

    def generate_child_contexts(self, record: dict, context: Context | None) -> Iterator[dict]:
        """Children are synced once per slice of orders (cerebro_tap_kit.order_children)."""
        yield from self.children.contexts_after(record)


class OrderChildStream(HeldChildStream, MercadoLibreStream):
    """What an order brings, emitted after its slice of orders."""

    source = "shopify"
    parent_stream_type = OrdersStream


class CustomersStream(OrderChildStream):
    """The buyers of the slice's orders (one record per order; the latest wins)."""

    name = "customers"


class OrderLinesStream(OrderChildStream):
    name = "order_lines"


class TransactionsStream(OrderChildStream):
    name = "transactions"


class RefundsStream(OrderChildStream):
    name = "refunds"


class FulfillmentsStream(OrderChildStream):
    name = "fulfillments"


class CampaignReportsStream(MercadoLibreAPI, ContractStream, DailyReportStream):
    """Product Ads: one row per campaign and day, per advertiser (a partition each).

    https://developers.mercadolibre.cl/es_ar/product-ads-lectura
    """

    source = "mercadolibre_ads"
    name = "campaign_reports"
    window_days = MAX_REPORT_DAYS
    path = "/advertising/{site_id}/advertisers/{advertiser_id}/product_ads/campaigns/search"

    @property
    def http_headers(self) -> dict:
        """The advertising API wants its version named."""
        return {**super().http_headers, "Api-Version": "2"}

    @functools.cached_property
    def advertisers(self) -> dict[str, dict]:
        """The seller's Product Ads advertisers (``/advertising/advertisers``), by id, with
        their site's currency; only those in ``advertiser_ids`` when it is set."""
        answer = self.send_json(
            "GET",
            f"{self.url_base}/advertising/advertisers",
            params={"product_id": "PADS"},
            headers={"Api-Version": "1"},
        )
        wanted = {str(a) for a in self.config.get("advertiser_ids") or []}
        found = {}
        for advertiser in answer.get("advertisers") or []:
            advertiser_id = str(advertiser["advertiser_id"])
            if wanted and advertiser_id not in wanted:
                continue
            currency, timezone = SITES.get(str(advertiser.get("site_id")), (None, None))
            found[advertiser_id] = {**advertiser, "currency": currency, "timezone": timezone}
        return found

    @property
    def partitions(self) -> list[dict]:
        """One partition (and bookmark) per advertiser."""
        return [
            {"advertiser_id": advertiser_id, "site_id": advertiser["site_id"]}
            for advertiser_id, advertiser in self.advertisers.items()
        ]

    def report_timezone(self, context: dict | None) -> str:
        """Product Ads cuts days in its site's time zone (the advertisers endpoint names no
        time zone of the account: ``date_from`` / ``date_to`` are the site's days)."""
        advertiser = self.advertisers[(context or {})["advertiser_id"]]
        return advertiser.get("timezone") or "America/Santiago"

    def lookback_days(self) -> int:
        """Attributed sales of recent days are still being counted."""
        return int(self.config["ads_lookback_days"])

    def first_day(self, context: dict | None) -> dt.date:
        """The usual first day, but never before the days Product Ads keeps."""
        first = super().first_day(context)
        # Kept from 90 days before today (not before end_date: a backfill's end is in the past).
        today = self.clock.now().astimezone(ZoneInfo(self.report_timezone(context))).date()
        kept_from = today - dt.timedelta(days=MAX_REPORT_DAYS - 1)
        if first < kept_from:
            self.logger.warning(
                "%s: Product Ads keeps %d days; reading advertiser %s from %s, not %s",
                self.name, MAX_REPORT_DAYS, (context or {}).get("advertiser_id"), kept_from,
                first,
            )  # fmt: skip
        return max(first, kept_from)

    def get_new_paginator(self) -> PagingPaginator:
        """``offset`` pages of the largest size accepted."""
        return PagingPaginator(start_value=0, page_size=MAX_CAMPAIGNS_PAGE)

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict:
        """One window of days, each campaign's metrics by day."""
        return {
            "date_from": context["since"],
            "date_to": context["until"],
            "metrics": CAMPAIGN_METRICS,
            "aggregation_type": "DAILY",
            "offset": next_page_token or 0,
            "limit": MAX_CAMPAIGNS_PAGE,
        }

    def shape(self, row: dict, context: dict | None) -> dict:
        """A campaign's day as the contract's record."""
        return records.campaign_report_record(row, self.advertisers[context["advertiser_id"]])


class AdvertisersStream(ReportAccountsStream):
    """Each Product Ads advertiser read, its site, currency and time zone, and the days read
    for it: a day of that span without a campaign row had no delivery (the ads were paused or
    the budget spent), a day outside it is unknown (cerebro_tap_kit.report_accounts).

    https://developers.mercadolibre.cl/es_ar/product-ads-lectura
    """

    source = "mercadolibre_ads"
    name = "advertisers"
    report_stream_name = "campaign_reports"

    def account(self, report: CampaignReportsStream, partition: dict) -> dict[str, t.Any]:
        """The advertiser as ``/advertising/advertisers`` listed it, with its site's facts."""
        advertiser = report.advertisers[partition["advertiser_id"]]
        return {
            "advertiser_id": partition["advertiser_id"],
            "advertiser_name": advertiser.get("advertiser_name"),
            "site_id": advertiser.get("site_id"),
            "currency": advertiser.get("currency"),
            "timezone": report.report_timezone(partition),
        }
