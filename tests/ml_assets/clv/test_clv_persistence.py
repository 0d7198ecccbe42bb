"""Parameters as plain JSON: a saved fit scores new histories exactly like the original."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ml_assets.clv.persistence import load_models, parameters_document, write_parameters
from ml_assets.clv.predict import MODEL_VERSION, predict_customer_value
from tests.ml_assets.clv.clv_simulation import daily_transactions

TRUTH = {"r": 0.9, "alpha": 30.0, "a": 0.8, "b": 10.0, "p": 6.0, "q": 4.0, "v": 20_000.0}


def test_parameters_round_trip_through_json(tmp_path):
    result = predict_customer_value(daily_transactions(41, 2_000, horizon=365.0, **TRUTH))
    path = tmp_path / "params.json"
    write_parameters(result, path)
    document = json.loads(path.read_text())
    for name in ("r", "alpha", "a", "b", "p", "q", "v"):
        assert isinstance(document[name], float), name
    assert document["time_unit"] == "days" and document["model_version"] == MODEL_VERSION
    assert document["purchase_log_likelihood"] == result.purchases.log_likelihood_
    assert document["purchase_model"] == result.choice.model

    purchases, gamma_gamma = load_models(document)
    assert type(purchases) is type(result.purchases)
    p = result.predictions
    np.testing.assert_array_equal(
        purchases.probability_alive(p["frequency"], p["recency"], p["T"]), p["prob_alive"]
    )
    np.testing.assert_array_equal(
        gamma_gamma.conditional_expected_spend(p["frequency"], p["monetary_value"]),
        p["expected_spend_per_purchase"],
    )


def test_parameters_of_another_model_version_are_refused():
    result = predict_customer_value(daily_transactions(41, 500, horizon=365.0, **TRUTH))
    document = {**parameters_document(result), "model_version": "something-else"}
    with pytest.raises(ValueError, match="refit"):
        load_models(document)
