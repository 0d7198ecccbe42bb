"""Ad platform, Search Console and calendar reports, shaped as their taps land them.

Meta, Google and TikTok report a row per campaign per day with delivery (no rows
on dark days) in the ad account's timezone, and each tap lands its accounts with the
span of days it read, every day of the history: a dark day there spent nothing. The
demo store runs no Amazon campaigns and exports no spend by hand (those streams are
empty); Search Console reports daily totals per property, and per page and per query
(the query breakdown leaves out anonymized queries, so it sums to less). Its
last days are still being processed when read, as the API flags them.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import numpy as np
import pandas as pd
from cerebro_raw_contract import raw_stream

from .acquisition import CAMPAIGNS
from .clock import Clock
from .exchange_rates import ExchangeRates, billed
from .profiles import TenantProfile

# Cost per thousand impressions and click-through rate per platform (CLP-based CPM).
CPM = {"meta_ads": 3_500.0, "google_ads": 9_000.0, "tiktok": 2_500.0}
CTR = {"meta_ads": 0.012, "google_ads": 0.045, "tiktok": 0.008}
ACCOUNT_SUFFIX = {"meta_ads": "1029384756", "google_ads": "5551234567", "tiktok": "7001"}
#: The source (and tap) that lands each platform's reports.
AD_SOURCES = {"meta_ads": "meta_ads", "google_ads": "google_ads", "tiktok": "tiktok_ads"}
META_PURCHASE_RATE = 0.02
# Website purchases TikTok's pixel claims per click.
TIKTOK_PURCHASE_RATE = 0.01
# Conversions Google Ads claims per click: about four fifths of all the orders its customers
# place, at a typical order's value (branded clicks included, which the store would have had
# anyway): a platform ROAS near 2.4 where the model finds about 1.8. At 8 % it claimed more
# conversions than the store had orders, a platform ROAS of 16 no marketer would believe.
GOOGLE_CONVERSION_RATE = 0.012
# Search Console finishes processing a day two to three days later; the demo's last
# INCOMPLETE_DAYS days are flagged as still incomplete, as `dataState: all` reports them.
INCOMPLETE_DAYS = 2
SHARE_OF_CLICKS_WITH_A_KNOWN_QUERY = 0.7


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
    exchange_rates: ExchangeRates | None = None,
    billed_in: dict[str, str] | None = None,
) -> dict[str, pd.DataFrame]:
    """``ads_insights`` (Meta), ``campaign_performance`` (Google), ``campaign_reports``
    (TikTok), the accounts each tap read, and the empty Amazon and CSV streams. An account
    billed in another currency (``billed_in``: ad source -> currency) reports its money in it,
    at the rate in force each day (``exchange_rates``)."""
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
    # Purchases as Meta's pixel attributes them: a platform's own claim, not the store's orders.
    purchases = rng.binomial(meta["clicks"].to_numpy(), META_PURCHASE_RATE)
    purchase_value = np.round(
        purchases * 40_000 * spend_unit * rng.lognormal(0.0, 0.25, len(meta)),
        profile.currency_decimals,
    )
    # Drawn after Meta's, so every stream drawn before is the same as without TikTok's.
    tiktok_purchases = rng.binomial(tiktok["clicks"].to_numpy(), TIKTOK_PURCHASE_RATE)
    tiktok_purchase_value = np.round(
        tiktok_purchases * 35_000 * spend_unit * rng.lognormal(0.0, 0.25, len(tiktok)),
        profile.currency_decimals,
    )
    read = {"report_start_date": clock.start, "report_end_date": clock.end}
    currency = {
        platform: (billed_in or {}).get(source, profile.currency)
        for platform, source in AD_SOURCES.items()
    }

    def money(platform: str, frame: pd.DataFrame, amounts) -> np.ndarray:
        """Amounts decided in the store's currency, as the platform's account bills them."""
        amounts = np.asarray(amounts, dtype=float)
        if currency[platform] == profile.currency:
            return amounts
        assert exchange_rates is not None and exchange_rates.base_currency == currency[platform]
        return billed(amounts, frame["day"].to_numpy(), exchange_rates)

    return {
        "ads_insights": pd.DataFrame(
            {
                "tenant_id": tenant_id,
                "account_id": account["meta_ads"],
                "account_currency": currency["meta_ads"],
                "account_timezone": clock.timezone,
                "campaign_id": meta["campaign_id"],
                "campaign_name": meta["campaign"],
                "date_start": meta["date"],
                "date_stop": meta["date"],
                "spend": money("meta_ads", meta, meta["spend"]),
                "impressions": meta["impressions"],
                "clicks": meta["clicks"],
                "reach": np.round(meta["impressions"] / 1.6).astype(np.int64),
                "purchases": purchases,
                "purchase_value": money("meta_ads", meta, purchase_value),
            }
        ),
        "campaign_performance": pd.DataFrame(
            {
                "tenant_id": tenant_id,
                "account_id": account["google_ads"],
                "currency_code": currency["google_ads"],
                "time_zone": clock.timezone,
                "campaign_id": google["campaign_id"],
                "campaign_name": google["campaign"],
                "advertising_channel_type": np.where(
                    google["campaign"].str.startswith("Performance"), "PERFORMANCE_MAX", "SEARCH"
                ),
                "date": google["date"],
                # Google Ads reports cost in micros of the account currency.
                "cost_micros": np.round(
                    money("google_ads", google, google["spend"]) * 1_000_000
                ).astype(np.int64),
                "impressions": google["impressions"],
                "clicks": google["clicks"],
                "conversions": np.round(google["clicks"] * GOOGLE_CONVERSION_RATE, 2),
                "conversions_value": np.round(money("google_ads", google, (
                    google["clicks"] * GOOGLE_CONVERSION_RATE * 40_000 * spend_unit)), 2),
            }
        ),
        "campaign_reports": pd.DataFrame(
            {
                "tenant_id": tenant_id,
                "advertiser_id": account["tiktok"],
                "currency": currency["tiktok"],
                "timezone": clock.timezone,
                "campaign_id": tiktok["campaign_id"],
                "campaign_name": tiktok["campaign"],
                "stat_date": tiktok["date"],
                "spend": money("tiktok", tiktok, tiktok["spend"]),
                "impressions": tiktok["impressions"],
                "clicks": tiktok["clicks"],
                "conversions": tiktok_purchases.astype(float),
                "purchases": tiktok_purchases.astype(float),
                "purchase_value": money("tiktok", tiktok, tiktok_purchase_value),
            }
        ),
        "ad_accounts": pd.DataFrame(
            [{"tenant_id": tenant_id, "account_id": account["meta_ads"],
              "account_currency": currency["meta_ads"], "account_timezone": clock.timezone,
              **read}]
        ),
        "accounts": pd.DataFrame(
            [{"tenant_id": tenant_id, "account_id": account["google_ads"],
              "currency_code": currency["google_ads"], "time_zone": clock.timezone, **read}]
        ),
        "advertisers": pd.DataFrame(
            [{"tenant_id": tenant_id, "advertiser_id": account["tiktok"],
              "advertiser_name": f"{profile.site_url.removeprefix('sc-domain:')} TikTok",
              "currency": currency["tiktok"], "timezone": clock.timezone, **read}]
        ),
        # No Amazon campaigns, no spend exported by hand, no subscriptions, no Klaviyo events,
        # no WhatsApp statuses (the demo sends no message), no GA4 property: the streams
        # exist, empty.
        **{name: empty_stream(source, name) for source, name in EMPTY_STREAMS},
    }  # fmt: skip


#: Streams the demo store has no data for.
EMPTY_STREAMS = (
    ("amazon_ads", "sp_campaigns"), ("amazon_ads", "profiles"), ("csv", "ad_spend"),
    ("stripe", "subscriptions"), ("klaviyo", "email_events"),
    ("whatsapp", "message_statuses"), ("ga4", "traffic_daily"),
)  # fmt: skip


def empty_stream(source: str, name: str) -> pd.DataFrame:
    """A stream with no rows, with the contract's columns."""
    return pd.DataFrame(
        {
            column: pd.Series(dtype=object)
            for column in raw_stream(source, name).schema()["properties"]
        }
    )


def search_console_report(
    rng: np.random.Generator,
    tenant_id: str,
    profile: TenantProfile,
    clock: Clock,
    clicks: np.ndarray,
) -> pd.DataFrame:
    ctr = np.clip(rng.normal(0.035, 0.004, len(clicks)), 0.01, 0.1)
    impressions = np.maximum(np.round(clicks / ctr), clicks).astype(np.int64)
    return _with_data_state(
        pd.DataFrame(
            {
                "tenant_id": tenant_id,
                "site_url": profile.site_url,
                "search_type": "web",
                "date": clock.dates.date,
                "clicks": clicks,
                "impressions": impressions,
                "ctr": _ctr(clicks, impressions),
                "position": np.round(rng.normal(11.5, 1.2, len(clicks)).clip(1, 50), 2),
            }
        ),
        clock,
    )


def search_console_breakdowns(
    rng: np.random.Generator,
    tenant_id: str,
    profile: TenantProfile,
    clock: Clock,
    by_date: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    """``performance_by_page`` and ``performance_by_query`` from the daily totals.

    Every click lands on one page, so pages add up to the day's clicks; queries
    cover only part of them, as Search Console hides rare (anonymized) queries.
    Rows without impressions are absent, as in the API.
    """
    host = profile.site_url.removeprefix("sc-domain:")
    pages = [f"https://{host}/"] + [
        f"https://{host}/servicios/{_slug(service.title)}" for service in profile.services
    ]
    page_weights = np.array([20.0] + [service.popularity for service in profile.services])
    queries = ["casafacil"] + [
        f"{service.title.lower()}{suffix}"
        for service in profile.services
        for suffix in ("", " precio")
    ]
    query_weights = np.array(
        [25.0] + [service.popularity * w for service in profile.services for w in (1.0, 0.4)]
    )
    clicks, impressions = by_date["clicks"].to_numpy(), by_date["impressions"].to_numpy()
    known_clicks = rng.binomial(clicks, SHARE_OF_CLICKS_WITH_A_KNOWN_QUERY)
    known_impressions = np.maximum(
        rng.binomial(impressions, SHARE_OF_CLICKS_WITH_A_KNOWN_QUERY), known_clicks
    )
    days = by_date["date"].to_numpy()
    by_page = _breakdown(rng, days, pages, page_weights, clicks, impressions)
    by_query = _breakdown(rng, days, queries, query_weights, known_clicks, known_impressions)
    return {
        f"performance_by_{dimension}": _with_data_state(
            pd.DataFrame(
                {
                    "tenant_id": tenant_id,
                    "site_url": profile.site_url,
                    "search_type": "web",
                    "date": frame["date"],
                    dimension: frame["value"],
                    "clicks": frame["clicks"],
                    "impressions": frame["impressions"],
                    "ctr": _ctr(frame["clicks"], frame["impressions"]),
                    "position": frame["position"],
                }
            ),
            clock,
        )
        for dimension, frame in (("page", by_page), ("query", by_query))
    }


def _breakdown(rng, days, values, weights, clicks, impressions) -> dict[str, np.ndarray]:
    """Split each day's clicks and impressions over ``values`` (multinomial on ``weights``)."""
    shares = weights / weights.sum()
    click_split = np.stack([rng.multinomial(n, shares) for n in clicks])
    # Impressions spread wider than clicks (lower-ranked pages are seen, not clicked).
    flatter = np.sqrt(shares) / np.sqrt(shares).sum()
    extra = np.stack([rng.multinomial(n, flatter) for n in np.maximum(impressions - clicks, 0)])
    impression_split = click_split + extra
    day, value = np.nonzero(impression_split)
    positions = rng.normal(6.0, 2.0, len(values)).clip(1.0, 40.0)
    return {
        "date": days[day],
        "value": np.asarray(values, dtype=object)[value],
        "clicks": click_split[day, value],
        "impressions": impression_split[day, value],
        "position": np.round(
            (positions[value] * rng.lognormal(0.0, 0.1, len(day))).clip(1.0, 100.0), 2
        ),
    }


def _with_data_state(frame: pd.DataFrame, clock: Clock) -> pd.DataFrame:
    """Flag the last days as the API does when asked for ``dataState: all``."""
    first_incomplete = clock.end - dt.timedelta(days=INCOMPLETE_DAYS - 1)
    incomplete = frame["date"].to_numpy() >= first_incomplete
    return frame.assign(
        data_state=np.where(incomplete, "incomplete", "final"),
        first_incomplete_date=first_incomplete,
    )


def _ctr(clicks: np.ndarray, impressions: np.ndarray) -> np.ndarray:
    clicks, impressions = np.asarray(clicks), np.asarray(impressions)
    out = np.zeros(len(clicks))
    return np.round(np.divide(clicks, impressions, where=impressions > 0, out=out), 6)


def _slug(title: str) -> str:
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return "-".join(plain.lower().split())


def calendar_report(tenant_id: str, profile: TenantProfile, events: pd.DataFrame) -> pd.DataFrame:
    return events.assign(tenant_id=tenant_id, country_code=profile.country_code)[
        ["tenant_id", "country_code", "event_date", "event_name", "event_type"]
    ]
