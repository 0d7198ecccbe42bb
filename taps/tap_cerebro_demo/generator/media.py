"""Daily ad spend and organic search, and the media response that turns them into signups.

The response is Jin, Wang, Sun, Chan & Koehler (2017), "Bayesian Methods for
Media Mix Modeling with Carryover and Shape Effects": normalized geometric
adstock (their eq. 1 with w(l) = decay**l) followed by the Hill function
(their eq. 4). The generator applies it; the MMM must recover it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def geometric_adstock(spend: np.ndarray, decay: float, max_lag: int) -> np.ndarray:
    """Normalized geometric carry-over: sum_l decay**l * x[t-l] / sum_l decay**l."""
    weights = decay ** np.arange(max_lag + 1)
    carried = np.convolve(spend, weights)[: len(spend)]
    return carried / weights.sum()


def hill(x: np.ndarray, half_saturation: float, shape: float) -> np.ndarray:
    """Hill saturation in [0, 1): x**S / (x**S + K**S)."""
    ratio = np.divide(x, half_saturation, out=np.zeros_like(x, dtype=float), where=x > 0)
    return ratio**shape / (1.0 + ratio**shape)


def demand_index(dates: pd.DatetimeIndex, holiday_days: set, event_days: set) -> np.ndarray:
    """Seasonal demand for home services, mean about 1.

    December and March (back to routine) are busy, winter (June-August) is
    quieter; Mondays busier than Sundays; public holidays are quiet and
    commercial events busy.
    """
    day_of_year = dates.day_of_year.to_numpy()
    yearly = 1.0 + 0.15 * np.cos(2 * np.pi * (day_of_year - 350) / 365.25)
    yearly += 0.05 * np.cos(4 * np.pi * (day_of_year - 75) / 365.25)
    weekly = np.array([1.12, 1.05, 1.02, 1.0, 0.98, 0.93, 0.9])[dates.day_of_week.to_numpy()]
    days = dates.date
    holiday = np.array([0.7 if d in holiday_days else 1.0 for d in days])
    event = np.array([1.35 if d in event_days else 1.0 for d in days])
    return yearly * weekly * holiday * event


def spend_pattern(
    rng: np.random.Generator, n_days: int, style: str, event_mask: np.ndarray
) -> np.ndarray:
    """A realistic, identifiable spend shape with mean about 1.

    Budgets move in steps (monthly planning), campaigns go dark for a while,
    and some channels run in pulses; all of them spend more during commercial
    events. Different styles per channel keep their spend from moving in
    lockstep, which is what lets an MMM tell channels apart.
    """
    steps = np.repeat(rng.uniform(0.6, 1.4, size=n_days // 30 + 1), 30)[:n_days]
    pattern = steps.copy()
    if style == "pulsed":  # three weeks on, two weeks off
        pattern *= (np.arange(n_days) % 35) < 21
    elif style == "dark_periods":  # a few two-week pauses a year
        for start in rng.choice(n_days - 14, size=max(1, n_days // 180), replace=False):
            pattern[start : start + 14] = 0.0
    pattern *= np.where(event_mask, 2.2, 1.0)
    pattern *= rng.lognormal(0.0, 0.2, size=n_days)
    return pattern / pattern.mean()


def split_campaigns(
    rng: np.random.Generator, daily_total: np.ndarray, n_campaigns: int
) -> np.ndarray:
    """Shares of the channel's spend per campaign, drifting slowly over time."""
    walk = np.cumsum(rng.normal(0.0, 0.08, size=(len(daily_total), n_campaigns)), axis=0)
    weights = np.exp(walk + rng.normal(0.0, 0.5, size=n_campaigns))
    return daily_total[:, None] * weights / weights.sum(axis=1, keepdims=True)


def organic_search_clicks(
    rng: np.random.Generator, demand: np.ndarray, mean_clicks: float
) -> np.ndarray:
    """Search Console clicks: demand-driven with slow SEO growth over the period."""
    growth = np.linspace(0.8, 1.2, len(demand))
    raw = demand * growth * rng.lognormal(0.0, 0.1, size=len(demand))
    return rng.poisson(mean_clicks * raw / raw.mean())
