"""Demand controls (organic search clicks) never lower the target, and their credit holds the
truth; a control declared signed may still act either way.

On the demo the revenue model gave organic search a negative share (-0.8 % of revenue in Chile
where the truth is +6.7 %): more organic clicks, less revenue. Its coefficient now has a
half-normal prior and is sampled beside the media (posterior.py), while the other baseline
columns stay integrated out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.mmm_suite.independent import HOLDOUT_DAYS, generate
from ml_assets.mmm.inputs import prepare_input
from ml_assets.mmm.model import MarketingMixModel
from ml_assets.mmm.posterior import PosteriorProblem, _baseline_draws
from ml_assets.mmm.priors import Priors
from tests.ml_assets.mmm.fixed_posterior import FixedMedia, fixed_posterior

#: A seed of the independent simulator no one looked at while the model was built.
HELD_OUT_SEED = 4107
#: The simulator's ml_assets/mmm/simulate.py: each organic click brings this much revenue.
REVENUE_PER_CLICK = 60.0


def _control_interval(model: MarketingMixModel, name: str) -> tuple[np.ndarray, float, float]:
    draws = model.draws_["control_contribution"][:, model.baseline_design_.controls.index(name)]
    low, high = np.percentile(draws, [5.0, 95.0])
    return draws, float(low), float(high)


@pytest.mark.parametrize("fit_name", ["easy_fit", "hard_fit"])
def test_organic_clicks_credit_holds_the_simulated_truth(request, fit_name):
    fit = request.getfixturevalue(fit_name)
    truth = REVENUE_PER_CLICK * fit.data.frame["organic_clicks"].sum()
    draws, low, high = _control_interval(fit.result.model, "organic_clicks")
    assert (draws >= 0).all()
    assert low <= truth <= high, (low, truth, high)


def test_the_diagnostics_give_each_controls_share_interval(easy_fit):
    """The interval of the contribution over the fitted total, around the point share."""
    _, low, high = _control_interval(easy_fit.result.model, "organic_clicks")
    diagnostics = easy_fit.result.diagnostics()
    shares = diagnostics["control_intervals"]["organic_clicks"]
    point = diagnostics["decomposition_shares"]["organic_clicks"]
    assert 0 < shares["contribution_share_low"] <= point <= shares["contribution_share_high"]
    # Both ends are the draws' percentiles over one total (the fitted target's).
    ratio = shares["contribution_share_high"] / shares["contribution_share_low"]
    assert ratio == pytest.approx(high / low)


def test_organic_search_on_independent_data_is_positive_and_holds_the_truth():
    data = generate("medium", HELD_OUT_SEED)
    train = data.frame.iloc[: len(data.frame) - HOLDOUT_DAYS]
    model_input = prepare_input(
        train, date_column="date", spend_columns=data.channels, target_column="revenue",
        control_columns=data.controls, event_columns=data.events,
    )  # fmt: skip
    model = MarketingMixModel(
        model_input.channels, controls=model_input.controls, events=model_input.events
    ).fit(model_input.frame, model_input.frame[model_input.target])
    truth = data.truth["baseline"]["revenue_per_click"] * train["organic_clicks"].sum()
    draws, low, high = _control_interval(model, "organic_clicks")
    assert (draws >= 0).all()
    assert low <= truth <= high, (low, truth, high)


def _priced_days(seed: int = 3) -> pd.DataFrame:
    """A year of days where a price cut lifts sales: price is a control that lowers them."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2025-01-01", periods=364, freq="D")
    spend = rng.gamma(4.0, 250.0, len(dates))
    price = 100.0 * np.exp(rng.normal(0.0, 0.1, len(dates)))
    sales = 5_000.0 - 20.0 * (price - 100.0) + 0.8 * spend + rng.normal(0.0, 50.0, len(dates))
    return pd.DataFrame({"ads": spend, "price": price, "sales": sales}, index=dates)


def test_a_signed_control_may_lower_the_target():
    """Through the conditional draw of the integrated baseline (the media drawn around fixed
    values: this is about which columns the model integrates, not about NUTS)."""
    frame = _priced_days()
    model = MarketingMixModel(["ads"], controls=["price"], signed_controls=["price"], draws=50)
    with fixed_posterior([FixedMedia(share=0.1)]):
        model.fit(frame, frame["sales"])
    _, _, high = _control_interval(model, "price")
    assert high < 0  # 20 less per unit of price: about -20 * 100 * 364 over the year


def test_a_signed_control_that_is_not_a_control_is_refused():
    frame = _priced_days()
    model = MarketingMixModel(["ads"], controls=[], signed_controls=["price"])
    with pytest.raises(ValueError, match="signed controls that are not controls: \\['price'\\]"):
        model.fit(frame, frame["sales"])


def test_the_conditional_baseline_draw_keeps_the_sampled_positive_coefficients():
    rng = np.random.default_rng(0)
    rows = 60
    baseline = np.column_stack([np.ones(rows), rng.normal(size=rows), rng.normal(size=rows)])
    problem = PosteriorProblem(
        baseline=baseline,
        baseline_prior_mean=np.array([1.0, 0.0, 0.0]),
        baseline_prior_sd=np.array([1.0, 1.0, 1.0]),
        lagged_spend=np.ones((1, 1, rows)),
        spend_share=np.ones(1),
        target=1.0 + 0.5 * baseline[:, 2] + rng.normal(0.0, 0.05, rows),
        priors=Priors(),
        positive=np.array([False, False, True]),
    )
    sampled = np.array([[0.5], [0.45], [0.55]])
    coefficients = _baseline_draws(problem, np.zeros((3, rows)), np.full(3, 0.05), 0, sampled)
    assert coefficients[:, 2] == pytest.approx(sampled[:, 0])
    # The intercept is drawn on what the positive column leaves: about the target's level.
    assert coefficients[:, 0] == pytest.approx(np.ones(3), abs=0.05)
