"""Both brains' estimators keep one contract: parameters from ``__init__``, one error when a
model is used before ``fit``."""

from __future__ import annotations

import pytest

from ml_assets.clv.bgnbd import BetaGeoModel
from ml_assets.clv.gamma_gamma import GammaGammaModel
from ml_assets.clv.mbgnbd import ModifiedBetaGeoModel
from ml_assets.estimator import NotFittedError
from ml_assets.mmm.model import MarketingMixModel
from ml_assets.mmm.persistence import model_to_dict

UNFITTED_USES = {
    "BetaGeoModel": lambda: BetaGeoModel().probability_alive([1], [1.0], [2.0]),
    "GammaGammaModel": lambda: GammaGammaModel().conditional_expected_spend([1], [10.0]),
    "ModifiedBetaGeoModel": lambda: ModifiedBetaGeoModel().expected_purchases(30.0),
    "MarketingMixModel": lambda: model_to_dict(MarketingMixModel(["search"])),
}


@pytest.mark.parametrize("name", sorted(UNFITTED_USES))
def test_using_any_model_before_fit_raises_the_one_not_fitted_error(name):
    with pytest.raises(NotFittedError, match=f"this {name} is not fitted yet"):
        UNFITTED_USES[name]()


def test_the_budget_brain_has_the_parameter_protocol_too():
    model = MarketingMixModel(["search", "social"], draws=50)
    assert model.get_params()["draws"] == 50 and model.get_params()["channels"] == [
        "search",
        "social",
    ]
    assert model.set_params(draws=80) is model and model.draws == 80
    with pytest.raises(ValueError, match="unknown parameter"):
        model.set_params(chainz=4)
