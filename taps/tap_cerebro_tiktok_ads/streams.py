"""TikTok Ads streams: campaign reports per day and the advertisers read, in the raw contract."""

from __future__ import annotations

import json
import typing as t

from cerebro_tap_kit.report_accounts import ReportAccountsStream

from tap_cerebro_tiktok_ads.client import TikTokReportStream, as_decimal, as_int

# conversion: the campaign's optimization event; complete_payment: website purchases;
# total_complete_payment_rate: the value of those purchases (TikTok's name for it).
METRICS = (
    "campaign_name", "spend", "impressions", "clicks", "conversion", "complete_payment",
    "total_complete_payment_rate",
)  # fmt: skip


class CampaignReportsStream(TikTokReportStream):
    """Spend, delivery, conversions and purchases per campaign per day (integrated report)."""

    name = "campaign_reports"
    path = "/report/integrated/get/"

    def get_url_params(self, context: dict | None, next_page_token: t.Any) -> dict:
        """A BASIC report at campaign level by campaign and day for the window."""
        window = context or {}
        return {
            "advertiser_id": window["advertiser_id"],
            "report_type": "BASIC",
            "data_level": "AUCTION_CAMPAIGN",
            "dimensions": json.dumps(["campaign_id", "stat_time_day"]),
            "metrics": json.dumps(list(METRICS)),
            # Deleted campaigns spent too: by default TikTok leaves them out.
            "filtering": json.dumps(
                [
                    {
                        "field_name": "campaign_status",
                        "filter_type": "IN",
                        "filter_value": json.dumps(["STATUS_ALL"]),
                    }
                ]
            ),
            "start_date": window["since"],
            "end_date": window["until"],
            "page": next_page_token or 1,
            "page_size": self.page_size(),
        }

    def shape(self, row: dict, context: dict | None) -> dict[str, t.Any]:
        """TikTok's strings as numbers, plus the advertiser's currency and time zone."""
        advertiser = self.advertiser(context)
        dimensions, metrics = row.get("dimensions") or {}, row.get("metrics") or {}
        return {
            "advertiser_id": advertiser.advertiser_id,
            "currency": advertiser.currency,
            "timezone": advertiser.timezone,
            "campaign_id": str(dimensions["campaign_id"]),
            "campaign_name": metrics.get("campaign_name"),
            "stat_date": str(dimensions["stat_time_day"])[:10],
            "spend": as_decimal(metrics.get("spend")),
            "impressions": as_int(metrics.get("impressions")),
            "clicks": as_int(metrics.get("clicks")),
            "conversions": as_decimal(metrics.get("conversion")),
            "purchases": as_decimal(metrics.get("complete_payment")),
            "purchase_value": as_decimal(metrics.get("total_complete_payment_rate")),
        }


class AdvertisersStream(ReportAccountsStream):
    """Each advertiser read, its currency and time zone, and the days read for it."""

    source = "tiktok_ads"
    name = "advertisers"
    report_stream_name = "campaign_reports"

    def account(self, report, partition: dict) -> dict[str, t.Any]:
        """The advertiser's settings as the report stream read them."""
        advertiser = report.advertiser(partition)
        return {
            "advertiser_id": advertiser.advertiser_id,
            "advertiser_name": advertiser.name,
            "currency": advertiser.currency,
            "timezone": advertiser.timezone,
        }


# The accounts stream reports what the report stream read: the tap syncs it last.
STREAM_TYPES = (CampaignReportsStream, AdvertisersStream)
