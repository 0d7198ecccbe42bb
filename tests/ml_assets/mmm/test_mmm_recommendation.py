"""The advice object: experiments sized from the noise (numbers worked out by hand), actions
that follow the plan, and channels the data cannot judge kept where they are."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ml_assets.mmm import budget, recommendation
from ml_assets.mmm.curves import CurveDraws
from ml_assets.mmm.experiments import design_experiment
from ml_assets.mmm.recommendation import MIN_MOVE_SHARE, recommend


def _model_with(per_day_contribution: float, residual_sd: float, current: float = 2000.0):
    """A fitted model's surface: one channel whose curve gives ``per_day_contribution`` at its
    current spend (Hill at its half-saturation point is 1/2, every profile value is 1)."""
    curve = CurveDraws(
        coefficient=np.full(4, 2 * per_day_contribution),
        half_saturation=np.full(4, current),
        shape=np.full(4, 1.5),
        profiles=np.ones((4, 8)),
    )
    return SimpleNamespace(
        channels_=["Meta Ads"], current_spend_=np.array([current]), period_days=1,
        residual_sd_=residual_sd, response=lambda channel: curve,
    )  # fmt: skip


def test_a_noisy_small_channel_needs_the_longest_test_and_says_it_falls_short():
    # (sigma / (0.25 c))^2 = (1000 / 125)^2 = 64 days: more than the 8 weeks allowed.
    design = design_experiment(_model_with(500.0, 1000.0), "Meta Ads")
    assert not design.feasible
    assert design.days == 56
    assert design.relative_error == pytest.approx(1000.0 / (500.0 * math.sqrt(56)))
    # Half the market for 2 / 0.5 = 4 times the days: 256, past the sixteen weeks allowed.
    assert design.geo_days == 112 and design.geo_share == 0.5
    assert design.expected_lift == pytest.approx(500.0 * 56)
    assert design.spend_paused == pytest.approx(2000.0 * 56)


def test_a_clear_channel_needs_only_the_two_week_minimum():
    # (250 / 125)^2 = 4 days, but never less than two whole weeks.
    design = design_experiment(_model_with(500.0, 250.0), "Meta Ads")
    assert design.feasible and design.days == 14
    # 4 x 4 = 16 days in half the market: three whole weeks.
    assert design.geo_days == 21
    assert design.relative_error == pytest.approx(250.0 / (500.0 * math.sqrt(14)))


def test_actions_follow_the_plan_for_todays_budget(easy_fit):
    model = easy_fit.result.model
    advice = recommend(model).set_index("channel")
    plan = budget.plan_budget(model, 30 * model.current_spend_.sum()).set_index("channel")
    np.testing.assert_allclose(advice["recommended_spend"], plan["optimal_spend"], rtol=1e-9)
    change = advice["recommended_spend"] - advice["current_spend"]
    moved = change.abs() >= MIN_MOVE_SHARE * advice["current_spend"]
    expected = np.where(~moved, "mantener", np.where(change > 0, "aumentar", "reducir"))
    assert (advice.loc[advice["identified"], "action"] == expected[advice["identified"]]).all()
    assert advice["recommended_spend"].sum() == pytest.approx(advice["current_spend"].sum())
    assert advice["scenario_change_low"].iloc[0] <= advice["scenario_change"].iloc[0]
    # Every channel carries the design of the test that would measure it, the judged ones
    # too: the pages point at it when the plan's interval cannot tell its gain from nothing.
    assert advice["experiment_days"].notna().all() and (advice["experiment_days"] >= 14).all()
    # Numbers stay numbers and the flag a flag in the ML table, on PostgreSQL too.
    figures = advice.filter(like="experiment_").drop(columns="experiment_feasible")
    assert all(pd.api.types.is_float_dtype(figures[column]) for column in figures)
    assert pd.api.types.is_bool_dtype(advice["experiment_feasible"])


def test_channels_the_data_cannot_judge_stay_put_and_get_an_experiment(hard_fit, monkeypatch):
    model = hard_fit.result.model
    monkeypatch.setattr(budget, "identified_channels", lambda m: dict.fromkeys(m.channels_, False))
    monkeypatch.setattr(
        recommendation, "identification_issues", lambda *args, **kwargs: ["unranked"]
    )
    advice = recommend(model)
    assert (advice["action"] == "experimentar").all()
    np.testing.assert_allclose(advice["recommended_spend"], advice["current_spend"], rtol=1e-9)
    assert (advice["experiment_days"] >= 14).all() and (advice["experiment_days"] % 7 == 0).all()
    assert advice["moved_amount"].iloc[0] == pytest.approx(0.0, abs=1e-6)
