"""tap-cerebro-search-console: search analytics by date, page and query from Search Console.

One run reads every configured property (and search type) of one tenant into
``raw_search_console.performance_by_date``, ``performance_by_page`` and
``performance_by_query``, the shapes the demo tap fixes (docs/decisions/0002).
"""

from __future__ import annotations

from cerebro_tap_kit.clear_errors import ClearErrors
from cerebro_tap_kit.clock import Clock, SystemClock
from cerebro_tap_kit.google_oauth import (
    GoogleOAuthTap,
    google_oauth_properties,
    google_token_url_property,
)
from cerebro_tap_kit.settings import tenant_id_property
from singer_sdk import Tap
from singer_sdk import typing as th

from tap_cerebro_search_console.streams import STREAM_TYPES


class TapCerebroSearchConsole(GoogleOAuthTap, ClearErrors, Tap):
    """Search Console search analytics for one tenant."""

    name = "tap-cerebro-search-console"
    # Tests replace it with a fake clock: no real waiting, a fixed "today".
    clock: Clock = SystemClock()

    config_jsonschema = th.PropertiesList(
        tenant_id_property(),
        th.Property(
            "site_urls", th.ArrayType(th.StringType), required=True,
            description="Properties, as Search Console names them: https://www.example.cl/ "
            "(URL prefix) or sc-domain:example.cl (domain).",
        ),
        th.Property(
            "search_types", th.ArrayType(th.StringType), default=["web"],
            description="Search types to read: web, image, video, news, discover, googleNews.",
        ),
        *google_oauth_properties("webmasters.readonly"),
        th.Property(
            "start_date", th.DateType, required=True,
            description="First day to read when there is no bookmark (Search Console keeps "
            "16 months).",
        ),
        th.Property(
            "end_date", th.DateType,
            description="Last day to read; default today, Pacific time.",
        ),
        th.Property(
            "lookback_days", th.IntegerType, default=0,
            description="Days before the bookmark read again every run, on top of the days "
            "that were still incomplete (those are always read again).",
        ),
        th.Property(
            "row_limit", th.IntegerType, default=25000,
            description="Rows per page (rowLimit, at most 25,000).",
        ),
        th.Property(
            "api_version", th.StringType, default="v3",
            description="Search Console (webmasters) API version.",
        ),
        th.Property(
            "base_url", th.StringType, default="https://searchconsole.googleapis.com",
            description="API root; change it for a proxy or a test server.",
        ),
        google_token_url_property(),
    ).to_dict()  # fmt: skip

    def discover_streams(self) -> list:
        """Performance by date, by page and by query."""
        return [stream(tap=self) for stream in STREAM_TYPES]


if __name__ == "__main__":
    TapCerebroSearchConsole.cli()
