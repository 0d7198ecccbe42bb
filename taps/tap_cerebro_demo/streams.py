"""Demo streams: the same names, keys and schemas as the real taps' streams.

Each stream reads its table from the tenant's generated dataset and emits the
rows at or after its bookmark, sorted by the replication key, so that an
interrupted sync resumes and a second sync lands only what is new.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import typing as t
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from singer_sdk import Stream

from tap_cerebro_demo.generator.storage import read_stream

SCHEMAS_DIR = Path(__file__).parent / "schemas"


class DemoStream(Stream):
    """A stream of one source, read from the tenant's demo dataset."""

    source: t.ClassVar[str]

    def __init__(self, tap) -> None:
        schema = json.loads((SCHEMAS_DIR / self.source / f"{self.name}.json").read_text())
        super().__init__(tap, schema=schema)

    @property
    def is_sorted(self) -> bool:
        return True

    def get_records(self, context) -> t.Iterable[dict]:
        table = read_stream(self._tap.dataset_dir, self.name)
        key = _as_utc_timestamps(table[self.replication_key])
        start = self.get_starting_replication_key_value(context) or self.config.get("start_date")
        if start:
            # Inclusive, as Singer bookmarks are: the boundary row is re-sent
            # and the target's upsert makes that harmless.
            keep = pc.greater_equal(key, pa.scalar(_parse_utc(str(start)), type=key.type))
            table, key = table.filter(keep), key.filter(keep)
        order = [("__rk", "ascending"), *((k, "ascending") for k in self.primary_keys)]
        table = table.append_column("__rk", key).sort_by(order).drop_columns(["__rk"])
        yield from _to_singer_records(table)


def _parse_utc(value: str) -> dt.datetime:
    """A bookmark or start date as a naive UTC datetime (a date is its midnight UTC)."""
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _as_utc_timestamps(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Replication key values as naive UTC timestamps, so dates and times compare alike."""
    return pc.cast(column, pa.timestamp("us"))


def _to_singer_records(table: pa.Table) -> t.Iterator[dict]:
    """Rows as JSON-ready dicts: UTC ISO timestamps, ISO dates, None for missing."""
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_timestamp(column.type):
            # Whole seconds: Arrow's %S would print the microseconds too.
            seconds = pc.cast(column, pa.timestamp("s"), safe=False)
            column = pc.strftime(seconds, format="%Y-%m-%dT%H:%M:%S+00:00")
        elif pa.types.is_date(column.type):
            column = pc.strftime(column, format="%Y-%m-%d")
        columns[name] = column.to_pylist()
    names = list(columns)
    for values in zip(*columns.values(), strict=True):
        record = dict(zip(names, values, strict=True))
        for name, value in record.items():
            if isinstance(value, float) and math.isnan(value):
                record[name] = None
        yield record


class CustomersStream(DemoStream):
    name = "customers"
    source = "shopify"
    primary_keys = ("tenant_id", "customer_id")
    replication_key = "updated_at"


class OrdersStream(DemoStream):
    name = "orders"
    source = "shopify"
    primary_keys = ("tenant_id", "order_id")
    replication_key = "updated_at"


class OrderLinesStream(DemoStream):
    name = "order_lines"
    source = "shopify"
    primary_keys = ("tenant_id", "order_line_id")
    replication_key = "order_updated_at"


class TransactionsStream(DemoStream):
    name = "transactions"
    source = "shopify"
    primary_keys = ("tenant_id", "transaction_id")
    replication_key = "order_updated_at"


class RefundsStream(DemoStream):
    name = "refunds"
    source = "shopify"
    primary_keys = ("tenant_id", "refund_id")
    replication_key = "order_updated_at"


class FulfillmentsStream(DemoStream):
    name = "fulfillments"
    source = "shopify"
    primary_keys = ("tenant_id", "fulfillment_id")
    replication_key = "order_updated_at"


class CheckoutsStream(DemoStream):
    name = "checkouts"
    source = "shopify"
    primary_keys = ("tenant_id", "checkout_id")
    replication_key = "updated_at"


class AdsInsightsStream(DemoStream):
    name = "ads_insights"
    source = "meta_ads"
    primary_keys = ("tenant_id", "account_id", "campaign_id", "date_start")
    replication_key = "date_start"


class CampaignPerformanceStream(DemoStream):
    name = "campaign_performance"
    source = "google_ads"
    primary_keys = ("tenant_id", "account_id", "campaign_id", "date")
    replication_key = "date"


class AdSpendStream(DemoStream):
    name = "ad_spend"
    source = "csv"
    primary_keys = ("tenant_id", "date", "platform", "account_id", "campaign_name")
    replication_key = "date"


class PerformanceByDateStream(DemoStream):
    name = "performance_by_date"
    source = "search_console"
    primary_keys = ("tenant_id", "site_url", "search_type", "date")
    replication_key = "date"


class PerformanceByPageStream(DemoStream):
    name = "performance_by_page"
    source = "search_console"
    primary_keys = ("tenant_id", "site_url", "search_type", "date", "page")
    replication_key = "date"


class PerformanceByQueryStream(DemoStream):
    name = "performance_by_query"
    source = "search_console"
    primary_keys = ("tenant_id", "site_url", "search_type", "date", "query")
    replication_key = "date"


class EventsStream(DemoStream):
    name = "events"
    source = "calendar"
    primary_keys = ("tenant_id", "event_date", "event_name")
    replication_key = "event_date"


STREAM_TYPES: tuple[type[DemoStream], ...] = (
    CustomersStream,
    OrdersStream,
    OrderLinesStream,
    TransactionsStream,
    RefundsStream,
    FulfillmentsStream,
    CheckoutsStream,
    AdsInsightsStream,
    CampaignPerformanceStream,
    AdSpendStream,
    PerformanceByDateStream,
    PerformanceByPageStream,
    PerformanceByQueryStream,
    EventsStream,
)
