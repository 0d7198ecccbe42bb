"""What a fitted model says, as tables: channel summary, response curves, contributions.

Every ROI-like figure comes with a bootstrap percentile interval; the interval is widened to
include the point estimate when the bootstrap distribution is shifted (a bounded estimator at
0 is the usual case), so that a table never shows a point outside its own interval.
Per-day units everywhere, whatever the model's period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml_assets.mmm.curves import ChannelResponse
from ml_assets.mmm.model import MarketingMixModel

#: Identification rules (docs/decisions/0007-mmm-uncertainty-and-identification.md).
MAX_VIF = 10.0
MIN_VARIATION_SHARE = 0.1
MIN_SPEND_CV = 0.1
#: An ROI interval wider than this multiple of the portfolio ROI does not tell good from bad.
MAX_INTERVAL_WIDTH = 1.5
#: "Margen de escala": the return of the next 1 000 units of currency, spent over 30 days.
NEXT_SPEND = 1000.0
NEXT_SPEND_DAYS = 30


def interval(draws: np.ndarray, point: float, level: float) -> tuple[float, float]:
    """Percentile interval of ``draws`` at ``level``, widened to contain ``point``."""
    draws = np.asarray(draws, dtype=float)
    if draws.size == 0:
        raise ValueError("no bootstrap replicates: intervals need n_bootstrap > 0")
    tail = 100.0 * (1.0 - level) / 2.0
    low, high = np.percentile(draws, [tail, 100.0 - tail])
    return float(min(low, point)), float(max(high, point))


class DailyResponse:
    """A channel's curve in per-day units: spend per day -> incremental target per day."""

    def __init__(self, response: ChannelResponse, period_days: int):
        self.response = response
        self.period_days = period_days

    def value(self, daily_spend) -> np.ndarray:
        return self.response.value(np.asarray(daily_spend) * self.period_days) / self.period_days

    def marginal(self, daily_spend) -> np.ndarray:
        return self.response.marginal(np.asarray(daily_spend) * self.period_days)

    def saturation_spend(self) -> float:
        return self.response.saturation_spend() / self.period_days

    def next_spend_return(self, daily_spend: float) -> float:
        """Return of ``NEXT_SPEND`` more, spread over ``NEXT_SPEND_DAYS`` at ``daily_spend``."""
        extra = NEXT_SPEND / NEXT_SPEND_DAYS
        gain = self.value([daily_spend + extra, daily_spend])
        return float((gain[0] - gain[1]) * NEXT_SPEND_DAYS)


def daily_responses(model: MarketingMixModel, channel: str) -> tuple[DailyResponse, list]:
    """The point curve and every bootstrap curve of a channel, per day."""
    point = DailyResponse(model.response(channel), model.period_days)
    draws = [
        DailyResponse(model.response(channel, r), model.period_days)
        for r in range(model.n_replicates_)
    ]
    return point, draws


def identification_issues(
    stats: dict, roi_width: float, portfolio_roi: float, *, calibrated: bool = False
) -> list[str]:
    """Why a channel's effect is not identified (empty when it is).

    A lift test identifies a channel's effect whatever its spend looks like, so for a
    calibrated channel only the width of its interval counts.
    """
    issues = []
    if not calibrated and max(stats["vif"], stats["spend_vif"]) > MAX_VIF:
        issues.append("collinear_spend")
    low_variation = (
        stats["variation_share"] < MIN_VARIATION_SHARE or stats["spend_cv"] < MIN_SPEND_CV
    )
    if not calibrated and low_variation:
        issues.append("low_variation")
    if not roi_width <= MAX_INTERVAL_WIDTH * max(portfolio_roi, 0.0):
        issues.append("wide_interval")
    return issues


def _roi_identification(model: MarketingMixModel, c: int, portfolio_roi: float):
    """ROI, its interval, and the identification issues of channel ``c``."""
    roi = float(model.contribution_[c] / model.total_spend_[c])
    low, high = interval(model.bootstrap_["roi"][:, c], roi, model.interval)
    name = model.channels_[c]
    issues = identification_issues(
        model.identification_[name], high - low, portfolio_roi,
        calibrated=name in calibrated_channels(model),
    )  # fmt: skip
    return roi, low, high, issues


def calibrated_channels(model: MarketingMixModel) -> set[str]:
    """Channels with at least one lift test."""
    return {test["channel"] for test in model.lift_tests or []}


def _portfolio_roi(model: MarketingMixModel) -> float:
    return float(model.contribution_.sum() / model.total_spend_.sum())


def identified_channels(model: MarketingMixModel) -> dict[str, bool]:
    """Channel -> whether its effect is identified (no identification issue)."""
    portfolio = _portfolio_roi(model)
    return {
        name: not _roi_identification(model, c, portfolio)[3]
        for c, name in enumerate(model.channels_)
    }


def channel_summary(model: MarketingMixModel, target_total: float) -> pd.DataFrame:
    """One row per channel over the fitted window, with intervals and the identified flag.

    Columns: channel, spend, contribution (+ low/high), contribution_share (of the target's
    total), roi (+ low/high), marginal_roi (+ low/high) at current spend, return_next_1000
    (+ low/high), current_daily_spend, saturation_daily_spend, identified, calibrated (has a
    lift test), identification_issues, vif, spend_vif, variation_share, spend_cv.
    """
    level = model.interval
    portfolio_roi = _portfolio_roi(model)
    rows = []
    for c, name in enumerate(model.channels_):
        spend, contribution = float(model.total_spend_[c]), float(model.contribution_[c])
        roi, roi_low, roi_high, issues = _roi_identification(model, c, portfolio_roi)
        contribution_low, contribution_high = interval(
            model.bootstrap_["contribution"][:, c], contribution, level
        )
        point, draws = daily_responses(model, name)
        current = float(model.current_spend_[c] / model.period_days)
        marginal = float(point.marginal(current)[0])
        marginal_low, marginal_high = interval(
            [d.marginal(current)[0] for d in draws], marginal, level
        )
        scale = point.next_spend_return(current)
        scale_low, scale_high = interval(
            [d.next_spend_return(current) for d in draws], scale, level
        )
        stats = model.identification_[name]
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
                "saturation_daily_spend": point.saturation_spend(),
                "identified": not issues,
                "calibrated": name in calibrated_channels(model),
                "identification_issues": ";".join(issues),
                **{key: stats[key] for key in ("vif", "spend_vif", "variation_share", "spend_cv")},
            }
        )
    return pd.DataFrame(rows)


def response_curves(model: MarketingMixModel, points: int = 41) -> pd.DataFrame:
    """Per channel, a spend grid (0 to 2.5x the larger of current and historical mean spend,
    plus both of those) -> incremental target per day with interval, ROI and marginal ROI."""
    frames = []
    for c, name in enumerate(model.channels_):
        point, draws = daily_responses(model, name)
        current = model.current_spend_[c] / model.period_days
        mean = model.mean_spend_[c] / model.period_days
        grid = np.unique(
            np.concatenate([np.linspace(0.0, 2.5 * max(current, mean), points), [current, mean]])
        )
        values = point.value(grid)
        sampled = np.array([d.value(grid) for d in draws])
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
                    "marginal_roi": point.marginal(grid),
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
