"""tap-cerebro-tiktok-ads: daily campaign reports from the TikTok Marketing API.

One run reads every configured advertiser (ad account) of one tenant. Rows land in
``raw_tiktok_ads.campaign_reports`` with the raw contract's shape (docs/decisions/0002),
and each advertiser with the days read in ``raw_tiktok_ads.advertisers``.
"""

from __future__ import annotations

from cerebro_tap_kit.clear_errors import ClearErrors
from cerebro_tap_kit.clock import Clock, SystemClock
from cerebro_tap_kit.report_accounts import AccountsAfterReports
from cerebro_tap_kit.settings import tenant_id_property
from singer_sdk import Tap
from singer_sdk import typing as th

from tap_cerebro_tiktok_ads.streams import STREAM_TYPES


class TapCerebroTikTokAds(ClearErrors, AccountsAfterReports, Tap):
    """TikTok Ads campaign reports for one tenant."""

    name = "tap-cerebro-tiktok-ads"
    # Tests replace it with a fake clock: no real waiting, a fixed "today".
    clock: Clock = SystemClock()

    config_jsonschema = th.PropertiesList(
        tenant_id_property(),
        th.Property(
            "access_token", th.StringType, required=True, secret=True,
            description="Long-term access token of a TikTok for Business app authorized for "
            "the advertisers (Reporting and Ad Account Management scopes).",
        ),
        th.Property(
            "advertiser_ids", th.ArrayType(th.StringType), required=True,
            description="Advertiser (ad account) ids to read.",
        ),
        th.Property(
            "start_date", th.DateType, required=True,
            description="First day to read when there is no bookmark.",
        ),
        th.Property(
            "end_date", th.DateType,
            description="Last day to read; default today in the advertiser's time zone.",
        ),
        th.Property(
            "lookback_days", th.IntegerType, default=28,
            description="Days before the bookmark read again every run: TikTok restates "
            "conversions for as long as its attribution windows (28 days at most).",
        ),
        th.Property(
            "api_version", th.StringType, default="v1.3",
            description="TikTok API for Business version, e.g. v1.3.",
        ),
        th.Property(
            "base_url", th.StringType, default="https://business-api.tiktok.com",
            description="API root; change it for a proxy or a test server.",
        ),
        th.Property(
            "page_size", th.IntegerType, default=1000,
            description="Rows per report page (at most 1,000).",
        ),
    ).to_dict()  # fmt: skip

    def discover_streams(self) -> list:
        """The tap's streams: campaign_reports, then advertisers."""
        return [stream(tap=self) for stream in STREAM_TYPES]


if __name__ == "__main__":
    TapCerebroTikTokAds.cli()
