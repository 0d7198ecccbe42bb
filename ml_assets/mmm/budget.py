"""Use case: a budget plan from a fitted model, with bounds, the unidentified-channel rule and
intervals on the expected change.

Budgets and bounds are totals over ``period_days`` in the spend's currency; the plan spends
them evenly over the period (the same amount each day, each channel keeping its usual
day-to-day pattern, which is what its response curve describes).

The rule for channels whose effect is not identified (``summary.identification_issues``):
no money moves on their account. Such a channel keeps its current share of the budget
(within +/- ``unidentified_band``, 0 by default): at a budget r times the current one it gets
r times its current spend (r counts the budget the user's bounds leave to the channels
without bounds, so that "without Meta Ads" moves Meta's money to the others). The optimizer
can neither pour money into it nor starve it on the strength of a number the data cannot
support; the page proposes an experiment instead (``experiments.py``). Explicit user bounds
for the channel win over the rule (a user who writes "Meta Ads: max 0" means it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml_assets.mmm.model import MarketingMixModel
from ml_assets.mmm.optimizer import maximize_response
from ml_assets.mmm.summary import (
    daily_response,
    identified_channels,
    interval,
    tabulated_response,
)

UNIDENTIFIED_BAND = 0.0
#: Random starts of the search on the tables (besides today's split scaled, today's split and
#: the equal split): posterior mean curves average S curves into smoother ones.
ROUGH_RANDOM_STARTS = 2
#: Without user bounds a channel may go from 0 to this multiple of its current spend: the
#: curves are not trusted far beyond the spend levels the data has seen.
DEFAULT_MAX_RATIO = 3.0


@dataclass(frozen=True)
class ChannelBound:
    """User bounds for one channel: absolute (budget units over the period) and/or relative
    to its current spend. Missing values mean "no bound of that kind"."""

    min: float | None = None
    max: float | None = None
    min_ratio: float | None = None
    max_ratio: float | None = None

    @classmethod
    def parse(cls, text: str, channel: str | None = None) -> ChannelBound:
        """``"min:max"`` in budget units, either side optional (``":0"``, ``"1000:"``); errors
        quote ``channel=text`` when the channel is given, as the user wrote it."""
        label = text if channel is None else f"{channel}={text}"
        low, separator, high = text.partition(":")
        if not separator:
            raise ValueError(f"a bound is written min:max, got {label!r}")
        try:
            bound = cls(float(low) if low.strip() else None, float(high) if high.strip() else None)
        except ValueError as error:
            raise ValueError(f"bound {label!r} is not min:max with numbers") from error
        bound.validate(label)
        return bound

    def validate(self, label: str) -> None:
        """Every given limit is a finite amount >= 0, and min <= max."""
        for name in ("min", "max", "min_ratio", "max_ratio"):
            value = getattr(self, name)
            if value is not None and not (np.isfinite(value) and value >= 0):
                raise ValueError(f"bound {label!r}: {name} must be a finite number >= 0")
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError(f"bound {label!r}: max is below min")


def _bounds(channels, current, daily_total, period_days, bounds, identified, band):
    """Per channel (per day): the default range, or the unidentified band, then the user's
    bounds, whose given side always wins.

    The band follows the budget that the user's bounds leave to the other channels: a
    user-bounded channel is expected to get its proportional share clipped to its bounds
    (0 for "max 0"), and the rest of the budget is what the unidentified channels share.
    """
    user = {
        name: _user_limits(bounds[name], current[c], period_days)
        for c, name in enumerate(channels)
        if name in bounds
    }
    ratio = daily_total / current.sum() if current.sum() > 0 else 0.0
    claimed, unbounded = 0.0, 0.0
    for c, name in enumerate(channels):
        if name in user:
            low, high = user[name]
            claimed += min(max(ratio * current[c], low or 0.0), np.inf if high is None else high)
        else:
            unbounded += current[c]
    free_ratio = max(daily_total - claimed, 0.0) / unbounded if unbounded > 0 else ratio
    lower, upper, rules = [], [], []
    for c, name in enumerate(channels):
        if identified[name]:
            low, high, rule = 0.0, DEFAULT_MAX_RATIO * current[c], "default"
        else:
            low, high = free_ratio * current[c] * (1 - band), free_ratio * current[c] * (1 + band)
            rule = "unidentified" if band == 0 else f"unidentified +/-{band:.0%}"
        if name in user:
            user_low, user_high = user[name]
            if user_low is not None and user_high is not None and user_high < user_low:
                raise ValueError(f"bounds for {name!r} have max below min")
            if user_low is not None:
                low, high = user_low, max(high, user_low)
            if user_high is not None:
                low, high = min(low, user_high), user_high
            rule = "user"
        lower.append(low)
        upper.append(high)
        rules.append(rule)
    return np.array(lower), np.array(upper), rules


def _user_limits(bound: ChannelBound, current: float, period_days: int):
    """The user's lower and upper limits per day (None where not given)."""
    lows, highs = [], []
    if bound.min is not None:
        lows.append(bound.min / period_days)
    if bound.min_ratio is not None:
        lows.append(bound.min_ratio * current)
    if bound.max is not None:
        highs.append(bound.max / period_days)
    if bound.max_ratio is not None:
        highs.append(bound.max_ratio * current)
    return (max(lows) if lows else None), (min(highs) if highs else None)


def plan_budget(
    model: MarketingMixModel,
    total_budget: float,
    *,
    period_days: int = 30,
    bounds: dict[str, ChannelBound] | None = None,
    values: dict[str, float] | None = None,
    unidentified_band: float = UNIDENTIFIED_BAND,
    hold_unidentified: bool = True,
    seed: int = 0,
) -> pd.DataFrame:
    """The optimal split of ``total_budget`` over ``period_days``, one row per channel.

    ``hold_unidentified=False`` lets the plan move every channel on the posterior mean
    curves (the Bayes-optimal bet, ignoring whether the data can judge each channel).

    ``values`` (optional) maps every channel to the value of one unit of the target, e.g. the
    mean predicted 12-month CLV of a new customer from that channel when the model's target
    is new customers: the plan then maximizes expected customer value.

    Columns: channel, current_spend, optimal_spend, lower_bound, upper_bound, bound_rule,
    identified, expected_contribution (over the period, at the optimal spend),
    expected_revenue_change (vs current spend) with _low/_high, and the whole plan's
    scenario_change with scenario_change_low/_high (same on every row), marginal_return.
    """
    channels = list(model.channels_)
    bounds = dict(bounds or {})
    unknown = sorted(set(bounds) - set(channels))
    if unknown:
        raise ValueError(f"bounds for unknown channels {unknown}; channels: {channels}")
    if not (np.isfinite(total_budget) and total_budget >= 0) or period_days <= 0:
        raise ValueError("the budget must be a finite number >= 0 and the period at least a day")
    for name, bound in bounds.items():
        bound.validate(name)
    weights = np.ones(len(channels))
    if values is not None:
        missing = [c for c in channels if c not in values]
        if missing:
            raise ValueError(f"values per unit are missing for channels {missing}")
        weights = np.array([float(values[c]) for c in channels])
        wrong = [
            c for c, w in zip(channels, weights, strict=True) if not (np.isfinite(w) and w >= 0)
        ]
        if wrong:
            raise ValueError(f"values per unit must be finite numbers >= 0; not for {wrong}")
    current = model.current_spend_ / model.period_days
    daily_total = total_budget / period_days
    ratio = daily_total / current.sum() if current.sum() > 0 else 0.0
    identified = (
        identified_channels(model)
        if hold_unidentified
        else dict.fromkeys(channels, True)  # the posterior-optimal plan: a bet, not advice
    )
    lower, upper, rules = _bounds(
        channels, current, daily_total, period_days, bounds, identified, unidentified_band
    )
    curves = [daily_response(model, name) for name in channels]
    # The search runs on tables of the mean curves (period units: the table's spend is per
    # period); the interval and the reported values below use every draw.
    tables = [
        tabulated_response(model, name, high * model.period_days)
        for name, high in zip(channels, np.maximum(upper, current), strict=True)
    ]
    rough = maximize_response(
        tables, daily_total, lower, upper, values=weights,
        starts=[current * ratio, current], n_random_starts=ROUGH_RANDOM_STARTS, seed=seed,
    )  # fmt: skip
    # The tables' slopes are interpolated: one more search on the exact curves, from the best
    # point found, makes the marginal returns of the free channels equal (the KKT conditions).
    allocation = maximize_response(
        curves, daily_total, lower, upper, values=weights, starts=[rough.spend],
        n_random_starts=0, equal_split_start=False, seed=seed,
    )  # fmt: skip
    spend = allocation.spend
    # Per draw and channel: value at the plan minus value today, over the period.
    draws = (
        np.column_stack(
            [
                w * (curve.draw_values([s, c]) @ np.array([1.0, -1.0]))
                for w, curve, s, c in zip(weights, curves, spend, current, strict=True)
            ]
        )
        * period_days
    )  # (draws, channels)
    point_change = draws.mean(axis=0)
    level = model.interval
    channel_bounds = [interval(draws[:, c], point_change[c], level) for c in range(len(channels))]
    total_low, total_high = interval(draws.sum(axis=1), point_change.sum(), level)
    marginals = np.array(
        [w * p.marginal(s)[0] for w, p, s in zip(weights, curves, spend, strict=True)]
    )
    return pd.DataFrame(
        {
            "channel": channels,
            "current_spend": current * period_days,
            "optimal_spend": spend * period_days,
            "lower_bound": lower * period_days,
            "upper_bound": upper * period_days,
            "bound_rule": rules,
            "identified": [identified[c] for c in channels],
            "expected_contribution": [
                w * p.value(s)[0] * period_days
                for w, p, s in zip(weights, curves, spend, strict=True)
            ],
            "expected_revenue_change": point_change,
            "expected_revenue_change_low": [b[0] for b in channel_bounds],
            "expected_revenue_change_high": [b[1] for b in channel_bounds],
            "scenario_change": point_change.sum(),
            "scenario_change_low": total_low,
            "scenario_change_high": total_high,
            "marginal_return": marginals,
            "kkt_violation": allocation.kkt_violation,
        }
    )
