"""tap-cerebro-google-ads: daily campaign performance from the Google Ads API.

One run reads every configured customer account of one tenant. Rows land in
``raw_google_ads.campaign_performance`` with the shape the demo tap fixes (see
docs/decisions/0002), plus the account's timezone; each account, with the days read for
it, in ``raw_google_ads.accounts``.
"""

from __future__ import annotations

from cerebro_tap_kit.clear_errors import ClearErrors
from cerebro_tap_kit.clock import Clock, SystemClock
from cerebro_tap_kit.google_oauth import (
    GoogleOAuthTap,
    google_oauth_properties,
    google_token_url_property,
)
from cerebro_tap_kit.report_accounts import AccountsAfterReports
from cerebro_tap_kit.settings import tenant_id_property
from singer_sdk import Tap
from singer_sdk import typing as th

from tap_cerebro_google_ads.streams import STREAM_TYPES


class TapCerebroGoogleAds(GoogleOAuthTap, ClearErrors, AccountsAfterReports, Tap):
    """Google Ads campaign performance for one tenant."""

    name = "tap-cerebro-google-ads"
    # Tests replace it with a fake clock: no real waiting, a fixed "today".
    clock: Clock = SystemClock()

    config_jsonschema = th.PropertiesList(
        tenant_id_property(),
        th.Property(
            "customer_ids", th.ArrayType(th.StringType), required=True,
            description="Google Ads customer (account) ids, with or without dashes.",
        ),
        th.Property(
            "login_customer_id", th.StringType,
            description="Manager account id, when access to the customers goes through it.",
        ),
        th.Property(
            "developer_token", th.StringType, required=True, secret=True,
            description="Google Ads API developer token (sent as the developer-token header).",
        ),
        *google_oauth_properties("adwords"),
        th.Property(
            "start_date", th.DateType, required=True,
            description="First day to read when there is no bookmark.",
        ),
        th.Property(
            "end_date", th.DateType,
            description="Last day to read; default today in the account's timezone.",
        ),
        th.Property(
            "lookback_days", th.IntegerType, default=30,
            description="Days before the bookmark read again every run: conversions are "
            "restated for as long as the conversion window (30 days by default).",
        ),
        th.Property(
            "api_version", th.StringType, default="v24",
            description="Google Ads API version, e.g. v24 (each is retired after about a year).",
        ),
        th.Property(
            "base_url", th.StringType, default="https://googleads.googleapis.com",
            description="Google Ads API root; change it for a proxy or a test server.",
        ),
        google_token_url_property(),
    ).to_dict()  # fmt: skip

    def discover_streams(self) -> list:
        """The tap's streams: campaign_performance, then accounts."""
        return [stream(tap=self) for stream in STREAM_TYPES]


if __name__ == "__main__":
    TapCerebroGoogleAds.cli()
