"""Weekly marketing data with many channels and known truth, for benchmarking MMMs.

    python -m benchmarks.mmm_suite.weekly --level weekly-3y --seed 7 --out DIR

The most common marketing-mix input there is: one row per week, one to four years, eight to
ten paid channels (always-on search and social, flighted TV, radio, video and outdoor, bursty
small channels), a few controls and the calendar. Written like ``independent.py`` (whose
calendar and helpers it borrows), from a description and not from Cerebro's model:
"weekly, 1-4 years; an additive baseline with trend, yearly seasonality, holiday and
commercial-event weeks; controls: organic search clicks (following demand), promotion depth
and a price index; 8-10 channels with normalised geometric adstock of up to 6 weeks and Hill
saturation; media 20-35 % of revenue; 4-8 % weekly noise; spend partly shared, partly
following demand, as real plans are."

Every seed draws its own parameters from ranges; each channel's beta is solved so that its
ROI over the training window (every week but the last ``HOLDOUT_WEEKS``) is the ROI it drew.
The levels differ in length only: ``weekly-1y`` trains on one year, ``weekly-3y`` on three
to four. With ten channels and one year some channels are thin on purpose (a radio flight or
two, a small display budget): a model should say it cannot judge them.

Seeds looked at while Cerebro's weekly fits were built: 0-4 (docs/budget-brain.md, decision
0054); the tests and the benchmark's table use others.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from benchmarks.mmm_suite.independent import (
    SimulatedData,
    _ar1,
    _json_ready,
    commercial_event_dates,
    holiday_dates,
    level_rng,
    mean_pairwise_correlation,
    media_response,
    write,
)

PERIOD_DAYS = 7
HOLDOUT_WEEKS = 8
#: Training weeks per level: (fewest, most).
LEVEL_WEEKS = {"weekly-1y": (52, 52), "weekly-3y": (156, 208)}
LEVELS = tuple(LEVEL_WEEKS)
#: Adstock reaches back 5 weeks: 6 weights, this week's included.
MAX_LAG = 5
CONTROLS = ("organic_clicks", "promo_depth", "price_index")
EVENTS = ("holiday_week", "commercial_event_week")


@dataclass(frozen=True)
class ChannelKind:
    """How a channel spends: ``always`` (every week), ``flights`` (weeks on air, then dark),
    ``bursts`` (a low level with pauses and bursts); its expected share of spend; the range
    of its adstock decay per week (TV and outdoor carry over longer than search)."""

    plan: str
    spend_share: float
    decay: tuple[float, float]


#: Ten channels; a seed keeps the first 8, 9 or 10 (the last ones are the small ones).
CHANNELS = {
    "search": ChannelKind("always", 0.22, (0.0, 0.4)),
    "social": ChannelKind("always", 0.16, (0.0, 0.5)),
    "tv": ChannelKind("flights", 0.20, (0.3, 0.7)),
    "shopping": ChannelKind("always", 0.10, (0.0, 0.4)),
    "video": ChannelKind("flights", 0.08, (0.1, 0.6)),
    "radio": ChannelKind("flights", 0.06, (0.1, 0.6)),
    "ooh": ChannelKind("flights", 0.06, (0.2, 0.7)),
    "tiktok": ChannelKind("bursts", 0.05, (0.0, 0.5)),
    "affiliates": ChannelKind("always", 0.04, (0.0, 0.3)),
    "display": ChannelKind("bursts", 0.03, (0.0, 0.5)),
}

#: How the spend plans are built (weights in log spend): each channel's own budget moves, a
#: budget factor every channel follows, and how much the team spends into high demand.
OWN, SHARED, DEMAND = 0.30, 0.15, 0.15


def _week_starts(rng: np.random.Generator, level: str) -> pd.DatetimeIndex:
    fewest, most = LEVEL_WEEKS[level]
    n_weeks = int(rng.integers(fewest, most + 1)) + HOLDOUT_WEEKS
    first = dt.date(2021, 1, 4) + dt.timedelta(weeks=int(rng.integers(0, 105)))  # a Monday
    return pd.date_range(first, periods=n_weeks, freq="7D", name="date")


def _week_flags(weeks: pd.DatetimeIndex, dates_of_year) -> np.ndarray:
    """1 for weeks (Monday to Sunday) with at least one of the dates."""
    years = range(weeks[0].year, weeks[-1].year + 2)
    marked = set().union(*(dates_of_year(year) for year in years))
    return np.array(
        [any(start.date() + dt.timedelta(days=d) in marked for d in range(7)) for start in weeks],
        dtype=int,
    )


def _baseline(rng, weeks, holiday, event):
    """Intercept, trend, yearly seasonality, holiday and event weeks (CLP a week)."""
    n = len(weeks)
    level = rng.uniform(1.5e7, 6e7)
    growth, bend = rng.uniform(-0.10, 0.35) * n / 156, rng.uniform(-0.5, 0.5)
    tau = np.arange(n) / (n - 1)
    middle = weeks + pd.Timedelta(days=3)
    angle = 2 * np.pi * middle.day_of_year.to_numpy() / 365.25
    amplitudes = np.array([rng.uniform(0.05, 0.20), rng.uniform(0.0, 0.06)]) * level
    phases = rng.uniform(0.0, 2 * np.pi, 2)
    holiday_effect = rng.uniform(-0.08, 0.10) * level
    event_effect = rng.uniform(0.15, 0.45) * level
    components = pd.DataFrame(
        {
            "intercept": np.full(n, level),
            "trend": level * growth * (tau + bend * tau * (tau - 1)),
            "yearly": sum(
                amplitude * np.cos((k + 1) * angle - phase)
                for k, (amplitude, phase) in enumerate(zip(amplitudes, phases, strict=True))
            ),
            "holiday_week": holiday_effect * holiday,
            "commercial_event_week": event_effect * event,
        }
    )
    params = {
        "level": level,
        "growth": growth,
        "trend_bend": bend,
        "yearly_amplitudes": amplitudes.tolist(),
        "yearly_phases": phases.tolist(),
        "holiday_week_effect": holiday_effect,
        "commercial_event_week_effect": event_effect,
    }
    return components, params


def _controls(rng, core):
    """Organic clicks (follow demand, drift), promotion depth (share off in promoted weeks)
    and a price index (around 1): the columns, their revenue per unit and their params."""
    n = len(core)
    demand = core / core.mean()
    clicks_level = rng.uniform(2e4, 1.5e5)
    clicks = np.rint(
        clicks_level * demand ** rng.uniform(0.4, 0.9) * np.exp(0.08 * _ar1(rng, n, 0.7))
    )
    organic_share = rng.uniform(0.08, 0.20)
    per_click = organic_share / (1 - organic_share) * core.mean() / clicks.mean()
    promoted = rng.random(n) < rng.uniform(0.10, 0.25)
    promo = np.where(promoted, rng.choice([0.1, 0.15, 0.2, 0.3], n), 0.0)
    # Revenue gained per point of discount: a 20 % promotion adds 4-16 % of a week's level.
    per_promo = rng.uniform(0.2, 0.8) * core.mean()
    price = np.round(1.0 + 0.03 * _ar1(rng, n, 0.85), 4)
    # Price elasticity of revenue below -1 in level terms: dearer weeks sell less.
    per_price = -rng.uniform(0.5, 2.0) * core.mean()
    columns = {"organic_clicks": clicks, "promo_depth": promo, "price_index": price}
    effects = {
        "organic_clicks": per_click * clicks,
        "promo_depth": per_promo * promo,
        "price_index": per_price * (price - 1.0),
    }
    params = {
        "revenue_per_click": per_click,
        "revenue_per_promo_depth": per_promo,
        "revenue_per_price_index": per_price,
    }
    return columns, effects, params


def _flights(rng, n: int) -> np.ndarray:
    """Weeks on air (2-8) then dark (2-10), starting at random."""
    mask, on_air, start = np.zeros(n), bool(rng.random() < 0.5), 0
    while start < n:
        length = int(rng.integers(2, 9) if on_air else rng.integers(2, 11))
        mask[start : start + length] = 1.0 if on_air else 0.0
        start, on_air = start + length, not on_air
    if not mask.any():
        mask[: int(rng.integers(2, 9))] = 1.0
    return mask


def _bursts(rng, n: int) -> np.ndarray:
    """Mostly on, with one to three pauses of 2-6 weeks and bursts of 2-4 weeks at 2-3x."""
    mask = np.ones(n)
    for _ in range(int(rng.integers(1, 4))):
        days = int(rng.integers(2, 7))
        start = int(rng.integers(0, max(1, n - days)))
        mask[start : start + days] = 0.0
    for _ in range(int(rng.integers(1, 4))):
        days = int(rng.integers(2, 5))
        start = int(rng.integers(0, max(1, n - days)))
        mask[start : start + days] *= rng.uniform(2.0, 3.0)
    return mask


def _spend_plans(rng, names, demand, train):
    """Each channel's weekly spend shape (mean 1 over the training weeks)."""
    n = len(demand)
    log_demand = np.log(demand)
    demand_z = (log_demand - log_demand.mean()) / log_demand.std()
    shared = _ar1(rng, n, 0.7)
    plans = {}
    for name in names:
        log_plan = OWN * _ar1(rng, n, 0.6) + SHARED * shared + DEMAND * demand_z
        kind = CHANNELS[name].plan
        modifier = (
            _flights(rng, n) if kind == "flights" else _bursts(rng, n) if kind == "bursts" else 1
        )
        plan = np.exp(log_plan) * modifier
        if plan[:train].sum() <= 0:  # a flighted channel dark for all of training
            plan[: min(4, train)] = 1.0
        plans[name] = plan / plan[:train].mean()
    return plans


def _media(rng, names, plans, train_baseline, train):
    """Spend, true contributions and parameters, calibrated on the training weeks."""
    target_share = rng.uniform(0.20, 0.35)
    expected = np.array([CHANNELS[name].spend_share for name in names])
    mix = rng.dirichlet(30 * expected / expected.sum())
    portfolio = np.exp(rng.uniform(np.log(1.5), np.log(3.5)))
    relative = np.exp(rng.normal(0.0, 0.5, len(names)))
    rois = np.clip(portfolio * relative / (mix * relative).sum(), 0.3, 6.0)
    total_spend = target_share / (1 - target_share) * train_baseline / (mix * rois).sum()
    spend, contributions, params = {}, {}, {}
    for name, share, roi in zip(names, mix, rois, strict=True):
        weekly = np.rint(total_spend * share / train * plans[name])
        decay = rng.uniform(*CHANNELS[name].decay)
        ratio, shape = rng.uniform(0.5, 2.5), rng.uniform(0.7, 3.0)
        spend[name] = weekly
        contributions[name], params[name] = media_response(
            weekly, roi, train, decay=decay, ratio=ratio, shape=shape, max_lag=MAX_LAG
        )
    return pd.DataFrame(spend), pd.DataFrame(contributions), params, target_share


def generate(level: str, seed: int) -> SimulatedData:
    """Simulate one weekly account; see the module docstring."""
    # A stream apart from independent.py's (whose levels use [seed, 0..2]).
    rng = level_rng(level, seed, LEVELS, stream=100)
    weeks = _week_starts(rng, level)
    n, train = len(weeks), len(weeks) - HOLDOUT_WEEKS
    holiday = _week_flags(weeks, holiday_dates)
    event = _week_flags(weeks, commercial_event_dates)
    components, baseline_params = _baseline(rng, weeks, holiday, event)
    core = components.sum(axis=1).to_numpy()
    control_columns, control_effects, control_params = _controls(rng, core)
    for name, effect in control_effects.items():
        components[name] = effect
    baseline = components.sum(axis=1).to_numpy()
    names = list(CHANNELS)[: int(rng.integers(8, 11))]
    plans = _spend_plans(rng, names, core, train)
    spend, contributions, channel_params, target_share = _media(
        rng, names, plans, baseline[:train].sum(), train
    )
    expected = baseline + contributions.sum(axis=1).to_numpy()
    noise_sd = rng.uniform(0.04, 0.08) * expected.mean()
    revenue = expected + rng.normal(0.0, noise_sd, n)
    frame = pd.DataFrame({"date": weeks, "revenue": revenue})
    frame[names] = spend.to_numpy()
    for name, values in control_columns.items():
        frame[name] = values
    frame["holiday_week"], frame["commercial_event_week"] = holiday, event
    truth = {
        "level": level,
        "seed": seed,
        "period_days": PERIOD_DAYS,
        "n_weeks": n,
        "train_weeks": train,
        "holdout_weeks": HOLDOUT_WEEKS,
        "start_date": weeks[0].strftime("%Y-%m-%d"),
        "target_media_share": target_share,
        "noise_sd": noise_sd,
        **_truth(frame, contributions, names, channel_params, train),
        "baseline": baseline_params | control_params,
    }
    contributions.insert(0, "date", weeks)
    components.insert(0, "date", weeks)
    components.insert(1, "baseline", baseline)
    return SimulatedData(
        frame=frame,
        channels=names,
        controls=list(CONTROLS),
        signed_controls=["price_index"],  # a higher price sells less: not a demand signal
        events=list(EVENTS),
        truth=_json_ready(truth),
        contributions=contributions,
        baseline=components,
    )


def _truth(frame, contributions, names, channel_params, train):
    """Each channel's ROI, contribution and share over the training weeks."""
    revenue = frame["revenue"].iloc[:train].sum()
    channels = {}
    for name in names:
        contribution = contributions[name].iloc[:train].sum()
        spend = frame[name].iloc[:train].sum()
        channels[name] = channel_params[name] | {
            "roi": contribution / spend,
            "contribution": contribution,
            "share": contribution / revenue,
            "total_spend": spend,
            "active_weeks": int((frame[name].iloc[:train] > 0).sum()),
        }
    return {
        "media_share": contributions[names].iloc[:train].to_numpy().sum() / revenue,
        "channels": channels,
        "spend_correlation": mean_pairwise_correlation(frame[names].iloc[:train]),
    }


def main(argv: list[str] | None = None) -> None:
    """Command line: simulate one (level, seed) and write it to --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", choices=LEVELS, default="weekly-3y")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=str, required=True)
    args = parser.parse_args(argv)
    data = generate(args.level, args.seed)
    write(data, args.out)
    truth = data.truth
    print(
        f"{args.out}: {truth['n_weeks']} weeks from {truth['start_date']}, "
        f"{len(data.channels)} channels, media share {truth['media_share']:.1%}, "
        f"spend correlation {truth['spend_correlation']:.2f}"
    )


if __name__ == "__main__":
    main()
