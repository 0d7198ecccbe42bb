"""Plans net of spend (decision 0053): today's budget is a ceiling and a peso kept is worth one
peso, so no channel gets a peso that returns less than it costs.

The oracle is the plan's own definition checked on the fitted model's mean curves: every
channel the plan increases returns at least a peso per peso added and at the margin, a channel
whose next peso returns less than a peso over the whole range it may reach is never increased,
the plan's change is the value gained less the spend added, and where every channel returns
well above a peso the plan is the fixed-budget plan.
"""

from __future__ import annotations

import numpy as np
import pytest

from ml_assets.mmm.budget import DEFAULT_MAX_RATIO, plan_budget
from ml_assets.mmm.recommendation import recommend
from ml_assets.mmm.summary import daily_response

PERIOD = 30
#: Relative slack of the optimizer's answer (its KKT tolerance is far finer).
SLACK = 1e-3


def _marginals(model, channel: str, low: float, high: float) -> np.ndarray:
    """The mean curve's return of the next unit per day, on a grid from ``low`` to ``high``
    daily spend."""
    return daily_response(model, channel).marginal(np.linspace(low, high, 200))


def _budget(model) -> float:
    return PERIOD * float(model.current_spend_.sum() / model.period_days)


def _values_scaled(model, returns: dict[str, float]) -> dict[str, float]:
    """Values per unit that make each channel's next unit at today's spend return
    ``returns[channel]`` (in money per unit of spend)."""
    values = {}
    for c, name in enumerate(model.channels_):
        current = model.current_spend_[c] / model.period_days
        values[name] = returns[name] / float(daily_response(model, name).marginal(current)[0])
    return values


@pytest.mark.parametrize(
    "returns",
    [
        {"search": 2.0, "social": 0.6, "video": 1.2},
        {"search": 0.8, "social": 3.0, "video": 0.3},
        {"search": 1.05, "social": 0.95, "video": 1.5},
    ],
)
def test_no_channel_is_given_a_peso_that_returns_less_than_a_peso(easy_fit, returns):
    model = easy_fit.result.model
    values = _values_scaled(model, returns)
    plan = plan_budget(model, _budget(model), values=values, net_of_spend=True).set_index("channel")
    for name in model.channels_:
        row = plan.loc[name]
        current, chosen = row.current_spend / PERIOD, row.optimal_spend / PERIOD
        reachable = _marginals(model, name, current, DEFAULT_MAX_RATIO * current) * values[name]
        if reachable.max() < 1:
            assert chosen <= current * (1 + SLACK), (name, row.to_dict())
        if chosen > current * (1 + SLACK):
            curve = daily_response(model, name)
            gained = values[name] * float(curve.value(chosen)[0] - curve.value(current)[0])
            assert gained / (chosen - current) >= 1 - SLACK, name
            assert row.marginal_return >= 1 - SLACK, name
    # The change is the value gained less the spend added, and never below today's.
    curves = {name: daily_response(model, name) for name in model.channels_}
    gained = sum(
        values[name]
        * float(curves[name].value(plan.loc[name, "optimal_spend"] / PERIOD)[0]
                - curves[name].value(plan.loc[name, "current_spend"] / PERIOD)[0])
        for name in model.channels_
    ) * PERIOD  # fmt: skip
    added = plan["optimal_spend"].sum() - plan["current_spend"].sum()
    change = plan["scenario_change"].iloc[0]
    assert change == pytest.approx(gained - added, rel=1e-6, abs=1e-6 * _budget(model))
    assert plan["expected_revenue_change"].sum() == pytest.approx(change, rel=1e-9)
    assert change >= -1e-9 * _budget(model)
    assert plan["unspent"].iloc[0] == pytest.approx(-added, abs=1e-6 * _budget(model))
    assert plan["scenario_change_low"].iloc[0] <= change <= plan["scenario_change_high"].iloc[0]


def test_every_channel_below_a_peso_spends_less_than_today(easy_fit):
    model = easy_fit.result.model
    # Each channel's best return anywhere up to three times its spend is half a peso.
    values = {}
    for c, name in enumerate(model.channels_):
        current = model.current_spend_[c] / model.period_days
        values[name] = 0.5 / float(_marginals(model, name, 0.0, DEFAULT_MAX_RATIO * current).max())
    plan = plan_budget(model, _budget(model), values=values, net_of_spend=True)
    assert (plan["optimal_spend"] <= plan["current_spend"] * (1 + SLACK)).all()
    assert plan["unspent"].iloc[0] > 0.5 * _budget(model)
    assert plan["scenario_change_low"].iloc[0] > 0
    advice = recommend(model, values=values, net_of_spend=True)
    assert "aumentar" not in set(advice["action"])
    assert advice["recommended_spend"].sum() < advice["current_spend"].sum()
    assert advice["unspent"].iloc[0] == pytest.approx(
        advice["current_spend"].sum() - advice["recommended_spend"].sum()
    )


def test_every_channel_well_above_a_peso_gives_the_fixed_budget_plan(easy_fit):
    model = easy_fit.result.model
    # Each channel's worst return up to three times its spend is a hundred pesos.
    values = {}
    for c, name in enumerate(model.channels_):
        current = model.current_spend_[c] / model.period_days
        reach = DEFAULT_MAX_RATIO * current
        values[name] = 100.0 / float(_marginals(model, name, current / 10, reach).min())
    fixed = plan_budget(model, _budget(model), values=values)
    net = plan_budget(model, _budget(model), values=values, net_of_spend=True)
    np.testing.assert_allclose(net["optimal_spend"], fixed["optimal_spend"], rtol=1e-4)
    assert net["unspent"].iloc[0] == pytest.approx(0.0, abs=1e-6 * _budget(model))
    # Nothing is left unspent, so the net change is the fixed-budget plan's change.
    assert net["scenario_change"].iloc[0] == pytest.approx(
        fixed["scenario_change"].iloc[0], rel=1e-4
    )


def test_a_plan_net_of_spend_needs_values_in_money(easy_fit):
    model = easy_fit.result.model
    with pytest.raises(ValueError, match="value per unit, in money"):
        plan_budget(model, _budget(model), net_of_spend=True)
