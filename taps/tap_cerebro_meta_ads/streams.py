"""Meta Ads streams: campaign insights per day, in Cerebro's raw contract."""

from __future__ import annotations

import decimal
import json
import typing as t

from cerebro_tap_kit.report_accounts import ReportAccountsStream

from tap_cerebro_meta_ads.client import MetaInsightsStream, as_decimal, as_int

# Purchase action types, most complete first. "purchase" already includes the pixel's
# purchases (and app and offline ones), so the first one present is taken, never a sum.
PURCHASE_ACTION_TYPES = ("purchase", "offsite_conversion.fb_pixel_purchase")
INSIGHTS_FIELDS = (
    "account_id", "account_currency", "campaign_id", "campaign_name", "date_start",
    "date_stop", "spend", "impressions", "clicks", "reach", "actions", "action_values",
)  # fmt: skip


def purchase_total(actions: list[dict] | None) -> decimal.Decimal:
    """The value of the most complete purchase action type present (0 when none)."""
    by_type = {action.get("action_type"): action.get("value") for action in actions or []}
    for action_type in PURCHASE_ACTION_TYPES:
        if by_type.get(action_type) not in (None, ""):
            return decimal.Decimal(str(by_type[action_type]))
    return decimal.Decimal(0)


class AdsInsightsStream(MetaInsightsStream):
    """Spend, delivery and purchases per campaign per day (``level=campaign``)."""

    name = "ads_insights"
    path = "/act_{account_id}/insights"

    def first_page_params(self, window: dict) -> dict:
        """Daily rows (``time_increment=1``) per campaign for the window."""
        return {
            "level": "campaign",
            "time_increment": 1,
            "time_range": json.dumps({"since": window["since"], "until": window["until"]}),
            "fields": ",".join(INSIGHTS_FIELDS),
            "limit": int(self.config.get("page_size", 500)),
            # Count conversions as Ads Manager shows them (the ad set's attribution setting).
            "use_unified_attribution_setting": "true",
        }

    def shape(self, row: dict, context: dict | None) -> dict[str, t.Any]:
        """Meta's strings as numbers, plus the account's timezone."""
        account = self.ad_account(context)
        return {
            "account_id": str(row.get("account_id") or account.account_id),
            "account_currency": row.get("account_currency") or account.currency,
            "account_timezone": account.timezone,
            "campaign_id": str(row["campaign_id"]),
            "campaign_name": row.get("campaign_name"),
            "date_start": row["date_start"],
            "date_stop": row.get("date_stop"),
            "spend": as_decimal(row.get("spend")),
            "impressions": as_int(row.get("impressions")),
            "clicks": as_int(row.get("clicks")),
            "reach": as_int(row.get("reach")),
            "purchases": purchase_total(row.get("actions")),
            "purchase_value": purchase_total(row.get("action_values")),
        }


class AdAccountsStream(ReportAccountsStream):
    """Each ad account read, its currency and time zone, and the days read for it (Meta sends
    no insights row for a day without delivery)."""

    source = "meta_ads"
    name = "ad_accounts"
    report_stream_name = "ads_insights"

    def account(self, report, partition: dict) -> dict[str, t.Any]:
        """The ad account as the insights stream read it."""
        account = report.ad_account(partition)
        return {
            "account_id": account.account_id,
            "account_currency": account.currency,
            "account_timezone": account.timezone,
        }


# The accounts stream reports what the insights stream read: the tap syncs it last.
STREAM_TYPES = (AdsInsightsStream, AdAccountsStream)
