"""tap-cerebro-meta-ads: daily campaign insights from the Meta Marketing API.

One run reads every configured ad account of one tenant. Rows land in
``raw_meta_ads.ads_insights`` with the shape the demo tap fixes (see
docs/decisions/0002), plus the account's timezone and Meta's purchases; each ad account,
with the days read for it, in ``raw_meta_ads.ad_accounts``.
"""

from __future__ import annotations

from cerebro_tap_kit.clear_errors import ClearErrors
from cerebro_tap_kit.clock import Clock, SystemClock
from cerebro_tap_kit.report_accounts import AccountsAfterReports
from cerebro_tap_kit.settings import tenant_id_property
from singer_sdk import Tap
from singer_sdk import typing as th

from tap_cerebro_meta_ads.streams import STREAM_TYPES


class TapCerebroMetaAds(ClearErrors, AccountsAfterReports, Tap):
    """Meta Ads insights for one tenant."""

    name = "tap-cerebro-meta-ads"
    # Tests replace it with a fake clock: no real waiting, a fixed "today".
    clock: Clock = SystemClock()

    config_jsonschema = th.PropertiesList(
        tenant_id_property(),
        th.Property(
            "access_token", th.StringType, required=True, secret=True,
            description="Marketing API access token with ads_read (a system user token).",
        ),
        th.Property(
            "account_ids", th.ArrayType(th.StringType), required=True,
            description="Ad account ids, with or without the act_ prefix.",
        ),
        th.Property(
            "start_date", th.DateType, required=True,
            description="First day to read when there is no bookmark (Meta keeps 37 months).",
        ),
        th.Property(
            "end_date", th.DateType,
            description="Last day to read; default today in the ad account's timezone.",
        ),
        th.Property(
            "lookback_days", th.IntegerType, default=28,
            description="Days before the bookmark read again every run: Meta restates "
            "attributed conversions for up to 28 days.",
        ),
        th.Property(
            "api_version", th.StringType, default="v25.0",
            description="Graph API version, e.g. v25.0 (Meta retires each after about two years).",
        ),
        th.Property(
            "base_url", th.StringType, default="https://graph.facebook.com",
            description="Graph API root; change it for a proxy or a test server.",
        ),
        th.Property(
            "page_size", th.IntegerType, default=500,
            description="Rows per insights page (the limit parameter).",
        ),
        th.Property(
            "usage_pause_threshold", th.NumberType, default=90,
            description="Pause when a usage header reports this percent of a quota used, "
            "before Meta starts throttling.",
        ),
    ).to_dict()  # fmt: skip

    def discover_streams(self) -> list:
        """The tap's streams: ads_insights, then ad_accounts."""
        return [stream(tap=self) for stream in STREAM_TYPES]


if __name__ == "__main__":
    TapCerebroMetaAds.cli()
