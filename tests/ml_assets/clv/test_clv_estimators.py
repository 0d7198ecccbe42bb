"""The estimators follow scikit-learn's contract (STYLE.md, ml_assets)."""

from __future__ import annotations

import numpy as np
import pytest

from ml_assets.clv.bgnbd import BetaGeoModel
from ml_assets.clv.gamma_gamma import GammaGammaModel
from ml_assets.clv.mbgnbd import ModifiedBetaGeoModel

PURCHASE_MODELS = pytest.mark.parametrize("model_class", [BetaGeoModel, ModifiedBetaGeoModel])


@PURCHASE_MODELS
def test_init_stores_hyperparameters_and_fit_returns_self(cdnow, model_class):
    model = model_class(penalizer=0.1)
    assert vars(model) == {"penalizer": 0.1}
    assert model.get_params() == {"penalizer": 0.1}
    assert model.set_params(penalizer=0.0) is model and model.penalizer == 0.0
    assert model.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"]) is model
    # Fitted attributes end in "_" and no training data is kept.
    learned = {name for name in vars(model) if name != "penalizer"}
    assert learned and all(name.endswith("_") for name in learned)
    assert not any(isinstance(value, np.ndarray) for value in vars(model).values())


def test_unknown_hyperparameter_and_unfitted_use_are_clear_errors():
    with pytest.raises(ValueError, match="unknown parameter"):
        GammaGammaModel().set_params(alpha=1)
    with pytest.raises(RuntimeError, match="not fitted yet"):
        BetaGeoModel().probability_alive([1], [1.0], [2.0])


@pytest.mark.parametrize(
    "frequency, recency, T, message",
    [
        ([1.5], [1.0], [2.0], "whole numbers"),
        ([1], [3.0], [2.0], "between 0 and T"),
        ([0], [1.0], [2.0], "recency must be 0"),
        ([1, 2], [1.0], [2.0], "differ in length"),
        ([], [], [], "empty"),
        ([1], [np.nan], [2.0], "missing or infinite"),
    ],
)
@PURCHASE_MODELS
def test_invalid_histories_name_the_broken_rule(frequency, recency, T, message, model_class):
    with pytest.raises(ValueError, match=message):
        model_class().fit(frequency, recency, T)


def test_gamma_gamma_refuses_non_positive_spend_and_non_repeat_buyers():
    with pytest.raises(ValueError, match="monetary_value must be positive"):
        GammaGammaModel().fit([1, 2], [10.0, 0.0])
    with pytest.raises(ValueError, match="repeat buyers"):
        GammaGammaModel().fit([0, 2], [10.0, 5.0])
