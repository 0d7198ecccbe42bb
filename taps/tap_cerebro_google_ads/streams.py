"""Google Ads streams: campaign performance per day, in Cerebro's raw contract."""

from __future__ import annotations

import decimal
import typing as t

from cerebro_tap_kit.report_accounts import ReportAccountsStream

from tap_cerebro_google_ads.client import GoogleAdsStream


def as_int(value: t.Any) -> int:
    """An int64 JSON string; absent means 0 (proto3 JSON omits zero values)."""
    return int(value) if value not in (None, "") else 0


def as_decimal(value: t.Any) -> decimal.Decimal:
    """A double as an exact decimal of what was sent; absent means 0."""
    return decimal.Decimal(str(value)) if value not in (None, "") else decimal.Decimal(0)


class CampaignPerformanceStream(GoogleAdsStream):
    """Cost, delivery and conversions per campaign per day."""

    name = "campaign_performance"

    def gaql(self, window: dict) -> str:
        """Campaign metrics segmented by day for the window (inclusive)."""
        return (
            "SELECT campaign.id, campaign.name, campaign.advertising_channel_type, "
            "segments.date, metrics.cost_micros, metrics.impressions, metrics.clicks, "
            "metrics.conversions, metrics.conversions_value "
            f"FROM campaign WHERE segments.date BETWEEN '{window['since']}' AND '{window['until']}'"
        )

    def shape(self, row: dict, context: dict | None) -> dict[str, t.Any]:
        """Micros stay integer micros (staging divides by 1e6); the account's settings added."""
        customer = self.customer(context)
        campaign, metrics = row["campaign"], row.get("metrics", {})
        return {
            "account_id": (context or {})["account_id"],
            "currency_code": customer.get("currencyCode"),
            "time_zone": customer.get("timeZone"),
            "campaign_id": str(campaign["id"]),
            "campaign_name": campaign.get("name"),
            "advertising_channel_type": campaign.get("advertisingChannelType"),
            "date": row["segments"]["date"],
            "cost_micros": as_int(metrics.get("costMicros")),
            "impressions": as_int(metrics.get("impressions")),
            "clicks": as_int(metrics.get("clicks")),
            "conversions": as_decimal(metrics.get("conversions")),
            "conversions_value": as_decimal(metrics.get("conversionsValue")),
        }


class AccountsStream(ReportAccountsStream):
    """Each customer account read, its currency and time zone, and the days read for it
    (searchStream returns no row for a campaign day without metrics)."""

    source = "google_ads"
    name = "accounts"
    report_stream_name = "campaign_performance"

    def account(self, report, partition: dict) -> dict[str, t.Any]:
        """The account as the campaign stream read it."""
        customer = report.customer(partition)
        return {
            "account_id": partition["account_id"],
            "currency_code": customer.get("currencyCode"),
            "time_zone": customer.get("timeZone"),
        }


# The accounts stream reports what the campaign stream read: the tap syncs it last.
STREAM_TYPES = (CampaignPerformanceStream, AccountsStream)
