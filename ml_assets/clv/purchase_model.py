"""What the purchase models (BG/NBD, MBG/NBD) share: the input checks, the fit on distinct
histories, the predictions every use case reads, and the plain-JSON form.

A model is its formulas module (``bgnbd_math``, ``mbgnbd_math``: the same functions of the
same four parameters r, alpha, a, b) and a name. Everything downstream (value, segments,
SQL scoring, persistence, backtest) talks to a ``PurchaseModel`` and never to one family.
"""

from __future__ import annotations

from types import ModuleType
from typing import ClassVar

import numpy as np

from ml_assets.clv import bgnbd_math
from ml_assets.clv.factor import distinct_rows
from ml_assets.clv.fitting import (
    PARAMETER_CEILING,
    as_float_array,
    as_weights,
    compress,
    maximize_likelihood,
)
from ml_assets.estimator import Estimator

PARAMETER_NAMES = ("r", "alpha", "a", "b")
#: lifetimes starts every log parameter at 0.1 with time scaled so that the oldest customer
#: has age 1 (for both fitters); starting at the same point makes the searches find the
#: same optimum.
START_LOG_PARAMETER = 0.1


def check_histories(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated (frequency, recency, T) arrays, or a ValueError that says which rule broke."""
    x = as_float_array(frequency, "frequency")
    t_x = as_float_array(recency, "recency")
    age = as_float_array(T, "T")
    if not x.size == t_x.size == age.size:
        raise ValueError(
            f"frequency, recency and T differ in length ({x.size}, {t_x.size}, {age.size})"
        )
    if (x < 0).any() or (x != np.round(x)).any():
        raise ValueError("frequency must hold non-negative whole numbers (repeat purchases)")
    if (t_x < 0).any() or (t_x > age).any():
        raise ValueError("recency must lie between 0 and T (time of the last purchase)")
    if (t_x[x == 0] != 0).any():
        raise ValueError("recency must be 0 for customers without repeat purchases")
    if (age <= 0).all():
        raise ValueError("T must be positive for some customer (time since first purchase)")
    return x, t_x, age


class PurchaseModel(Estimator):
    """How often customers buy and when they stop, from (frequency, recency, T).

    Parameters
    ----------
    penalizer : float
        L2 penalty on (r, alpha, a, b), with alpha in time units scaled so that the oldest
        customer's age is 1 and added to the mean negative log-likelihood: the same
        objective as lifetimes' fitters (``penalizer_coef``).

    Fitted attributes: ``params_`` (dict r, alpha, a, b; rates per time unit of the input),
    ``log_likelihood_`` (total over customers, without the penalty), ``n_customers_``,
    ``n_distinct_histories_``, ``n_iter_``, ``converged_``.
    """

    #: The model's key in parameter documents and the model-run record.
    name: ClassVar[str]
    #: How messages name it.
    label: ClassVar[str]
    #: The formulas: log_likelihood, weighted_log_likelihood_gradient, probability_alive,
    #: expected_purchases_if_alive, conditional_expected_purchases, expected_purchases.
    formulas: ClassVar[ModuleType]

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    def fit(self, frequency, recency, T, sample_weight=None):
        """Maximum-likelihood fit on the distinct histories, weighted by how many customers
        share each. ``sample_weight`` gives customer counts per row."""
        if self.penalizer < 0:
            raise ValueError(f"penalizer must be >= 0, got {self.penalizer}")
        x, t_x, age = check_histories(frequency, recency, T)
        weights = as_weights(sample_weight, x.size)
        (x, t_x, age), counts = compress(weights, x, t_x, age)
        scale = 1.0 / age.max()
        histories = bgnbd_math.Histories.of(x, t_x * scale, age * scale, counts)
        formulas = self.formulas

        def weighted_log_likelihood_gradient(log_params):
            return formulas.weighted_log_likelihood_gradient(*np.exp(log_params), histories)

        optimum = maximize_likelihood(
            weighted_log_likelihood_gradient,
            counts.sum(),
            np.full(4, START_LOG_PARAMETER),
            self.penalizer,
            model=self.label,
            names=PARAMETER_NAMES,
            ceilings=(PARAMETER_CEILING,) * len(PARAMETER_NAMES),
        )
        r, scaled_alpha, a, b = (float(v) for v in np.exp(optimum.log_params))
        self.params_ = {"r": r, "alpha": scaled_alpha / scale, "a": a, "b": b}
        self.log_likelihood_ = float(
            counts @ formulas.log_likelihood(*self.parameters(), x, t_x, age)
        )
        self.n_customers_ = float(counts.sum())
        self.n_distinct_histories_ = int(x.size)
        self.n_iter_ = optimum.iterations
        self.converged_ = True
        return self

    def parameters(self) -> tuple[float, float, float, float]:
        """The fitted (r, alpha, a, b), in the formulas' order."""
        self.check_fitted("params_")
        return tuple(float(self.params_[name]) for name in PARAMETER_NAMES)

    def probability_alive(self, frequency, recency, T) -> np.ndarray:
        """P(alive) of each customer at the end of their observation period."""
        return self.formulas.probability_alive(
            *self.parameters(), *check_histories(frequency, recency, T)
        )

    def conditional_expected_purchases(self, t: float, frequency, recency, T) -> np.ndarray:
        """Expected repeat purchases of each customer in the next ``t`` time units: P(alive)
        times the expectation if alive, which depends on (frequency, T) alone and is
        computed once per distinct pair."""
        x, t_x, age = check_histories(frequency, recency, T)
        (pair_x, pair_age), pair = distinct_rows(x, age)
        if_alive = self.formulas.expected_purchases_if_alive(
            t, *self.parameters(), pair_x, pair_age
        )
        return if_alive[pair] * self.formulas.probability_alive(*self.parameters(), x, t_x, age)

    def expected_purchases(self, t) -> np.ndarray:
        """Expected repeat purchases of a new customer in ``t`` time units."""
        return self.formulas.expected_purchases(t, *self.parameters())

    def to_dict(self) -> dict:
        """The fitted parameters and fit facts as plain JSON-ready values."""
        self.parameters()
        return {
            "model": self.name,
            "params": {name: float(self.params_[name]) for name in PARAMETER_NAMES},
            "penalizer": float(self.penalizer),
            "log_likelihood": self.log_likelihood_,
            "n_customers": self.n_customers_,
            "n_distinct_histories": self.n_distinct_histories_,
        }

    @classmethod
    def from_dict(cls, document: dict):
        """A fitted model from ``to_dict``'s output (no refit)."""
        if document.get("model") != cls.name:
            raise ValueError(f"not a {cls.label} parameter document")
        model = cls(penalizer=document.get("penalizer", 0.0))
        model.params_ = {name: float(document["params"][name]) for name in PARAMETER_NAMES}
        model.log_likelihood_ = document.get("log_likelihood")
        model.n_customers_ = document.get("n_customers")
        model.n_distinct_histories_ = document.get("n_distinct_histories")
        model.n_iter_ = None
        model.converged_ = True
        return model
