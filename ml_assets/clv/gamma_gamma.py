"""The Gamma-Gamma estimator (Fader & Hardie 2013) with scikit-learn's contract."""

from __future__ import annotations

import numpy as np

from ml_assets.clv import gamma_gamma_math
from ml_assets.clv.fitting import (
    PARAMETER_CEILING,
    as_float_array,
    as_weights,
    compress,
    maximize_likelihood,
)
from ml_assets.estimator import Estimator

PARAMETER_NAMES = ("p", "q", "v")
START_LOG_PARAMETER = 0.1


def check_spend(frequency, monetary_value) -> tuple[np.ndarray, np.ndarray]:
    """Validated (frequency, monetary_value) of repeat buyers, or a ValueError."""
    x = as_float_array(frequency, "frequency")
    m = as_float_array(monetary_value, "monetary_value")
    if x.size != m.size:
        raise ValueError(f"frequency and monetary_value differ in length ({x.size}, {m.size})")
    if (x <= 0).any() or (x != np.round(x)).any():
        raise ValueError("Gamma-Gamma needs repeat buyers: frequency must be whole numbers >= 1")
    if (m <= 0).any():
        raise ValueError("monetary_value must be positive (mean value of repeat transactions)")
    return x, m


class GammaGammaModel(Estimator):
    """Gamma-Gamma: how much repeat buyers spend per transaction.

    Parameters
    ----------
    penalizer : float
        L2 penalty on (p, q, v) added to the mean negative log-likelihood, as
        ``lifetimes.GammaGammaFitter(penalizer_coef=...)`` (v is in currency units, so a
        penalizer shrinks v strongly; the default is none).

    Fitted attributes: ``params_`` (dict p, q, v), ``log_likelihood_``, ``n_customers_``,
    ``n_iter_``, ``converged_``.
    """

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    def fit(self, frequency, monetary_value, sample_weight=None) -> GammaGammaModel:
        """Maximum-likelihood fit (eq. 1a) on repeat buyers: ``frequency`` repeat transactions
        of mean value ``monetary_value`` each."""
        if self.penalizer < 0:
            raise ValueError(f"penalizer must be >= 0, got {self.penalizer}")
        x, m = check_spend(frequency, monetary_value)
        weights = as_weights(sample_weight, x.size)
        (x, m), counts = compress(weights, x, m)

        histories = gamma_gamma_math.SpendHistories.of(x, m, counts)

        def weighted_log_likelihood_gradient(log_params):
            return gamma_gamma_math.weighted_log_likelihood_gradient(*np.exp(log_params), histories)

        # Where lifetimes starts (every log parameter at 0.1): p and v trade off along a
        # ridge, and from a start nearer the mean spend BFGS stalls a little short of the top.
        start = np.full(3, START_LOG_PARAMETER)
        optimum = maximize_likelihood(
            weighted_log_likelihood_gradient,
            counts.sum(),
            start,
            self.penalizer,
            model="Gamma-Gamma",
            names=PARAMETER_NAMES,
            # v is a scale in currency units (millions of pesos are ordinary); p and q are
            # shapes.
            ceilings=(PARAMETER_CEILING, PARAMETER_CEILING, np.inf),
        )
        self.params_ = {
            name: float(value)
            for name, value in zip(PARAMETER_NAMES, np.exp(optimum.log_params), strict=True)
        }
        self.log_likelihood_ = float(
            counts @ gamma_gamma_math.log_likelihood(*self._params(), x, m)
        )
        self.n_customers_ = float(counts.sum())
        self.n_iter_ = optimum.iterations
        self.converged_ = True
        return self

    def _params(self) -> tuple[float, float, float]:
        self.check_fitted("params_")
        return tuple(float(self.params_[name]) for name in PARAMETER_NAMES)

    def conditional_expected_spend(self, frequency, monetary_value) -> np.ndarray:
        """Expected spend per future transaction of each customer (eq. 5); customers without
        repeat purchases (frequency 0) get the population mean."""
        x = as_float_array(frequency, "frequency")
        m = as_float_array(monetary_value, "monetary_value")
        return gamma_gamma_math.conditional_expected_spend(*self._params(), x, m)

    def population_mean_spend(self) -> float:
        """Mean spend per transaction across customers, p v / (q - 1)."""
        return float(gamma_gamma_math.population_mean_spend(*self._params()))

    def to_dict(self) -> dict:
        """The fitted parameters and fit facts as plain JSON-ready values."""
        self._params()
        return {
            "model": "gamma_gamma",
            "params": {name: float(self.params_[name]) for name in PARAMETER_NAMES},
            "penalizer": float(self.penalizer),
            "log_likelihood": self.log_likelihood_,
            "n_customers": self.n_customers_,
        }

    @classmethod
    def from_dict(cls, document: dict) -> GammaGammaModel:
        """A fitted model from ``to_dict``'s output (no refit)."""
        if document.get("model") != "gamma_gamma":
            raise ValueError("not a Gamma-Gamma parameter document")
        model = cls(penalizer=document.get("penalizer", 0.0))
        model.params_ = {name: float(document["params"][name]) for name in PARAMETER_NAMES}
        model.log_likelihood_ = document.get("log_likelihood")
        model.n_customers_ = document.get("n_customers")
        model.n_iter_ = None
        model.converged_ = True
        return model
