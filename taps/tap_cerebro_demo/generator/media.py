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
    """A realistic, identifiable daily spend shape with mean 1.

    Each style is how such a channel is bought, and together they keep the
    channels' spend from moving in lockstep, which is what lets an MMM tell
    them apart; a channel whose spend never moves has no effect to measure
    (an always-on channel with steady budgets is confounded with the baseline):

    - ``always_on`` (search): a budget revised every month from last month's
      (a mean-reverting walk, so it climbs and falls for a season), and one or
      two week-long pauses a year (a budget cut, an account review);
    - ``flighted`` (social prospecting): flights of three to eight weeks, each at
      its own budget, with one to three dark weeks between them;
    - ``pulsed`` (short-video awareness): three weeks on and two off, each burst
      at its own budget.

    Every channel runs during commercial events, at 2.2 times its usual level,
    and delivery varies a little from day to day.
    """
    if style == "always_on":
        pattern = _monthly_budgets(rng, n_days)
        for start in rng.choice(n_days - 14, size=max(1, round(1.5 * n_days / 365)), replace=False):
            pattern[start : start + rng.integers(7, 13)] = 0.0
    elif style == "flighted":
        pattern = np.zeros(n_days)
        day = int(rng.integers(0, 14))
        while day < n_days:
            length = int(rng.integers(21, 57))
            pattern[day : day + length] = rng.uniform(0.5, 1.5)
            day += length + int(rng.integers(7, 22))
    elif style == "pulsed":
        pattern = np.zeros(n_days)
        for start in range(-int(rng.integers(0, 35)), n_days, 35):
            pattern[max(start, 0) : max(start + 21, 0)] = rng.uniform(0.6, 1.4)
    else:
        raise ValueError(f"unknown spend style {style!r}")
    usual = np.median(pattern[pattern > 0])
    pattern = np.where(event_mask, 2.2 * np.maximum(pattern, usual), pattern)
    pattern *= rng.lognormal(0.0, 0.2, size=n_days)
    return pattern / pattern.mean()


def _monthly_budgets(rng: np.random.Generator, n_days: int) -> np.ndarray:
    """Monthly budget levels, each set from the last: an AR(1) walk in log space."""
    months = n_days // 30 + 1
    log_level = np.zeros(months)
    for month in range(1, months):
        log_level[month] = 0.7 * log_level[month - 1] + rng.normal(0.0, 0.25)
    return np.repeat(np.exp(log_level), 30)[:n_days]


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
