"""What a fitted model says, as tables: channel summary, response curves, contributions.

Every figure is a posterior mean with a percentile interval over the posterior draws; the
interval is widened to include the point estimate when the draws sit beside it (a skewed
posterior), so that a table never shows a point outside its own interval.
Per-day units everywhere, whatever the model's period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml_assets.mmm.curves import HermiteCurve, TabulatedCurve
from ml_assets.mmm.model import DERIVED, MarketingMixModel

#: Identification rules (docs/decisions/0021-bayesian-budget-brain.md). A channel's effect is
#: measured when the data narrowed the prior of its return by at least this much ...
MIN_PRIOR_CONTRACTION = 0.5
#: ... and the 90 % interval of its return is narrower than this multiple of the estimate;
MAX_INTERVAL_RATIO = 1.0
#: or its rank is known: the posterior probability that its next peso returns more than the
#: portfolio's next peso is at least this (or at most 1 minus this): 4 to 1 odds.
MIN_RANK_PROBABILITY = 0.8
#: Hints that explain an unidentified channel in words a marketer can act on.
COLLINEAR_SPEND = 0.8
MIN_SPEND_CV = 0.1
#: Rows of history left after the baseline's terms, per media parameter, below which the
#: history is short for the number of channels: a hint, not a floor (decision 0054). One year
#: of weeks with ten channels has about 1; three years, about 4.
SHORT_HISTORY = 2.0
#: The identification statistics a channel summary shows (``identification.py``).
STATISTICS = ("prior_contraction", "roi_interval_ratio", "spend_cv", "max_spend_correlation")
#: "Margen de escala": the return of the next 1 000 units of currency, spent over 30 days.
NEXT_SPEND = 1000.0
NEXT_SPEND_DAYS = 30


def interval(draws: np.ndarray, point: float, level: float) -> tuple[float, float]:
    """Percentile interval of ``draws`` at ``level``, widened to contain ``point``."""
    draws = np.asarray(draws, dtype=float)
    if draws.size == 0:
        raise ValueError("no posterior draws: intervals need draws")
    tail = 100.0 * (1.0 - level) / 2.0
    low, high = np.percentile(draws, [tail, 100.0 - tail])
    return float(min(low, point)), float(max(high, point))


class DailyResponse:
    """A channel's curve in per-day units: spend per day -> incremental target per day.

    Wraps one curve (``ChannelResponse``) or a curve per posterior draw (``CurveDraws``,
    which also gives ``draw_values`` and ``draw_marginals``, one row per draw).
    """

    def __init__(self, response, period_days: int):
        self.response = response
        self.period_days = period_days

    def value(self, daily_spend) -> np.ndarray:
        return self.response.value(np.asarray(daily_spend) * self.period_days) / self.period_days

    def marginal(self, daily_spend) -> np.ndarray:
        return self.response.marginal(np.asarray(daily_spend) * self.period_days)

    def draw_values(self, daily_spend) -> np.ndarray:
        spend = np.asarray(daily_spend) * self.period_days
        return self.response.draw_values(spend) / self.period_days

    def draw_marginals(self, daily_spend) -> np.ndarray:
        return self.response.draw_marginals(np.asarray(daily_spend) * self.period_days)

    def saturation_spend(self) -> float:
        return self.response.saturation_spend() / self.period_days

    def next_spend_returns(self, daily_spend: float) -> tuple[float, np.ndarray]:
        """Return of ``NEXT_SPEND`` more over ``NEXT_SPEND_DAYS``: posterior mean, per draw."""
        extra = NEXT_SPEND / NEXT_SPEND_DAYS
        gains = self.draw_values([daily_spend + extra, daily_spend])
        per_draw = (gains[:, 0] - gains[:, 1]) * NEXT_SPEND_DAYS
        return float(per_draw.mean()), per_draw


def daily_response(model: MarketingMixModel, channel: str) -> DailyResponse:
    """A channel's posterior curves, per day."""
    return DailyResponse(model.response(channel), model.period_days)


#: Tables reach this multiple of a channel's larger of current and mean spend (a plan at 300 %
#: of the budget with a channel at 3 times its share stays inside).
TABLE_REACH = 10.0


def _derived(model: MarketingMixModel) -> dict:
    """Figures derived from a fitted model that every plan reuses (curve tables, rank
    probabilities): kept on the model, not saved with it, dropped when it is fitted again."""
    return model.__dict__.setdefault(DERIVED, {})


def tabulated_response(model: MarketingMixModel, channel: str, upper: float) -> DailyResponse:
    """The channel's posterior mean curve per day as a table reaching at least ``upper`` daily
    spend, kept on the model for the plans that follow."""
    tables = _derived(model).setdefault("curve_tables", {})
    table = tables.get(channel)
    if table is None or table.spend[-1] < upper:
        c = model.channels_.index(channel)
        reach = TABLE_REACH * max(model.current_spend_[c], model.mean_spend_[c])
        table = TabulatedCurve.from_draws(model.response(channel), max(reach, upper * 1.25))
        tables[channel] = table
    return DailyResponse(table, model.period_days)


def hermite_response(model: MarketingMixModel, channel: str, upper: float) -> DailyResponse:
    """The channel's posterior mean curve per day by exact values and slopes reaching at least
    ``upper`` daily spend (``curves.HermiteCurve``; the same reach as ``tabulated_response``),
    kept on the model for the plans that follow."""
    curves = _derived(model).setdefault("hermite_curves", {})
    curve = curves.get(channel)
    if curve is None or curve.spend[-1] < upper:
        c = model.channels_.index(channel)
        reach = TABLE_REACH * max(model.current_spend_[c], model.mean_spend_[c])
        curve = HermiteCurve.from_draws(model.response(channel), max(reach, upper * 1.25))
        curves[channel] = curve
    return DailyResponse(curve, model.period_days)


def identification_issues(
    stats: dict, rank_probability: float, *, calibrated: bool = False
) -> list[str]:
    """Why the data do not support a budget decision on a channel (empty when they do).

    A channel is identified when its effect is measured (``MIN_PRIOR_CONTRACTION``,
    ``MAX_INTERVAL_RATIO``) or when its rank is known (``MIN_RANK_PROBABILITY``): then
    moving money on its account is a bet the data back. Otherwise the issues name why:
    ``prior_dominated`` (the data narrowed the prior too little), ``wide_interval`` (the
    interval does not tell a good channel from a poor one), ``unranked`` (as likely better as
    worse than the rest), and the likely reasons: ``collinear_spend`` (its spend moves with
    another channel's), ``low_variation`` (its spend hardly moves) and ``short_history`` (few
    rows for the number of channels: ``SHORT_HISTORY``). A lift test measures a
    channel whatever its spend looks like, so for a calibrated channel only the interval
    counts.
    """
    measured = stats["roi_interval_ratio"] <= MAX_INTERVAL_RATIO and (
        calibrated or stats["prior_contraction"] >= MIN_PRIOR_CONTRACTION
    )
    ranked = max(rank_probability, 1.0 - rank_probability) >= MIN_RANK_PROBABILITY
    if measured or ranked:
        return []
    issues = []
    if not calibrated and stats["prior_contraction"] < MIN_PRIOR_CONTRACTION:
        issues.append("prior_dominated")
    if not stats["roi_interval_ratio"] <= MAX_INTERVAL_RATIO:
        issues.append("wide_interval")
    issues.append("unranked")
    if stats["max_spend_correlation"] > COLLINEAR_SPEND:
        issues.append("collinear_spend")
    if stats["spend_cv"] < MIN_SPEND_CV:
        issues.append("low_variation")
    # Models saved before the statistic existed were fitted on at least three rows per
    # parameter (the floor then): never short.
    if stats.get("periods_per_media_parameter", SHORT_HISTORY) < SHORT_HISTORY:
        issues.append("short_history")
    return issues


def rank_probabilities(model: MarketingMixModel) -> dict[str, float]:
    """Per channel, the posterior probability that its marginal return at current spend
    beats the portfolio's (the spend-weighted mean of every channel's, draw by draw); computed
    once per fitted model (every plan and summary asks)."""
    derived = _derived(model)
    if "rank_probabilities" not in derived:
        derived["rank_probabilities"] = _rank_probabilities(model)
    return dict(derived["rank_probabilities"])


def _rank_probabilities(model: MarketingMixModel) -> dict[str, float]:
    current = model.current_spend_ / model.period_days
    marginals = np.column_stack(
        [
            daily_response(model, name).draw_marginals(current[c])[:, 0]
            for c, name in enumerate(model.channels_)
        ]
    )
    portfolio = marginals @ current / current.sum()
    better = (marginals > portfolio[:, None]).mean(axis=0)
    return dict(zip(model.channels_, better.tolist(), strict=True))


def calibrated_channels(model: MarketingMixModel) -> set[str]:
    """Channels with at least one experiment among their lift tests (observations of another
    kind, such as ``customer_revenue``'s, are evidence but not an experiment)."""
    return {
        test["channel"]
        for test in model.lift_tests or []
        if test.get("kind", "experiment") == "experiment"
    }


def identified_channels(model: MarketingMixModel) -> dict[str, bool]:
    """Channel -> whether the data support a budget decision on it (no identification issue)."""
    calibrated = calibrated_channels(model)
    ranks = rank_probabilities(model)
    return {
        name: not identification_issues(
            model.identification_[name], ranks[name], calibrated=name in calibrated
        )
        for name in model.channels_
    }


def channel_summary(model: MarketingMixModel, target_total: float) -> pd.DataFrame:
    """One row per channel over the fitted window, with intervals and the identified flag.

    Columns: channel, spend, contribution (+ low/high), contribution_share (of the target's
    total), roi (+ low/high), marginal_roi (+ low/high) at current spend, return_next_1000
    (+ low/high), current_daily_spend, saturation_daily_spend, identified, calibrated (has a
    lift test), identification_issues, rank_probability (that its next peso beats the
    portfolio's), prior_contraction, roi_interval_ratio, spend_cv, max_spend_correlation.
    """
    level = model.interval
    calibrated = calibrated_channels(model)
    ranks = rank_probabilities(model)
    rows = []
    for c, name in enumerate(model.channels_):
        spend, contribution = float(model.total_spend_[c]), float(model.contribution_[c])
        roi = contribution / spend
        roi_low, roi_high = interval(model.draws_["roi"][:, c], roi, level)
        stats = model.identification_[name]
        issues = identification_issues(stats, ranks[name], calibrated=name in calibrated)
        contribution_low, contribution_high = interval(
            model.draws_["contribution"][:, c], contribution, level
        )
        curve = daily_response(model, name)
        current = float(model.current_spend_[c] / model.period_days)
        marginals = curve.draw_marginals(current)[:, 0]
        marginal = float(marginals.mean())
        marginal_low, marginal_high = interval(marginals, marginal, level)
        scale, scale_draws = curve.next_spend_returns(current)
        scale_low, scale_high = interval(scale_draws, scale, level)
        rows.append(
            {
                "channel": name,
                "spend": spend,
                "contribution": contribution,
                "contribution_low": contribution_low,
                "contribution_high": contribution_high,
                "contribution_share": contribution / target_total if target_total else np.nan,
                "roi": roi,
                "roi_low": roi_low,
                "roi_high": roi_high,
                "marginal_roi": marginal,
                "marginal_roi_low": marginal_low,
                "marginal_roi_high": marginal_high,
                "return_next_1000": scale,
                "return_next_1000_low": scale_low,
                "return_next_1000_high": scale_high,
                "current_daily_spend": current,
                "saturation_daily_spend": curve.saturation_spend(),
                "identified": not issues,
                "calibrated": name in calibrated,
                "identification_issues": ";".join(issues),
                "rank_probability": ranks[name],
                **{key: stats[key] for key in STATISTICS},
            }
        )
    return pd.DataFrame(rows)


def response_curves(model: MarketingMixModel, points: int = 41) -> pd.DataFrame:
    """Per channel, a spend grid (0 to 2.5x the larger of current and historical mean spend,
    plus both of those) -> incremental target per day with interval, ROI and marginal ROI."""
    frames = []
    for c, name in enumerate(model.channels_):
        curve = daily_response(model, name)
        current = model.current_spend_[c] / model.period_days
        mean = model.mean_spend_[c] / model.period_days
        grid = np.unique(
            np.concatenate([np.linspace(0.0, 2.5 * max(current, mean), points), [current, mean]])
        )
        sampled = curve.draw_values(grid)
        values = sampled.mean(axis=0)
        bounds = np.array(
            [interval(sampled[:, i], values[i], model.interval) for i in range(len(grid))]
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            roi = np.where(grid > 0, values / grid, np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "channel": name,
                    "daily_spend": grid,
                    "incremental_per_day": values,
                    "incremental_low": bounds[:, 0],
                    "incremental_high": bounds[:, 1],
                    "roi": roi,
                    "marginal_roi": curve.marginal(grid),
                    "is_current_spend": np.isclose(grid, current),
                    "is_historical_mean_spend": np.isclose(grid, mean),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def contributions(model: MarketingMixModel, X: pd.DataFrame, actual: np.ndarray) -> pd.DataFrame:
    """Long table: date, component, component_kind (channel, baseline, event, control),
    contribution, and per date the fitted and actual totals (contributions add up to fitted)."""
    parts = model.decompose(X)
    fitted = parts.sum(axis=1).to_numpy()
    kinds = {name: "channel" for name in model.channels_}
    kinds["baseline"] = "baseline"
    kinds.update({name: "event" for name in model.baseline_design_.events})
    kinds.update({name: "control" for name in model.baseline_design_.controls})
    long = (
        parts.rename_axis("date")
        .reset_index()
        .melt(id_vars="date", var_name="component", value_name="contribution")
    )
    long["component_kind"] = long["component"].map(kinds)
    totals = pd.DataFrame({"date": parts.index, "fitted_total": fitted, "actual_total": actual})
    long = long.merge(totals, on="date", how="left")
    columns = ["date", "component", "component_kind", "contribution", "fitted_total"]
    return long[[*columns, "actual_total"]].sort_values(["date", "component"], ignore_index=True)
