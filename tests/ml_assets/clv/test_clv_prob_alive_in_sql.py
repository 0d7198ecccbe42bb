"""The purchase models' P(alive) in SQL (macro ``customer_prob_alive``, which the life line and
the health score evaluate at past days) against lifetimes' fitters of the same models.

The macro is rendered with plain Jinja (``tests/support/portable_macros.py``) and run on
DuckDB over the CDNOW sample's histories in days, with parameters fitted to them; oracles:
lifetimes' ``BetaGeoFitter`` and ``ModifiedBetaGeoFitter`` on the same parameters.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from lifetimes import BetaGeoFitter, ModifiedBetaGeoFitter

from ml_assets.clv.model_choice import PURCHASE_MODELS
from tests.support.portable_macros import macro_module

FITTERS = {"bgnbd": BetaGeoFitter, "mbgnbd": ModifiedBetaGeoFitter}


@pytest.mark.parametrize("model", sorted(PURCHASE_MODELS))
def test_the_sql_prob_alive_of_each_purchase_model_equals_lifetimes(cdnow, model):
    days = pd.DataFrame(
        {
            "x": cdnow["frequency"].to_numpy(float),
            "t_x": cdnow["recency"].to_numpy(float) * 7,
            "age": cdnow["T"].to_numpy(float) * 7,
            "model": model,
        }
    )
    fitted = PURCHASE_MODELS[model]().fit(days["x"], days["t_x"], days["age"])
    r, alpha, a, b = (repr(value) for value in fitted.parameters())
    expression = macro_module("purchase_models.sql").customer_prob_alive(
        "model", "x", "t_x", "age", r, alpha, a, b
    )
    with duckdb.connect() as connection:
        connection.register("histories", days)
        got = connection.execute(f"select {expression} as p from histories").df()["p"]
    fitter = FITTERS[model]()
    fitter.params_ = pd.Series(fitted.params_)[["r", "alpha", "a", "b"]]
    expected = np.asarray(fitter.conditional_probability_alive(days["x"], days["t_x"], days["age"]))
    np.testing.assert_allclose(got.to_numpy(float), expected, rtol=1e-12)
    one_time = (days["x"] == 0).to_numpy()
    assert (got[one_time] == 1).all() == (model == "bgnbd")
