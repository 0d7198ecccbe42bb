"""Ad platform, Search Console and calendar reports, shaped as their taps land them.

Meta and Google report a row per campaign per day with delivery (no rows on
dark days); TikTok spend arrives as a CSV export; Search Console reports daily
totals per property.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .acquisition import CAMPAIGNS
from .clock import Clock
from .profiles import TenantProfile

# Cost per thousand impressions and click-through rate per platform (CLP-based CPM).
CPM = {"meta_ads": 3_500.0, "google_ads": 9_000.0, "tiktok": 2_500.0}
CTR = {"meta_ads": 0.012, "google_ads": 0.045, "tiktok": 0.008}
ACCOUNT_SUFFIX = {"meta_ads": "1029384756", "google_ads": "5551234567", "tiktok": "7001"}


def _delivery(rng, spend: np.ndarray, platform: str, spend_unit: float):
    cpm = CPM[platform] * spend_unit * rng.lognormal(0, 0.15, len(spend))
    impressions = np.round(spend / cpm * 1000).astype(np.int64)
    clicks = rng.binomial(impressions, CTR[platform])
    return impressions, clicks


def ad_reports(
    rng: np.random.Generator,
    tenant_id: str,
    profile: TenantProfile,
    clock: Clock,
    campaign_spend: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    """``ads_insights`` (Meta), ``campaign_performance`` (Google), ``ad_spend`` (CSV)."""
    spend_unit = profile.price_unit
    delivered = campaign_spend[campaign_spend["spend"] > 0].reset_index(drop=True)
    day = clock.dates[delivered["day"].to_numpy()].date
    impressions, clicks = np.zeros(len(delivered), np.int64), np.zeros(len(delivered), np.int64)
    for platform in delivered["platform"].unique():
        rows = (delivered["platform"] == platform).to_numpy()
        impressions[rows], clicks[rows] = _delivery(
            rng, delivered["spend"].to_numpy()[rows], platform, spend_unit
        )
    delivered = delivered.assign(date=day, impressions=impressions, clicks=clicks)
    campaign_number = {
        (platform, name): f"{profile.id_base // 10**9}{p}{k:02d}"
        for p, platform in enumerate(CAMPAIGNS)
        for k, name in enumerate(CAMPAIGNS[platform])
    }
    delivered["campaign_id"] = [
        campaign_number[key]
        for key in zip(delivered["platform"], delivered["campaign"], strict=True)
    ]
    account = {p: f"{profile.id_base // 10**11}{s}" for p, s in ACCOUNT_SUFFIX.items()}

    meta = delivered[delivered["platform"] == "meta_ads"]
    google = delivered[delivered["platform"] == "google_ads"]
    tiktok = delivered[delivered["platform"] == "tiktok"]
    return {
        "ads_insights": pd.DataFrame(
            {
                "tenant_id": tenant_id,
                "account_id": account["meta_ads"],
                "account_currency": profile.currency,
                "campaign_id": meta["campaign_id"],
                "campaign_name": meta["campaign"],
                "date_start": meta["date"],
                "date_stop": meta["date"],
                "spend": meta["spend"],
                "impressions": meta["impressions"],
                "clicks": meta["clicks"],
                "reach": np.round(meta["impressions"] / 1.6).astype(np.int64),
            }
        ),
        "campaign_performance": pd.DataFrame(
            {
                "tenant_id": tenant_id,
                "account_id": account["google_ads"],
                "currency_code": profile.currency,
                "campaign_id": google["campaign_id"],
                "campaign_name": google["campaign"],
                "advertising_channel_type": np.where(
                    google["campaign"].str.startswith("Performance"), "PERFORMANCE_MAX", "SEARCH"
                ),
                "date": google["date"],
                # Google Ads reports cost in micros of the account currency.
                "cost_micros": np.round(google["spend"].to_numpy() * 1_000_000).astype(np.int64),
                "impressions": google["impressions"],
                "clicks": google["clicks"],
                "conversions": np.round(google["clicks"] * 0.08, 2),
                "conversions_value": np.round(google["clicks"] * 0.08 * 40_000 * spend_unit, 2),
            }
        ),
        "ad_spend": pd.DataFrame(
            {
                "tenant_id": tenant_id,
                "date": tiktok["date"],
                "platform": "tiktok",
                "account_id": account["tiktok"],
                "campaign_name": tiktok["campaign"],
                "currency": profile.currency,
                "spend": tiktok["spend"],
                "impressions": tiktok["impressions"],
                "clicks": tiktok["clicks"],
                "source_file": "tiktok_ads_export.csv",
            }
        ),
    }


def search_console_report(
    rng: np.random.Generator,
    tenant_id: str,
    profile: TenantProfile,
    clock: Clock,
    clicks: np.ndarray,
) -> pd.DataFrame:
    ctr = np.clip(rng.normal(0.035, 0.004, len(clicks)), 0.01, 0.1)
    impressions = np.maximum(np.round(clicks / ctr), clicks).astype(np.int64)
    return pd.DataFrame(
        {
            "tenant_id": tenant_id,
            "site_url": profile.site_url,
            "search_type": "web",
            "date": clock.dates.date,
            "clicks": clicks,
            "impressions": impressions,
            "ctr": np.round(
                np.divide(clicks, impressions, where=impressions > 0, out=np.zeros(len(clicks))), 6
            ),
            "position": np.round(rng.normal(11.5, 1.2, len(clicks)).clip(1, 50), 2),
        }
    )


def calendar_report(tenant_id: str, profile: TenantProfile, events: pd.DataFrame) -> pd.DataFrame:
    return events.assign(tenant_id=tenant_id, country_code=profile.country_code)[
        ["tenant_id", "country_code", "event_date", "event_name", "event_type"]
    ]
