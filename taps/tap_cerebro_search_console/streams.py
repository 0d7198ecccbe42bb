"""Search Console streams: performance per day, per day and page, per day and query."""

from __future__ import annotations

from tap_cerebro_search_console.client import SearchAnalyticsStream


class PerformanceByDateStream(SearchAnalyticsStream):
    """Daily totals per property and search type."""

    name = "performance_by_date"
    dimensions = ("date",)
    window_days = 90


class PerformanceByPageStream(SearchAnalyticsStream):
    """Daily clicks and impressions per page (one day per query, as Google advises)."""

    name = "performance_by_page"
    dimensions = ("date", "page")
    window_days = 1


class PerformanceByQueryStream(SearchAnalyticsStream):
    """Daily clicks and impressions per search query (anonymized queries are absent)."""

    name = "performance_by_query"
    dimensions = ("date", "query")
    window_days = 1


STREAM_TYPES = (PerformanceByDateStream, PerformanceByPageStream, PerformanceByQueryStream)
