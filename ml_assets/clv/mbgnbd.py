"""The MBG/NBD estimator (Batislam, Denizel & Filiztekin 2007) with scikit-learn's contract."""

from __future__ import annotations

from ml_assets.clv import mbgnbd_math
from ml_assets.clv.purchase_model import PurchaseModel


class ModifiedBetaGeoModel(PurchaseModel):
    """MBG/NBD: as BG/NBD, but a customer may also drop out right after the first purchase, so
    a one-time buyer whose only order is old is likely gone.

    Parameters, fitted attributes and methods: ``PurchaseModel``; the objective is
    ``lifetimes.ModifiedBetaGeoFitter(penalizer_coef=...)``'s.
    """

    name = "mbgnbd"
    label = "MBG/NBD"
    formulas = mbgnbd_math
