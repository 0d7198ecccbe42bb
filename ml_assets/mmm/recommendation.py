"""The budget brain's advice as one object: per channel what to do, why, and what it is worth.

Every sentence a page shows about a channel's budget (the recommended move, the insights, the
per-channel table) is written from these rows, so no two can disagree. The advice splits
today's budget over the next ``period_days`` the best way the model knows for the objective
(``budget.plan_budget``). A channel the data cannot judge (``summary.identification_issues``)
gets no move of its own: it spends in today's proportion with the other such channels (the
pool that gives money to, or takes it from, the channels the data can judge), and gets the
experiment that would measure it (``experiments.py``); a move smaller than ``MIN_MOVE_SHARE``
of the channel's spend is no move.

Net of spend (decision 0053), today's budget is a ceiling: a channel is funded only while its
next peso returns more than a peso of value (its marginal return, in money, above 1), the
money left is ``unspent``, and every change is the value gained less the spend added.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ml_assets.mmm.budget import plan_budget
from ml_assets.mmm.experiments import ExperimentDesign, design_experiment
from ml_assets.mmm.model import MarketingMixModel
from ml_assets.mmm.summary import (
    calibrated_channels,
    daily_response,
    identification_issues,
    interval,
    rank_probabilities,
)

MIN_MOVE_SHARE = 0.05
#: The experiment's fields the advice carries (``ExperimentDesign``'s, prefixed experiment_).
EXPERIMENT_FIELDS = (
    "days", "geo_days", "geo_share", "expected_lift", "spend_paused", "relative_error", "feasible",
)  # fmt: skip
#: Actions, as the pages write them.
INCREASE, DECREASE, KEEP, TEST = "aumentar", "reducir", "mantener", "experimentar"


@dataclass(frozen=True)
class ChannelAdvice:
    """One channel's advice; money over the period, the objective in its own units."""

    channel: str
    action: str
    identified: bool
    calibrated: bool
    identification_issues: str
    rank_probability: float
    #: What one unit of the model's target is worth for the objective (1, or the value of one
    #: of the channel's new customers for "ltv" and "net_value", mart_new_customer_value).
    value_per_unit: float
    current_spend: float
    recommended_spend: float
    expected_change: float
    expected_change_low: float
    expected_change_high: float
    #: Objective per unit of spend over the fitted window (ROI, or LTV-ROAS for "ltv" and
    #: "net_value"); the marginal return is the next unit's at today's spend (for
    #: "net_value", the value the next peso returns: above 1, it pays for itself).
    return_on_spend: float
    return_on_spend_low: float
    return_on_spend_high: float
    marginal_return: float
    marginal_return_low: float
    marginal_return_high: float
    experiment_days: int
    experiment_geo_days: int
    experiment_geo_share: float
    experiment_expected_lift: float
    experiment_spend_paused: float
    experiment_relative_error: float
    experiment_feasible: bool


def _action(identified: bool, current: float, recommended: float) -> str:
    if not identified:
        return TEST
    if abs(recommended - current) < MIN_MOVE_SHARE * max(current, 1e-12):
        return KEEP
    return INCREASE if recommended > current else DECREASE


def _experiment_fields(experiment: ExperimentDesign, worth: float) -> dict:
    """``ChannelAdvice``'s experiment_* fields: the design (its lift valued at ``worth`` per
    unit of the target)."""
    fields = {f"experiment_{name}": getattr(experiment, name) for name in EXPERIMENT_FIELDS}
    fields["experiment_expected_lift"] *= worth
    return fields


def recommend(
    model: MarketingMixModel,
    *,
    values: dict[str, float] | None = None,
    net_of_spend: bool = False,
    period_days: int = 30,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per channel (``ChannelAdvice``'s fields) for today's budget over the period
    (at most today's budget with ``net_of_spend``), plus the whole plan's expected change with
    its interval and the budget it leaves unspent on every row."""
    current_total = float(model.current_spend_.sum() / model.period_days) * period_days
    plan = plan_budget(
        model, current_total, period_days=period_days, values=values,
        net_of_spend=net_of_spend, seed=seed,
    )  # fmt: skip
    ranks = rank_probabilities(model)
    calibrated = calibrated_channels(model)
    weights = {c: 1.0 for c in model.channels_} if values is None else values
    rows = []
    for c, name in enumerate(model.channels_):
        row = plan.iloc[c]
        issues = identification_issues(
            model.identification_[name], ranks[name], calibrated=name in calibrated
        )
        worth = float(weights[name])
        roi_draws = model.draws_["roi"][:, c] * worth
        roi = float(model.contribution_[c] / model.total_spend_[c]) * worth
        current = float(model.current_spend_[c] / model.period_days)
        marginal_draws = daily_response(model, name).draw_marginals(current)[:, 0] * worth
        marginal = float(marginal_draws.mean())
        roi_low, roi_high = interval(roi_draws, roi, model.interval)
        marginal_low, marginal_high = interval(marginal_draws, marginal, model.interval)
        experiment = design_experiment(model, name)
        rows.append(
            ChannelAdvice(
                channel=name,
                action=_action(not issues, row.current_spend, row.optimal_spend),
                identified=not issues,
                calibrated=name in calibrated,
                identification_issues=";".join(issues),
                rank_probability=ranks[name],
                value_per_unit=worth,
                current_spend=float(row.current_spend),
                recommended_spend=float(row.optimal_spend),
                expected_change=float(row.expected_revenue_change),
                expected_change_low=float(row.expected_revenue_change_low),
                expected_change_high=float(row.expected_revenue_change_high),
                return_on_spend=roi,
                return_on_spend_low=roi_low,
                return_on_spend_high=roi_high,
                marginal_return=marginal,
                marginal_return_low=marginal_low,
                marginal_return_high=marginal_high,
                **_experiment_fields(experiment, worth),
            )
        )
    frame = pd.DataFrame([asdict(advice) for advice in rows])
    # Whole days as floats in the ML table, as tables written before every channel carried
    # its design have them (missing there; the staging model casts them back to whole numbers).
    days = ["experiment_days", "experiment_geo_days"]
    frame[days] = frame[days].astype(float)
    # The experiment's other figures too: an all-missing column must never turn into text on
    # PostgreSQL.
    figures = ["experiment_geo_share", "experiment_expected_lift", "experiment_spend_paused",
               "experiment_relative_error"]  # fmt: skip
    frame[figures] = frame[figures].astype(float)
    frame["experiment_feasible"] = frame["experiment_feasible"].astype("boolean")
    frame.insert(0, "period_days", period_days)
    frame["total_budget"] = current_total
    for column in ("scenario_change", "scenario_change_low", "scenario_change_high"):
        frame[column] = float(plan[column].iloc[0])
    frame["moved_amount"] = float(
        np.clip(frame["recommended_spend"] - frame["current_spend"], 0, None).sum()
    )
    frame["unspent"] = float(plan["unspent"].iloc[0])
    return frame
