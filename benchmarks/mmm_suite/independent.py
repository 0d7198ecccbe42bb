"""An independent simulator of daily marketing data with known truth, for benchmarking MMMs.

    python -m benchmarks.mmm_suite.independent --level medium --seed 101 --out DIR

Written from an outside evaluator's one-paragraph description only, never from Cerebro's own
MMM or demo generator, so that a model cannot pass by sharing its simulator's assumptions:
"daily, 1-2 years; an additive baseline with trend, weekly and yearly seasonality, Chilean
holidays and commercial events, an organic-search control, four channels with normalised
geometric adstock of up to 14 days and Hill saturation, 10 % noise, media ~30 % of revenue;
three levels of spend collinearity and of spend following demand."

Every seed draws its own parameters from ranges. Revenue is additive:
``revenue_t = baseline_t + sum_c beta_c * hill(adstock(spend_c)_t) + noise_t``, where the
baseline holds the intercept, trend, weekly and yearly seasonality, holiday and event effects
and ``revenue_per_click * organic_clicks_t``. Each channel's beta is solved so that its ROI over
the training window (every day but the last ``HOLDOUT_DAYS``) is the ROI it drew, and the spend
level so that media make the drawn share (25-35 %) of training revenue.

The levels change two things together, as real accounts do: how collinear the channels' spend
plans are (one shared budget factor) and how closely spend follows demand (the team spends more
when the baseline is high), two common reasons MMMs misattribute.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

LEVELS = ("easy", "medium", "hard")
HOLDOUT_DAYS = 56
#: Always-on search, always-on social, flighted video, and a small display channel.
CHANNELS = ("search", "social", "video", "display")
CONTROLS = ("organic_clicks",)
EVENTS = ("holiday", "commercial_event")
#: Adstock reaches back 13 days: 14 weights, today's included.
MAX_LAG = 13
MIN_DAYS = 365 + HOLDOUT_DAYS
MAX_DAYS = 730

#: Chile's public holidays on fixed dates, as (month, day). Rules
#: that move a few of them to a Monday, and Holy Saturday, are left out: the description names
#: these dates plus Good Friday.
CHILE_FIXED_HOLIDAYS = (
    (1, 1),
    (5, 1),
    (5, 21),
    (6, 29),
    (7, 16),
    (8, 15),
    (9, 18),
    (9, 19),
    (10, 12),
    (10, 31),
    (11, 1),
    (12, 8),
    (12, 25),
)

#: Expected share of each channel in total spend; each seed perturbs it (Dirichlet).
SPEND_MIX = {"search": 0.40, "social": 0.30, "video": 0.22, "display": 0.08}


@dataclass(frozen=True)
class PlanSettings:
    """How a difficulty level builds the channels' spend plans (weights are in log spend)."""

    independent: float  # sd of each channel's own budget changes
    shared: float  # sd of the budget factor every channel follows
    demand: float  # change per sd of log demand: how much the team spends into high demand
    flight_floor: float  # video's spend between flights, as a share of its flight level
    pauses_and_bursts: bool  # whether always-on channels pause and burst on their own


LEVEL_PLANS = {
    "easy": PlanSettings(
        independent=0.45, shared=0.0, demand=0.0, flight_floor=0.0, pauses_and_bursts=True
    ),
    "medium": PlanSettings(
        independent=0.15, shared=0.2, demand=0.15, flight_floor=0.6, pauses_and_bursts=False
    ),
    "hard": PlanSettings(
        independent=0.08, shared=0.12, demand=0.3, flight_floor=1.0, pauses_and_bursts=False
    ),
}


@dataclass
class SimulatedData:
    """One simulated account: the frame a model sees, and the truth it is scored against."""

    frame: pd.DataFrame
    channels: list[str]
    controls: list[str]
    events: list[str]
    truth: dict[str, Any]
    contributions: pd.DataFrame
    #: date, the true baseline and its additive components (not part of a model's input).
    baseline: pd.DataFrame
    #: The controls that may lower the target (a price): a user declares them so, the rest
    #: are demand signals (``MarketingMixModel.signed_controls``).
    signed_controls: list[str] = field(default_factory=list)


# Calendar -------------------------------------------------------------------------------------


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter (the anonymous Meeus/Jones/Butcher algorithm): Good Friday moves with it."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th given weekday (Monday = 0) of a month: commercial events are set this way."""
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _days(start: dt.date, count: int) -> list[dt.date]:
    return [start + dt.timedelta(days=offset) for offset in range(count)]


def holiday_dates(year: int) -> set[dt.date]:
    """Chile's public holidays in a year: the fixed dates plus Good Friday."""
    fixed = {dt.date(year, month, day) for month, day in CHILE_FIXED_HOLIDAYS}
    return fixed | {easter_sunday(year) - dt.timedelta(days=2)}


def commercial_event_dates(year: int) -> set[dt.date]:
    """CyberDay (3 days from June's first Monday), Black Friday to Cyber Monday (the 4 days after
    November's 4th Thursday) and CyberMonday Chile (3 days from October's first Monday).

    The organisers (Cámara de Comercio de Santiago) announce the dates each year; these rules
    land within a few days of the real ones, which is all a daily 0/1 flag needs.
    """
    thanksgiving = _nth_weekday(year, 11, 3, 4)
    return {
        *_days(_nth_weekday(year, 6, 0, 1), 3),
        *_days(thanksgiving + dt.timedelta(days=1), 4),
        *_days(_nth_weekday(year, 10, 0, 1), 3),
    }


def _flags(dates: pd.DatetimeIndex, dates_of_year) -> np.ndarray:
    marked = set().union(*(dates_of_year(year) for year in sorted(set(dates.year))))
    return np.array([day.date() in marked for day in dates], dtype=int)


# Baseline -------------------------------------------------------------------------------------


def _ar1(rng: np.random.Generator, n_days: int, phi: float) -> np.ndarray:
    """A stationary AR(1) with unit variance: short-memory noise that stays independent of the
    yearly cycle (a random walk would correlate with it by chance over one or two years)."""
    shocks = rng.normal(0.0, np.sqrt(1.0 - phi**2), n_days)
    series = np.empty(n_days)
    series[0] = rng.normal()
    for day in range(1, n_days):
        series[day] = phi * series[day - 1] + shocks[day]
    return series


def _core_baseline(
    rng: np.random.Generator, dates: pd.DatetimeIndex, holiday: np.ndarray, event: np.ndarray
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Intercept, trend, weekly and yearly seasonality, holiday and event effects (CLP a day)."""
    n_days = len(dates)
    level = rng.uniform(2e6, 8e6)
    growth, bend = rng.uniform(-0.10, 0.40), rng.uniform(-0.5, 0.5)
    # tau + bend * tau * (tau - 1) runs from 0 to 1 and is monotone for |bend| < 1: a gentle bend.
    tau = np.arange(n_days) / (n_days - 1)
    weekday_effects = rng.normal(0.0, 0.05, 7) * level
    weekday_effects -= weekday_effects.mean()
    # Seasonality is tied to the calendar (day of year), not to the series' first day.
    angle = 2 * np.pi * dates.day_of_year.to_numpy() / 365.25
    amplitudes = np.array([rng.uniform(0.05, 0.20), rng.uniform(0.02, 0.07)]) * level
    amplitudes[1] *= rng.random() < 0.5  # a second harmonic in half the accounts
    phases = rng.uniform(0.0, 2 * np.pi, 2)
    holiday_effect = rng.choice([-1.0, 1.0]) * rng.uniform(0.05, 0.25) * level
    event_effect = rng.uniform(0.4, 1.2) * level
    components = pd.DataFrame(
        {
            "intercept": np.full(n_days, level),
            "trend": level * growth * (tau + bend * tau * (tau - 1)),
            "weekly": weekday_effects[dates.day_of_week.to_numpy()],
            "yearly": sum(
                amplitude * np.cos((harmonic + 1) * angle - phase)
                for harmonic, (amplitude, phase) in enumerate(zip(amplitudes, phases, strict=True))
            ),
            "holiday": holiday_effect * holiday,
            "commercial_event": event_effect * event,
        }
    )
    params = {
        "level": level,
        "growth": growth,
        "trend_bend": bend,
        "weekday_effects_monday_first": weekday_effects.tolist(),
        "yearly_amplitudes": amplitudes.tolist(),
        "yearly_phases": phases.tolist(),
        "holiday_effect": holiday_effect,
        "commercial_event_effect": event_effect,
    }
    return components, params


def _organic_search(
    rng: np.random.Generator, core: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float, dict[str, Any]]:
    """Organic clicks follow demand partly (elasticity < 1) with their own persistent noise
    (rankings drift slowly); each click brings a fixed revenue, a share of the baseline.

    Returns the clicks, the clicks demand alone would give, the revenue per click and params.
    """
    demand_index = core / core.mean()
    clicks_level = rng.uniform(3_000, 20_000)
    elasticity = rng.uniform(0.4, 0.9)
    noise_sd = rng.uniform(0.08, 0.15)
    expected = clicks_level * demand_index**elasticity
    noise = noise_sd * _ar1(rng, len(core), 0.6)
    clicks = np.rint(expected * np.exp(noise - noise_sd**2 / 2))
    organic_share = rng.uniform(0.10, 0.25)
    revenue_per_click = organic_share / (1 - organic_share) * core.mean() / clicks.mean()
    params = {
        "organic_share_of_baseline": organic_share,
        "revenue_per_click": revenue_per_click,
        "clicks_level": clicks_level,
        "clicks_demand_elasticity": elasticity,
        "clicks_noise_sd": noise_sd,
    }
    return clicks, expected, revenue_per_click, params


# Spend plans ----------------------------------------------------------------------------------


def _budget_changes(rng: np.random.Generator, n_days: int) -> np.ndarray:
    """Unit-variance budget moves: a weekly budget (AR(1) across weeks) plus daily pacing."""
    weeks = _ar1(rng, n_days // 7 + 1, 0.6)
    return 0.8 * np.repeat(weeks, 7)[:n_days] + 0.6 * _ar1(rng, n_days, 0.3)


def _flights(rng: np.random.Generator, n_days: int, floor: float) -> np.ndarray:
    """Campaign flights: 2-6 weeks on air, then 1-5 weeks dark (or at ``floor``)."""
    mask = np.empty(n_days)
    on_air, start = bool(rng.random() < 0.5), 0
    while start < n_days:
        length = int(rng.integers(14, 43) if on_air else rng.integers(7, 36))
        mask[start : start + length] = 1.0 if on_air else floor
        start, on_air = start + length, not on_air
    return mask


def _episodes(
    rng: np.random.Generator, n_days: int, factor: tuple[float, float], length: tuple[int, int]
) -> np.ndarray:
    """One to three stretches where spend is multiplied by a factor: pauses (0) or bursts (>1)."""
    mask = np.ones(n_days)
    for _ in range(int(rng.integers(1, 4))):
        days = int(rng.integers(length[0], length[1] + 1))
        start = int(rng.integers(0, n_days - days))
        mask[start : start + days] = rng.uniform(*factor)
    return mask


def _channel_modifiers(
    rng: np.random.Generator, n_days: int, settings: PlanSettings
) -> dict[str, np.ndarray]:
    """Each channel's own flights, pauses and bursts (all ones where the level has none)."""
    modifiers = {
        "search": np.ones(n_days),
        "social": _episodes(rng, n_days, (1.5, 2.5), (5, 14)),
        "video": _flights(rng, n_days, settings.flight_floor),
        "display": _episodes(rng, n_days, (0.0, 0.0), (7, 21)),
    }
    if not settings.pauses_and_bursts:
        modifiers["social"] = modifiers["display"] = np.ones(n_days)
    return modifiers


def spend_plans(
    rng: np.random.Generator, demand: np.ndarray, settings: PlanSettings, train_days: int
) -> dict[str, np.ndarray]:
    """Each channel's daily spend shape, mean 1 over the training window.

    log plan = independent * own budget moves + shared * common budget factor
               + demand * standardised log demand, times the channel's flights/pauses/bursts.
    """
    n_days = len(demand)
    log_demand = np.log(demand)
    demand_z = (log_demand - log_demand.mean()) / log_demand.std()
    shared = _budget_changes(rng, n_days)
    modifiers = _channel_modifiers(rng, n_days, settings)
    plans = {}
    for channel in CHANNELS:
        own = _budget_changes(rng, n_days)
        log_plan = settings.independent * own + settings.shared * shared
        plan = np.exp(log_plan + settings.demand * demand_z) * modifiers[channel]
        plans[channel] = plan / plan[:train_days].mean()
    return plans


# Media response -------------------------------------------------------------------------------


def adstock_weights(decay: float, max_lag: int = MAX_LAG) -> np.ndarray:
    """Normalised geometric weights a^l / sum_k a^k, l = 0..max_lag: they sum to 1, so adstock
    moves spend in time without changing its total (and K stays in spend units)."""
    weights = decay ** np.arange(max_lag + 1, dtype=float)
    return weights / weights.sum()


def adstock(spend: np.ndarray, decay: float, max_lag: int = MAX_LAG) -> np.ndarray:
    """x_t = sum_l w_l spend_{t-l}; spend before the first day counts as 0."""
    return np.convolve(spend, adstock_weights(decay, max_lag))[: len(spend)]


def hill(x: np.ndarray, half_saturation: float, shape: float) -> np.ndarray:
    """x^S / (x^S + K^S), written as r^S / (1 + r^S) with r = x / K to avoid overflow."""
    ratio_power = (np.asarray(x, dtype=float) / half_saturation) ** shape
    return ratio_power / (1.0 + ratio_power)


def _draw_rois(rng: np.random.Generator, mix: np.ndarray) -> np.ndarray:
    """ROIs (revenue per unit of spend) around a portfolio ROI of 1.5-3.5, so that spend is
    about 7-23 % of revenue when media make ~30 % of it; each channel in [0.5, 5]."""
    portfolio = np.exp(rng.uniform(np.log(1.5), np.log(3.5)))
    relative = np.exp(rng.normal(0.0, 0.5, len(mix)))
    return np.clip(portfolio * relative / (mix * relative).sum(), 0.5, 5.0)


def _media(
    rng: np.random.Generator, plans: dict[str, np.ndarray], train_baseline: float, train_days: int
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict[str, float]], float]:
    """Spend, true contributions and per-channel parameters, calibrated on the training window.

    The spend level follows from the drawn media share and ROIs: media = share / (1 - share)
    x baseline, and media = sum_c ROI_c x spend_c. Hill's K scales with each channel's mean
    spend, so the response's shape does not depend on that level, and beta is solved last.
    """
    target_share = rng.uniform(0.25, 0.35)
    mix = rng.dirichlet(20 * np.array([SPEND_MIX[channel] for channel in CHANNELS]))
    rois = _draw_rois(rng, mix)
    total_spend = target_share / (1 - target_share) * train_baseline / (mix * rois).sum()
    spend, contributions, params = {}, {}, {}
    for channel, share, roi in zip(CHANNELS, mix, rois, strict=True):
        daily = np.rint(total_spend * share / train_days * plans[channel])
        decay, ratio, shape = rng.uniform(0, 0.85), rng.uniform(0.5, 2.5), rng.uniform(0.7, 3.0)
        spend[channel] = daily
        contributions[channel], params[channel] = media_response(
            daily, roi, train_days, decay=decay, ratio=ratio, shape=shape, max_lag=MAX_LAG
        )
    return pd.DataFrame(spend), pd.DataFrame(contributions), params, target_share


def media_response(
    spend: np.ndarray,
    roi: float,
    train: int,
    *,
    decay: float,
    ratio: float,
    shape: float,
    max_lag: int,
) -> tuple[np.ndarray, dict[str, float]]:
    """One channel's true contribution per period (adstock, then Hill with its half-saturation
    at ``ratio`` times the training mean spend, scaled so that its ROI over the first ``train``
    periods is ``roi``) and its parameters as the truth records them."""
    half_saturation = ratio * spend[:train].mean()
    response = hill(adstock(spend, decay, max_lag), half_saturation, shape)
    beta = roi * spend[:train].sum() / response[:train].sum()
    params = {
        "decay": decay,
        "max_lag": max_lag,
        "half_saturation": half_saturation,
        "half_saturation_ratio": ratio,
        "shape": shape,
        "beta": beta,
    }
    return beta * response, params


# Assembly -------------------------------------------------------------------------------------


def level_rng(
    level: str, seed: int, levels: tuple[str, ...] = LEVELS, stream: int = 0
) -> np.random.Generator:
    """One generator per (level, seed): the same call repeats, another level differs; a
    simulator of its own passes its ``levels`` and a ``stream`` apart from this one's."""
    if level not in levels:
        raise ValueError(f"level must be one of {levels}, got {level!r}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return np.random.default_rng([seed, stream + levels.index(level)])


def _dates(rng: np.random.Generator) -> pd.DatetimeIndex:
    n_days = int(rng.integers(MIN_DAYS, MAX_DAYS + 1))
    start = dt.date(2023, 1, 1) + dt.timedelta(days=int(rng.integers(0, 731)))
    return pd.date_range(start, periods=n_days, freq="D", name="date")


def mean_pairwise_correlation(spend: pd.DataFrame) -> float:
    """Mean correlation of the channels' spend over every pair of them."""
    corr = np.corrcoef(spend.to_numpy().T)
    return float(corr[~np.eye(len(corr), dtype=bool)].mean())


def _truth(
    frame: pd.DataFrame,
    contributions: pd.DataFrame,
    baseline: np.ndarray,
    channel_params: dict[str, dict[str, float]],
    train_days: int,
) -> dict[str, Any]:
    """What models are scored on, measured over the training window: each channel's ROI is
    measured here (it equals the drawn one up to rounding, since beta was solved for it)."""
    train, train_contrib = frame.iloc[:train_days], contributions.iloc[:train_days]
    train_revenue = train["revenue"].sum()
    spend = train[list(CHANNELS)]
    channels = {}
    for channel in CHANNELS:
        contribution, total_spend = train_contrib[channel].sum(), spend[channel].sum()
        channels[channel] = channel_params[channel] | {
            "roi": contribution / total_spend,
            "contribution": contribution,
            "share": contribution / train_revenue,
            "total_spend": total_spend,
            "current_daily_spend": spend[channel].iloc[-28:].mean(),
        }
    demand_corr = [np.corrcoef(spend[c], baseline[:train_days])[0, 1] for c in CHANNELS]
    return {
        "media_share": train_contrib[list(CHANNELS)].to_numpy().sum() / train_revenue,
        "channels": channels,
        "spend_correlation": mean_pairwise_correlation(spend),
        "spend_demand_correlation": np.mean(demand_corr),
    }


def _json_ready(value: Any) -> Any:
    """numpy scalars to Python floats, recursively, so the truth serialises as plain JSON."""
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(item) for item in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def generate(level: str, seed: int) -> SimulatedData:
    """Simulate one account at a difficulty level; see the module docstring for the model."""
    rng = level_rng(level, seed)
    dates = _dates(rng)
    n_days, train_days = len(dates), len(dates) - HOLDOUT_DAYS
    holiday = _flags(dates, holiday_dates)
    event = _flags(dates, commercial_event_dates)
    components, baseline_params = _core_baseline(rng, dates, holiday, event)
    core = components.sum(axis=1).to_numpy()
    clicks, expected_clicks, per_click, organic_params = _organic_search(rng, core)
    components["organic"] = per_click * clicks
    baseline = components.sum(axis=1).to_numpy()
    # The team plans on demand it can foresee: the baseline without organic search's noise.
    plans = spend_plans(rng, core + per_click * expected_clicks, LEVEL_PLANS[level], train_days)
    spend, contributions, channel_params, target_share = _media(
        rng, plans, baseline[:train_days].sum(), train_days
    )
    expected_revenue = baseline + contributions.sum(axis=1).to_numpy()
    noise_sd = 0.10 * expected_revenue.mean()
    revenue = expected_revenue + rng.normal(0.0, noise_sd, n_days)
    frame = pd.DataFrame({"date": dates, "revenue": revenue})
    frame[list(CHANNELS)] = spend.to_numpy()
    frame["organic_clicks"], frame["holiday"], frame["commercial_event"] = clicks, holiday, event
    truth = {
        "level": level,
        "seed": seed,
        "n_days": n_days,
        "train_days": train_days,
        "holdout_days": HOLDOUT_DAYS,
        "start_date": dates[0].strftime("%Y-%m-%d"),
        "target_media_share": target_share,
        "noise_sd": noise_sd,
        **_truth(frame, contributions, baseline, channel_params, train_days),
        "baseline": baseline_params | organic_params,
    }
    contributions.insert(0, "date", dates)
    components.insert(0, "date", dates)
    components.insert(1, "baseline", baseline)
    return SimulatedData(
        frame=frame,
        channels=list(CHANNELS),
        controls=list(CONTROLS),
        events=list(EVENTS),
        truth=_json_ready(truth),
        contributions=contributions,
        baseline=components,
    )


def write(data: SimulatedData, directory: str | Path) -> Path:
    """Write ``data.csv`` (dates as YYYY-MM-DD), ``truth.json`` and the daily true
    ``contributions.csv`` into ``directory``; returns the directory."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    data.frame.to_csv(out / "data.csv", index=False, date_format="%Y-%m-%d")
    data.contributions.to_csv(out / "contributions.csv", index=False, date_format="%Y-%m-%d")
    (out / "truth.json").write_text(json.dumps(data.truth, indent=2) + "\n")
    return out


def main(argv: list[str] | None = None) -> None:
    """Command line: simulate one (level, seed) and write it to --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--level", choices=LEVELS, default="medium")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    data = generate(args.level, args.seed)
    write(data, args.out)
    truth = data.truth
    print(
        f"{args.out}: {truth['n_days']} days from {truth['start_date']}, "
        f"media share {truth['media_share']:.1%}, spend correlation "
        f"{truth['spend_correlation']:.2f}, spend-demand {truth['spend_demand_correlation']:.2f}"
    )


if __name__ == "__main__":
    main()
