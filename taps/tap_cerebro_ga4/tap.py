"""tap-cerebro-ga4: web traffic by day and session source / medium / campaign from GA4.

One run reads every configured GA4 property of one tenant into
``raw_ga4.traffic_daily`` through the Data API's ``runReport`` (decision 0074).
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

from tap_cerebro_ga4.streams import STREAM_TYPES


class TapCerebroGa4(GoogleOAuthTap, ClearErrors, Tap):
    """GA4 traffic for one tenant."""

    name = "tap-cerebro-ga4"
    # Tests replace it with a fake clock: no real waiting, a fixed "today".
    clock: Clock = SystemClock()

    config_jsonschema = th.PropertiesList(
        tenant_id_property(),
        th.Property(
            "property_ids", th.ArrayType(th.StringType), required=True,
            description="GA4 property ids, the numbers under Admin > Property details "
            "(not the G- measurement id).",
        ),
        *google_oauth_properties("analytics.readonly"),
        th.Property(
            "start_date", th.DateType, required=True,
            description="First day to read when there is no bookmark.",
        ),
        th.Property(
            "end_date", th.DateType,
            description="Last day to read; default today in the properties' time zone.",
        ),
        th.Property(
            "timezone", th.StringType, default="America/Santiago",
            description="The properties' reporting time zone (Admin > Property details), in "
            "which GA4 cuts days; it decides which day is today.",
        ),
        th.Property(
            "lookback_days", th.IntegerType, default=3,
            description="Days before the bookmark read again every run: GA4 data is not final "
            "for about 72 hours.",
        ),
        th.Property(
            "row_limit", th.IntegerType, default=10000,
            description="Rows per page (limit; GA4 returns at most 250,000).",
        ),
        th.Property(
            "api_version", th.StringType, default="v1beta",
            description="Google Analytics Data API version.",
        ),
        th.Property(
            "base_url", th.StringType, default="https://analyticsdata.googleapis.com",
            description="API root; change it for a proxy or a test server.",
        ),
        google_token_url_property(),
    ).to_dict()  # fmt: skip

    def discover_streams(self) -> list:
        """Traffic by day, source, medium and campaign."""
        return [stream(tap=self) for stream in STREAM_TYPES]


if __name__ == "__main__":
    TapCerebroGa4.cli()
