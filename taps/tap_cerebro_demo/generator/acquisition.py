"""Acquisition: ad spend and organic demand become daily signups per channel.

Paid channels acquire through their media response (adstock + Hill, see
``media.py``); organic search through Search Console clicks; the other organic
channels follow seasonal demand. The expected total matches the requested
number of customers, so one profile serves every size from demo to benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .clock import Clock
from .experiments import LIFT_TEST_COLUMNS, geo_readout
from .media import (
    demand_index,
    geometric_adstock,
    hill,
    organic_search_clicks,
    spend_pattern,
    split_campaigns,
)
from .profiles import TenantProfile

# How each platform is bought (see media.spend_pattern).
SPEND_STYLES = {"google_ads": "always_on", "meta_ads": "flighted", "tiktok": "pulsed"}
CAMPAIGNS = {
    "google_ads": ("Search - Servicios hogar", "Search - Marca", "Performance Max"),
    "meta_ads": ("Prospección - Limpieza", "Prospección - Reparaciones", "Remarketing"),
    "tiktok": ("Awareness - Hogar", "Conversiones - Limpieza"),
}


@dataclass
class Acquisition:
    signups: pd.DataFrame  # one row per customer: channel, signup_t (local day offset)
    campaign_spend: pd.DataFrame  # day, platform, campaign, spend (currency, rounded)
    search_clicks: np.ndarray  # per day
    truth: dict  # per channel: media parameters and expected signups
    experiments: pd.DataFrame  # lift-test results the store read out (LIFT_TEST_COLUMNS)


def _round_money(values: np.ndarray, decimals: int) -> np.ndarray:
    return np.round(values, decimals)


def simulate_acquisition(
    rng: np.random.Generator,
    profile: TenantProfile,
    clock: Clock,
    customers: int,
    holiday_days: set,
    event_days: set,
) -> Acquisition:
    """Daily signups per channel for about ``customers`` customers in total."""
    dates = clock.dates
    demand = demand_index(dates, holiday_days, event_days)
    event_mask = np.array([d in event_days for d in dates.date])
    intensities, spend_rows, truth = [], [], {}
    search_clicks = np.zeros(clock.days, dtype=np.int64)
    study = profile.geo_holdout
    dark = study.dark_days(clock.days) if study else np.zeros(clock.days, dtype=bool)
    tested = None

    for channel in profile.channels:
        per_day = channel.share * customers / clock.days
        if channel.media is not None:
            media = channel.media
            daily = (
                media.cac
                * per_day
                * spend_pattern(rng, clock.days, SPEND_STYLES[media.platform], event_mask)
            )
            planned = split_campaigns(rng, daily, len(CAMPAIGNS[media.platform]))
            # During a geo holdout half of the regions are dark: half the national spend,
            # and half of what the whole country would have brought (experiments.py).
            is_tested = study is not None and study.platform == media.platform
            lit = np.where(dark & is_tested, 0.5, 1.0)
            by_campaign = _round_money(planned * lit[:, None], profile.currency_decimals)
            spend = by_campaign.sum(axis=1)
            for k, campaign in enumerate(CAMPAIGNS[media.platform]):
                spend_rows.append(
                    pd.DataFrame(
                        {
                            "day": np.arange(clock.days),
                            "platform": media.platform,
                            "campaign": campaign,
                            "spend": by_campaign[:, k],
                        }
                    )
                )
            national = planned.sum(axis=1)
            adstocked = geometric_adstock(national, media.adstock_decay, media.adstock_max_lag)
            half_saturation = media.half_saturation_ratio * national.mean()
            response = hill(adstocked, half_saturation, media.hill_shape)
            beta = per_day * clock.days / response.sum()
            intensity = beta * response * lit
            tested_truth = {}
            if is_tested:
                tested = len(intensities)
                tested_truth = {"geo_holdout_expected_lift": float(intensity[dark].sum())}
            truth[channel.group] = {
                **tested_truth,
                "platform": media.platform,
                "adstock": "geometric_normalized",
                "adstock_decay": media.adstock_decay,
                "adstock_max_lag": media.adstock_max_lag,
                "hill_half_saturation": float(half_saturation),
                "hill_shape": media.hill_shape,
                "beta_signups_per_day": float(beta),
                "total_spend": float(spend.sum()),
            }
        elif channel.group == "SEO / Orgánico":
            search_clicks = organic_search_clicks(
                rng, demand, per_day * profile.search_clicks_per_customer
            )
            intensity = search_clicks / profile.search_clicks_per_customer
            truth[channel.group] = {"search_clicks_per_signup": profile.search_clicks_per_customer}
        else:
            intensity = per_day * demand / demand.mean()
            truth[channel.group] = {}
        truth[channel.group]["expected_new_customers"] = float(intensity.sum())
        intensities.append(intensity)

    counts = rng.poisson(np.vstack(intensities))  # channels x days
    channel_idx, day = np.nonzero(counts)
    repeats = counts[channel_idx, day]
    signups = pd.DataFrame(
        {"channel": np.repeat(channel_idx, repeats), "day": np.repeat(day, repeats)}
    )
    signups["signup_t"] = clock.at_busy_hours(rng, signups["day"].to_numpy())
    signups = signups.sort_values("signup_t", kind="stable").reset_index(drop=True)
    campaign_spend = pd.concat(spend_rows, ignore_index=True)
    experiments = (
        pd.DataFrame(columns=LIFT_TEST_COLUMNS)
        if tested is None
        else geo_readout(rng, counts, tested, dark, profile.channels[tested].group, dates)
    )
    return Acquisition(signups, campaign_spend, search_clicks, truth, experiments)
