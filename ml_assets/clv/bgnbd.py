"""The BG/NBD estimator (Fader, Hardie & Lee 2005) with scikit-learn's contract."""

from __future__ import annotations

from ml_assets.clv import bgnbd_math
from ml_assets.clv.purchase_model import PurchaseModel


class BetaGeoModel(PurchaseModel):
    """BG/NBD: customers buy as a Poisson process and may drop out right after each *repeat*
    purchase, so a customer who never bought again is certainly alive (P(alive) = 1).

    Parameters, fitted attributes and methods: ``PurchaseModel``; the objective is
    ``lifetimes.BetaGeoFitter(penalizer_coef=...)``'s.
    """

    name = "bgnbd"
    label = "BG/NBD"
    formulas = bgnbd_math
