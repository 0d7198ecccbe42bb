"""A simulator with known truth for the MMM: revenue from spend with chosen collinearity.

Three paid channels with different carry-over and saturation (the transforms of
``transforms.py``), an additive baseline (trend, weekly and yearly seasonality, holidays,
commercial events, organic search clicks) and Gaussian noise. Each channel's effect size is
set so that its historical ROI is a chosen number, so ROI, contribution shares and the
optimal budget split are all known exactly.

Difficulty is how much the channels' spend plans move together: ``easy`` plans are
independent and each has periods of little or no spend (two-week pauses, pulses), ``medium``
plans are steady and share 60 % of their log-variation (correlation about 0.7), ``hard``
plans are steady and share 93 % (correlation above 0.99: the team scales every channel up and
down together), where attribution between channels is not identified.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml_assets.mmm.transforms import geometric_adstock, hill

#: Difficulty -> (weight of the shared plan in log spend, whether channels pause or pulse).
DIFFICULTIES = {"easy": (0.0, True), "medium": (0.6, False), "hard": (0.93, False)}
MAX_LAG = 13


@dataclass(frozen=True)
class TrueChannel:
    name: str
    mean_spend: float  # per day
    decay: float
    half_saturation_ratio: float  # half-saturation / mean spend
    shape: float
    roi: float  # historical revenue per unit of spend over the simulated window
    style: str  # how the plan pauses in the easy case: dark_periods or pulsed


CHANNELS = (
    TrueChannel("search", 120_000.0, 0.3, 1.0, 1.3, 3.0, "dark_periods"),
    TrueChannel("social", 80_000.0, 0.6, 1.2, 1.8, 2.0, "dark_periods"),
    TrueChannel("video", 50_000.0, 0.8, 1.5, 2.2, 1.2, "pulsed"),
)


@dataclass(frozen=True)
class SimulatedData:
    """The simulated frame (one row per day) and its truth."""

    frame: pd.DataFrame  # date, revenue, <channel spend>..., organic_clicks, holiday, event
    truth: dict  # per channel: decay, max_lag, half_saturation, shape, beta, roi, share, ...
    contributions: pd.DataFrame  # true daily contribution per channel


def _plan(rng, n_days, style, events, common, weight: float, styled: bool) -> np.ndarray:
    """Daily spend multiplier with mean 1: monthly budget steps, noise, style, event pushes."""
    own = np.log(np.repeat(rng.uniform(0.5, 1.5, n_days // 30 + 1), 30)[:n_days])
    own += rng.normal(0.0, 0.25, n_days)
    plan = np.exp(weight * common + (1.0 - weight) * own)
    if styled:
        if style == "pulsed":
            plan *= (np.arange(n_days) % 35) < 21
        elif style == "dark_periods":
            for start in rng.choice(n_days - 14, size=max(1, n_days // 180), replace=False):
                plan[start : start + 14] = 0.0
    plan *= np.where(events, 1.8, 1.0)
    return plan / plan.mean()


def _calendar(dates: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Fixed-date holidays and three-day commercial events (CyberDay-like) every year."""
    month_day = list(zip(dates.month, dates.day, strict=True))
    holiday = np.array([md in {(1, 1), (5, 1), (9, 18), (9, 19), (12, 25)} for md in month_day])
    event = np.array(
        [(m == 6 and d <= 3) or (m == 11 and d >= 28) or (m == 10 and d <= 3) for m, d in month_day]
    )
    return holiday, event


def simulate(
    difficulty: str = "easy",
    *,
    n_days: int = 730,
    seed: int = 0,
    noise: float = 0.04,
    channels: tuple[TrueChannel, ...] = CHANNELS,
    start: str = "2024-01-01",
) -> SimulatedData:
    """Simulate ``n_days`` of revenue; ``noise`` is the noise sd as a share of mean revenue."""
    if difficulty not in DIFFICULTIES:
        raise ValueError(f"difficulty must be one of {sorted(DIFFICULTIES)}")
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=n_days, freq="D")
    holiday, event = _calendar(dates)
    weight, styled = DIFFICULTIES[difficulty]
    common = np.log(np.repeat(rng.uniform(0.5, 1.5, n_days // 30 + 1), 30)[:n_days])
    common += rng.normal(0.0, 0.25, n_days)

    level = 2_000_000.0
    t = np.arange(n_days) / n_days
    yearly = np.sin(2 * np.pi * dates.day_of_year.to_numpy() / 365.25 + 1.0)
    weekly = np.array([0.06, 0.03, 0.02, 0.0, -0.02, -0.04, -0.05])[dates.day_of_week.to_numpy()]
    clicks = rng.poisson(3000 * (1 + 0.3 * t + 0.1 * yearly) * np.exp(rng.normal(0, 0.1, n_days)))
    baseline = level * (1 + 0.15 * t + 0.08 * yearly + weekly - 0.2 * holiday + 0.3 * event)
    baseline += 60.0 * clicks

    frame = pd.DataFrame({"date": dates})
    contributions = pd.DataFrame({"date": dates})
    truth = {}
    for channel in channels:
        spend = np.round(
            channel.mean_spend * _plan(rng, n_days, channel.style, event, common, weight, styled)
        )
        carried = geometric_adstock(spend, channel.decay, MAX_LAG)
        half_saturation = channel.half_saturation_ratio * spend.mean()
        response = hill(carried, half_saturation, channel.shape)
        beta = channel.roi * spend.sum() / response.sum()
        frame[channel.name] = spend
        contributions[channel.name] = beta * response
        truth[channel.name] = {
            "decay": channel.decay,
            "max_lag": MAX_LAG,
            "half_saturation": float(half_saturation),
            "shape": channel.shape,
            "beta": float(beta),
            "roi": channel.roi,
            "total_spend": float(spend.sum()),
            "contribution": float(beta * response.sum()),
        }
    media = contributions[[c.name for c in channels]].sum(axis=1).to_numpy()
    revenue = baseline + media
    revenue += rng.normal(0.0, noise * revenue.mean(), n_days)
    frame["revenue"] = np.round(revenue)
    frame["organic_clicks"] = clicks
    frame["holiday"] = holiday.astype(int)
    frame["commercial_event"] = event.astype(int)
    total = float(frame["revenue"].sum())
    for values in truth.values():
        values["contribution_share"] = values["contribution"] / total
    return SimulatedData(frame, truth, contributions)
