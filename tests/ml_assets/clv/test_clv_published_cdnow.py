"""Published parameters on the CDNOW sample: the fits reproduce the papers.

Oracles: Fader, Hardie & Lee (2005), "Counting your customers the easy way", Table/section 5:
r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, log-likelihood -9582.4 (weeks). Fader & Hardie
(2013), "The Gamma-Gamma model of monetary value": p = 6.25, q = 3.74, v = 15.44. Within 0.5 %.
"""

from __future__ import annotations

import pytest

from ml_assets.clv.bgnbd import BetaGeoModel
from ml_assets.clv.gamma_gamma import GammaGammaModel
from tests.ml_assets.clv.clv_cdnow import PUBLISHED_BGNBD, PUBLISHED_GAMMA_GAMMA, TOLERANCE


def test_bgnbd_params_match_published_cdnow_values(cdnow):
    model = BetaGeoModel().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    for name, published in PUBLISHED_BGNBD.items():
        assert model.params_[name] == pytest.approx(published, rel=TOLERANCE), name
    assert model.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    assert model.converged_ and model.n_customers_ == len(cdnow)


def test_gamma_gamma_params_match_published_cdnow_values(cdnow_repeat_buyers):
    buyers = cdnow_repeat_buyers
    model = GammaGammaModel().fit(buyers["frequency"], buyers["monetary_value"])
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert model.params_[name] == pytest.approx(published, rel=TOLERANCE), name
    assert model.n_customers_ == len(buyers) == 946
