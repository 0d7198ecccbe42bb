"""tap-cerebro-amazon-ads: daily Sponsored Products campaign reports from the Amazon Ads API.

One run reads every configured profile (an advertiser in one marketplace) of one tenant,
through the asynchronous reporting API (request, wait, download). Rows land in
``raw_amazon_ads.sp_campaigns`` with the raw contract's shape (docs/decisions/0002), and
each profile with the days read in ``raw_amazon_ads.profiles``. ACOS (cost over attributed
sales) is computed downstream, in dbt.
"""

from __future__ import annotations

import functools

from cerebro_tap_kit.clear_errors import ClearErrors
from cerebro_tap_kit.clock import Clock, SystemClock
from cerebro_tap_kit.oauth_refresh import oauth_client_properties, token_url_property
from cerebro_tap_kit.report_accounts import AccountsAfterReports
from cerebro_tap_kit.settings import tenant_id_property
from singer_sdk import Tap
from singer_sdk import typing as th

from tap_cerebro_amazon_ads.client import LWA_TOKEN_URL, LoginWithAmazonOAuth
from tap_cerebro_amazon_ads.streams import STREAM_TYPES


class TapCerebroAmazonAds(ClearErrors, AccountsAfterReports, Tap):
    """Amazon Ads Sponsored Products campaign reports for one tenant."""

    name = "tap-cerebro-amazon-ads"
    # Tests replace it with a fake clock: no real waiting, a fixed "today".
    clock: Clock = SystemClock()

    config_jsonschema = th.PropertiesList(
        tenant_id_property(),
        *oauth_client_properties("Login with Amazon", "advertising::campaign_management"),
        th.Property(
            "profile_ids", th.ArrayType(th.StringType), required=True,
            description="Amazon Ads profile ids (one per advertiser and marketplace) to read.",
        ),
        th.Property(
            "start_date", th.DateType, required=True,
            description="First day to read when there is no bookmark (Amazon keeps 95 days).",
        ),
        th.Property(
            "end_date", th.DateType,
            description="Last day to read; default today in the profile's time zone.",
        ),
        th.Property(
            "lookback_days", th.IntegerType, default=42,
            description="Days before the bookmark read again every run: Amazon restates "
            "conversions up to 28 days after the event, within the 14-day window.",
        ),
        th.Property(
            "base_url", th.StringType, default="https://advertising-api.amazon.com",
            description="API host of the profiles' region: advertising-api.amazon.com (North "
            "America), advertising-api-eu.amazon.com (Europe), advertising-api-fe.amazon.com "
            "(Far East); or a proxy or a test server.",
        ),
        token_url_property(LWA_TOKEN_URL),
        th.Property(
            "poll_interval_seconds", th.NumberType, default=30,
            description="First pause between checks of a report's status (then doubling, at "
            "most five minutes).",
        ),
        th.Property(
            "report_timeout_minutes", th.NumberType, default=180,
            description="Stop waiting for a report after this long (Amazon: up to 3 hours).",
        ),
    ).to_dict()  # fmt: skip

    @functools.cached_property
    def lwa_oauth(self) -> LoginWithAmazonOAuth:
        """The access token shared by every request of the run."""
        return LoginWithAmazonOAuth.from_config(self.config, self.clock)

    def discover_streams(self) -> list:
        """The tap's streams: sp_campaigns, then profiles."""
        return [stream(tap=self) for stream in STREAM_TYPES]

    def run_connection_test(self) -> bool:
        """``--test`` (what `cerebro check` runs): the token, the region's host and every
        profile, read from the profiles list. A record of each stream would mean a report,
        which Amazon takes minutes to make."""
        report = self.streams["sp_campaigns"]
        for partition in report.partitions:
            report.profile(partition)
        return True


if __name__ == "__main__":
    TapCerebroAmazonAds.cli()
