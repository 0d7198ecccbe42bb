"""Search Console streams: performance per day, per day and page, per day and query."""

from __future__ import annotations

from pathlib import Path

from singer_sdk import SchemaDirectory, StreamSchema

from tap_cerebro_search_console.client import SearchAnalyticsStream

SCHEMAS = StreamSchema(SchemaDirectory(Path(__file__).parent / "schemas"))


class PerformanceByDateStream(SearchAnalyticsStream):
    """Daily totals per property and search type."""

    name = "performance_by_date"
    primary_keys = ("tenant_id", "site_url", "search_type", "date")
    replication_key = "date"
    schema = SCHEMAS
    dimensions = ("date",)
    window_days = 90


class PerformanceByPageStream(SearchAnalyticsStream):
    """Daily clicks and impressions per page (one day per query, as Google advises)."""

    name = "performance_by_page"
    primary_keys = ("tenant_id", "site_url", "search_type", "date", "page")
    replication_key = "date"
    schema = SCHEMAS
    dimensions = ("date", "page")
    window_days = 1


class PerformanceByQueryStream(SearchAnalyticsStream):
    """Daily clicks and impressions per search query (anonymized queries are absent)."""

    name = "performance_by_query"
    primary_keys = ("tenant_id", "site_url", "search_type", "date", "query")
    replication_key = "date"
    schema = SCHEMAS
    dimensions = ("date", "query")
    window_days = 1


STREAM_TYPES = (PerformanceByDateStream, PerformanceByPageStream, PerformanceByQueryStream)
