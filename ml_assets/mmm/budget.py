"""Use case: a budget plan from a fitted model, with bounds, the unidentified-channel rule and
intervals on the expected change.

Budgets and bounds are totals over ``period_days`` in the spend's currency; the plan spends
them evenly over the period (the same amount each day, each channel keeping its usual
day-to-day pattern, which is what its response curve describes).

The rule for channels whose effect is not identified (``summary.identification_issues``):
no money moves on their account. They spend together, as one pool in today's proportions: the
pool is "the rest of the portfolio", the counterparty the identification statement names (a
channel's rank is the probability that its next peso beats the portfolio's). A channel known
to return more than the portfolio takes money from the whole pool pro rata, one known to
return less gives its money to the pool pro rata, and within the pool nobody is picked as a
winner on the strength of a number the data cannot support; the page proposes an experiment
for each instead (``experiments.py``). Without identified channels the pool takes the whole
budget: every channel keeps its share (r times its current spend at a budget r times today's).
Explicit user bounds for a channel take it out of the pool and win (a user who writes "Meta
Ads: max 0" means it).

Net of spend (``net_of_spend=True``, decision 0053): the budget becomes a ceiling. When the
values are money (a new customer's contribution margin), a peso kept is worth exactly one
peso, so the plan gets one more "channel", the money not spent, whose response is the spend
itself (``_Unspent``). A peso then goes to a channel only while that channel returns more than
it costs: at the optimum every funded channel's marginal return is at least 1, and where none
reaches 1 the plan spends less than today. Each channel's change is its value's change less
its spend's change, so the plan's change is the value gained less the spend added.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml_assets.mmm.model import MarketingMixModel
from ml_assets.mmm.optimizer import grid_optimum, maximize_response
from ml_assets.mmm.summary import (
    daily_response,
    hermite_response,
    identified_channels,
    interval,
    tabulated_response,
)

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


def _bounds(channels, current, period_days, bounds, identified):
    """Per channel (per day): lower and upper bounds and the rule that set them. Identified
    channels move between 0 and ``DEFAULT_MAX_RATIO`` times their spend; user bounds win on
    the side they give; the others are "pooled" (bounds set by the pool, see ``_Pool``)."""
    lower, upper, rules = [], [], []
    for c, name in enumerate(channels):
        if name in bounds:
            low, high = 0.0, DEFAULT_MAX_RATIO * current[c]
            user_low, user_high = _user_limits(bounds[name], current[c], period_days)
            if user_low is not None and user_high is not None and user_high < user_low:
                raise ValueError(f"bounds for {name!r} have max below min")
            if user_low is not None:
                low, high = user_low, max(high, user_low)
            if user_high is not None:
                low, high = min(low, user_high), user_high
            rule = "user"
        elif identified[name]:
            low, high, rule = 0.0, DEFAULT_MAX_RATIO * current[c], "default"
        else:
            low, high, rule = np.nan, np.nan, "pooled"
        lower.append(low)
        upper.append(high)
        rules.append(rule)
    return np.array(lower), np.array(upper), rules


class _Pool:
    """The unidentified channels as one response: spend x split in today's proportions.

    Its range runs from nothing to the larger of ``DEFAULT_MAX_RATIO`` times today's pool and
    whatever the other channels' upper bounds leave of the budget (so that any budget is
    feasible when no channel is identified)."""

    def __init__(self, responses, weights, shares):
        self.responses, self.weights, self.shares = responses, weights, shares

    def value(self, spend) -> np.ndarray:
        x = float(np.atleast_1d(spend)[0])
        return np.array(
            [
                sum(
                    w * r.value(x * s)[0]
                    for r, w, s in zip(self.responses, self.weights, self.shares, strict=True)
                )
            ]
        )

    def marginal(self, spend) -> np.ndarray:
        x = float(np.atleast_1d(spend)[0])
        return np.array(
            [
                sum(
                    w * s * r.marginal(x * s)[0]
                    for r, w, s in zip(self.responses, self.weights, self.shares, strict=True)
                )
            ]
        )


class _Unspent:
    """Money not spent, as a response: worth exactly what it is (value = spend, marginal = 1)."""

    def value(self, spend) -> np.ndarray:
        return np.atleast_1d(np.asarray(spend, dtype=float)).copy()

    def marginal(self, spend) -> np.ndarray:
        return np.ones_like(np.atleast_1d(np.asarray(spend, dtype=float)))


def _maximize(curve_sets, daily_total, lower, upper, pooled, current, weights, seed, net):
    """The best split: identified and user-bounded channels one by one, the pooled ones as
    one ``_Pool``, and with ``net`` the money left unspent (``_Unspent``); returns per-channel
    spend, their bounds and the KKT violation of the search. ``curve_sets`` holds each
    channel's curve three ways: ``tables`` (the first search's), ``hermite`` (its grid
    optimum's) and ``curves`` (exact, the last search's)."""
    tables, hermite, curves = (curve_sets[kind] for kind in ("tables", "hermite", "curves"))
    alone = np.flatnonzero(~pooled)
    ratio = daily_total / current.sum() if current.sum() > 0 else 0.0
    responses = {
        "tables": [tables[c] for c in alone],
        "hermite": [hermite[c] for c in alone],
        "curves": [curves[c] for c in alone],
    }
    low, high, start = lower[alone], upper[alone], current[alone]
    values = weights[alone]
    shares = None
    if pooled.any():
        pool_current = current[pooled].sum()
        shares = (
            current[pooled] / pool_current
            if pool_current > 0
            else np.full(pooled.sum(), 1.0 / pooled.sum())
        )
        for kind, items in (("tables", tables), ("hermite", hermite), ("curves", curves)):
            members = [items[c] for c in np.flatnonzero(pooled)]
            responses[kind].append(_Pool(members, weights[pooled], shares))
        room = max(daily_total - high.sum(), 0.0)
        low = np.append(low, 0.0)
        high = np.append(high, max(DEFAULT_MAX_RATIO * pool_current, room))
        start = np.append(start, pool_current)
        values = np.append(values, 1.0)
    if net:
        for kind in responses:
            responses[kind].append(_Unspent())
        low, high = np.append(low, 0.0), np.append(high, daily_total)
        start = np.append(start, 0.0)
        values = np.append(values, 1.0)
    rough = maximize_response(
        responses["tables"], daily_total, low, high, values=values,
        starts=[start * ratio, start], n_random_starts=ROUGH_RANDOM_STARTS, seed=seed,
    )  # fmt: skip
    # The tables' slopes are interpolated: one more search on the exact curves makes the
    # marginal returns of the free channels equal (the KKT conditions). It starts from the best
    # point on the tables and from the curves' own grid optimum (on their Hermite pieces, the
    # curve to about a millionth), and the better wins: near no spend a curve whose draws rise
    # steeply (Hill shape below 1) is far below its table's first segment, so at small budgets
    # the tables' best point can sit in another basin than the curves' (10 % of a demo store's
    # budget went nearly all to TikTok Ads, 0.5 % short of putting it in Meta Ads).
    starts = [rough.spend]
    grid = grid_optimum(responses["hermite"], values, daily_total, low, high)
    if grid is not None:
        starts.append(grid)
    allocation = maximize_response(
        responses["curves"], daily_total, low, high, values=values, starts=starts,
        n_random_starts=0, equal_split_start=False, grid_start=False, seed=seed,
    )  # fmt: skip
    spend = np.zeros(len(current))
    spend[alone] = allocation.spend[: len(alone)]
    lower, upper = lower.copy(), upper.copy()
    if shares is not None:
        pool = len(alone)
        spend[pooled] = allocation.spend[pool] * shares
        lower[pooled], upper[pooled] = low[pool] * shares, high[pool] * shares
    return spend, lower, upper, allocation.kkt_violation


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
    hold_unidentified: bool = True,
    net_of_spend: bool = False,
    seed: int = 0,
) -> pd.DataFrame:
    """The optimal split of ``total_budget`` over ``period_days``, one row per channel.

    ``hold_unidentified=False`` lets the plan move every channel on the posterior mean
    curves (the Bayes-optimal bet, ignoring whether the data can judge each channel).

    ``values`` (optional) maps every channel to the value of one unit of the target, e.g. the
    12-month value of a new customer from that channel when the model's target is new
    customers: the plan then maximizes customer value.

    ``net_of_spend=True`` (values in money, e.g. each new customer's contribution margin)
    maximizes the value net of spend: ``total_budget`` is a ceiling, a peso kept is worth one
    peso, and every change is net of the spend it adds (see the module's docstring).

    Columns: channel, current_spend, optimal_spend, lower_bound, upper_bound, bound_rule,
    identified, expected_contribution (over the period, at the optimal spend),
    expected_revenue_change (vs current spend) with _low/_high, and the whole plan's
    scenario_change with scenario_change_low/_high (same on every row), marginal_return,
    and unspent (the budget the plan leaves unspent: 0 unless ``net_of_spend``).
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
    if net_of_spend and values is None:
        raise ValueError("a plan net of spend needs each channel's value per unit, in money")
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
    identified = (
        identified_channels(model)
        if hold_unidentified
        else dict.fromkeys(channels, True)  # the posterior-optimal plan: a bet, not advice
    )
    lower, upper, rules = _bounds(channels, current, period_days, bounds, identified)
    pooled = np.array([rule == "pooled" for rule in rules])
    curves = [daily_response(model, name) for name in channels]
    # The search runs on tables of the mean curves (period units: the table's spend is per
    # period), its grid optimum on their Hermite pieces and its last search on the curves; the
    # interval and the reported values below use every draw.
    pool_total = current[pooled].sum()
    pool_ratio = max(DEFAULT_MAX_RATIO, daily_total / pool_total if pool_total > 0 else 0.0)
    reach = np.where(pooled, pool_ratio, 1.0) * current
    reaches = np.fmax(np.fmax(upper, reach), current) * model.period_days
    curve_sets = {
        "tables": [tabulated_response(model, n, r) for n, r in zip(channels, reaches, strict=True)],
        "hermite": [hermite_response(model, n, r) for n, r in zip(channels, reaches, strict=True)],
        "curves": curves,
    }
    spend, lower, upper, kkt_violation = _maximize(
        curve_sets, daily_total, lower, upper, pooled, current, weights, seed, net_of_spend
    )
    # Per draw and channel: value at the plan minus value today, over the period; net of
    # spend, less the spend the plan adds (the draws share it: spend is known).
    added = (spend - current) if net_of_spend else np.zeros(len(channels))
    draws = (
        np.column_stack(
            [
                w * (curve.draw_values([s, c]) @ np.array([1.0, -1.0])) - a
                for w, curve, s, c, a in zip(weights, curves, spend, current, added, strict=True)
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
            "kkt_violation": kkt_violation,
            "unspent": max(daily_total - spend.sum(), 0.0) * period_days,
        }
    )
