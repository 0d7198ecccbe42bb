"""Amazon Ads streams: Sponsored Products campaigns per day and the profiles read, in the raw
contract."""

from __future__ import annotations

import typing as t

from cerebro_tap_kit.report_accounts import ReportAccountsStream

from tap_cerebro_amazon_ads.client import AmazonReportStream, as_decimal, as_int


class SpCampaignsStream(AmazonReportStream):
    """Cost, delivery, purchases and sales (7- and 14-day attribution) per campaign per day."""

    name = "sp_campaigns"
    path = "/reporting/reports"
    report_type_id = "spCampaigns"
    ad_product = "SPONSORED_PRODUCTS"
    group_by = ("campaign",)
    columns = (
        "date", "campaignId", "campaignName", "campaignStatus", "campaignBudgetCurrencyCode",
        "impressions", "clicks", "cost", "purchases7d", "sales7d", "purchases14d", "sales14d",
    )  # fmt: skip

    def shape(self, row: dict, context: dict | None) -> dict[str, t.Any]:
        """Amazon's columns under the contract's names, plus the profile's settings."""
        profile = self.profile(context)
        return {
            "profile_id": profile.profile_id,
            "country_code": profile.country_code,
            "currency_code": row.get("campaignBudgetCurrencyCode") or profile.currency_code,
            "timezone": profile.timezone,
            "campaign_id": str(row["campaignId"]),
            "campaign_name": row.get("campaignName"),
            "campaign_status": row.get("campaignStatus"),
            "date": str(row["date"])[:10],
            "impressions": as_int(row.get("impressions")),
            "clicks": as_int(row.get("clicks")),
            "cost": as_decimal(row.get("cost")),
            "purchases_7d": as_int(row.get("purchases7d")),
            "sales_7d": as_decimal(row.get("sales7d")),
            "purchases_14d": as_int(row.get("purchases14d")),
            "sales_14d": as_decimal(row.get("sales14d")),
        }


class ProfilesStream(ReportAccountsStream):
    """Each profile read (advertiser and marketplace), its settings and the days read."""

    source = "amazon_ads"
    name = "profiles"
    report_stream_name = "sp_campaigns"

    def account(self, report, partition: dict) -> dict[str, t.Any]:
        """The profile as the report stream read it."""
        profile = report.profile(partition)
        return {
            "profile_id": profile.profile_id,
            "country_code": profile.country_code,
            "currency_code": profile.currency_code,
            "timezone": profile.timezone,
            "marketplace_id": profile.marketplace_id,
            "account_name": profile.account_name,
            "account_type": profile.account_type,
        }


# The profiles stream reports what the report stream read: the tap syncs it last.
STREAM_TYPES = (SpCampaignsStream, ProfilesStream)
