"""MBG/NBD against lifetimes 0.11.3's ``ModifiedBetaGeoFitter`` and BTYDplus's published fit.

Oracles: lifetimes' implementation of the same model (Batislam, Denizel & Filiztekin 2007 with
Wagner & Hoppe's 2008 erratum): its objective, its fit (at tol 1e-8: at 1e-9 its BFGS stops on
"precision loss" for this likelihood) and its predictions on the same parameters; and the
parameters BTYDplus (Platzer's R package, ``mbgnbd.EstimateParameters``) reports for the CDNOW
sample in weeks, r = 0.525, alpha = 6.183, a = 0.891, b = 1.614, which lifetimes' own test
suite holds its fitter to.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import pandas as pd
import pytest
from lifetimes import GammaGammaFitter, ModifiedBetaGeoFitter

from ml_assets.clv import mbgnbd_math
from ml_assets.clv.bgnbd_math import Histories
from ml_assets.clv.gamma_gamma import GammaGammaModel
from ml_assets.clv.mbgnbd import ModifiedBetaGeoModel
from ml_assets.clv.predict import score_customers
from ml_assets.clv.settings import ClvSettings

RELATIVE = 1e-6
LIFETIMES_TOL = 1e-8
BTYDPLUS_CDNOW = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
#: BTYDplus's values are given to 3 decimals (lifetimes checks them to 1.5e-3).
BTYDPLUS_DECIMALS = 1.5e-3


def _lifetimes_fit(frequency, recency, T, penalizer: float) -> ModifiedBetaGeoFitter:
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ModifiedBetaGeoFitter(penalizer_coef=penalizer).fit(
            frequency, recency, T, tol=LIFETIMES_TOL
        )


def _lifetimes_with(params: dict) -> ModifiedBetaGeoFitter:
    fitter = ModifiedBetaGeoFitter()
    fitter.params_ = pd.Series(params)[["r", "alpha", "a", "b"]]
    fitter.predict = fitter.conditional_expected_number_of_purchases_up_to_time
    return fitter


def _relative(ours, theirs) -> float:
    ours, theirs = np.asarray(ours, float), np.asarray(theirs, float)
    return float(np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-300)))


def test_mbgnbd_params_match_btydplus_published_cdnow_values(cdnow):
    model = ModifiedBetaGeoModel().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    for name, published in BTYDPLUS_CDNOW.items():
        assert model.params_[name] == pytest.approx(published, abs=BTYDPLUS_DECIMALS), name
    assert model.converged_ and model.n_customers_ == len(cdnow)


@pytest.mark.parametrize("penalizer", [0.0, 0.01])
def test_mbgnbd_fit_equals_lifetimes_fit_on_cdnow(cdnow, penalizer):
    columns = (cdnow["frequency"], cdnow["recency"], cdnow["T"])
    ours = ModifiedBetaGeoModel(penalizer=penalizer).fit(*columns)
    theirs = _lifetimes_fit(*columns, penalizer)
    for name in ("r", "alpha", "a", "b"):
        assert ours.params_[name] == pytest.approx(theirs.params_[name], rel=RELATIVE), name


def test_mbgnbd_log_likelihood_equals_lifetimes_objective(cdnow):
    # lifetimes minimizes the mean negative log-likelihood on time scaled to max(T) = 1.
    scale = 1 / cdnow["T"].max()
    x, t_x, T = cdnow["frequency"], cdnow["recency"] * scale, cdnow["T"] * scale
    params = {"r": 0.3, "alpha": 0.2, "a": 0.8, "b": 2.5}
    theirs = ModifiedBetaGeoFitter._negative_log_likelihood(
        np.log(list(params.values())), x.to_numpy(), t_x.to_numpy(), T.to_numpy(),
        np.ones(len(x)), 0.0,
    )  # fmt: skip
    ours = -mbgnbd_math.log_likelihood(*params.values(), x, t_x, T).mean()
    assert ours == pytest.approx(float(theirs), rel=1e-12)


def test_mbgnbd_gradient_matches_finite_differences_of_the_log_likelihood(cdnow):
    x, t_x, T = (cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    weights = np.arange(len(x)) % 3 + 1.0
    histories = Histories.of(x, t_x, T, weights)
    log_params = np.log([0.4, 5.0, 0.9, 2.0])
    ll, gradient = mbgnbd_math.weighted_log_likelihood_gradient(*np.exp(log_params), histories)

    def total(lp):
        return weights @ mbgnbd_math.log_likelihood(*np.exp(lp), x, t_x, T)

    assert ll == pytest.approx(total(log_params), rel=1e-12)
    # A central difference's rounding error is about eps * |ll| / step: 4e-6 at a step of 1e-6
    # on this likelihood (-19 000), above the tolerance, so whether it passed hung on the last
    # bits numpy's log and exp return (they differ with the CPU's vector instructions). A step
    # of 1e-4 with Richardson's extrapolation keeps both the rounding and the truncation error
    # below 1e-7.
    step = 1e-4

    def central(i: int, h: float) -> float:
        shift = np.zeros(4)
        shift[i] = h
        return (total(log_params + shift) - total(log_params - shift)) / (2 * h)

    for i in range(4):
        numeric = (4 * central(i, step) - central(i, 2 * step)) / 3
        assert gradient[i] == pytest.approx(numeric, rel=1e-6, abs=1e-6), i


def test_mbgnbd_on_distinct_histories_with_weights_equals_fitting_every_customer(cdnow):
    grouped = cdnow.groupby(["frequency", "recency", "T"]).size().reset_index(name="customers")
    every = ModifiedBetaGeoModel().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    weighted = ModifiedBetaGeoModel().fit(
        grouped["frequency"], grouped["recency"], grouped["T"], sample_weight=grouped["customers"]
    )
    for name in ("r", "alpha", "a", "b"):
        assert weighted.params_[name] == pytest.approx(every.params_[name], rel=1e-7)
    assert weighted.log_likelihood_ == pytest.approx(every.log_likelihood_, rel=1e-12)


def test_mbgnbd_predictions_equal_lifetimes_on_the_same_parameters(cdnow, cdnow_repeat_buyers):
    """Every score the use case reads (P(alive), expected purchases per horizon, the 12-month
    CLV through lifetimes' Gamma-Gamma with the MBG/NBD as its transaction model) and a new
    customer's expected purchases, in days as the platform uses them."""
    days = cdnow.assign(recency=cdnow["recency"] * 7, T=cdnow["T"] * 7)
    mbgnbd = ModifiedBetaGeoModel().fit(days["frequency"], days["recency"], days["T"])
    gamma_gamma = GammaGammaModel().fit(
        cdnow_repeat_buyers["frequency"], cdnow_repeat_buyers["monetary_value"]
    )
    spend = gamma_gamma.conditional_expected_spend(days["frequency"], days["monetary_value"])
    ours = score_customers(days, mbgnbd, spend, ClvSettings(), horizons=(30, 90, 273))
    theirs = _lifetimes_with(mbgnbd.params_)
    ggf = GammaGammaFitter()
    ggf.params_ = pd.Series(gamma_gamma.params_)[["p", "q", "v"]]
    x, t_x, T, m = days["frequency"], days["recency"], days["T"], days["monetary_value"]

    alive = theirs.conditional_probability_alive(x, t_x, T)
    assert _relative(ours["prob_alive"], alive) < 1e-12
    assert (ours.loc[x == 0, "prob_alive"] < 1).all()  # one-time buyers may have left
    for horizon in (30, 90, 273):
        expected = theirs.conditional_expected_number_of_purchases_up_to_time(horizon, x, t_x, T)
        assert _relative(ours[f"expected_purchases_{horizon}d"], expected) < 1e-10, horizon
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifetimes' CLV loop warns on pandas dtypes
        clv = ggf.customer_lifetime_value(theirs, x, t_x, T, m, time=12, discount_rate=0.01,
                                          freq="D")  # fmt: skip
    assert _relative(ours["predicted_clv_12m"], clv) < 1e-10
    horizons = np.array([30.0, 365.0])
    new_customer = theirs.expected_number_of_purchases_up_to_time(horizons)
    assert _relative(mbgnbd.expected_purchases(horizons), new_customer) < 1e-12
