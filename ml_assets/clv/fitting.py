"""What the two estimators share: input checks, compression to distinct histories, and the
maximum-likelihood search in log-parameter space."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from ml_assets.clv.factor import distinct_rows

#: The search stops when the gradient of the mean negative log-likelihood (per customer,
#: log parameters) is this small; lifetimes stops at 1e-7, so its optimum is a little looser.
GRADIENT_TOLERANCE = 1e-9
#: Rounding in a mean over millions of customers keeps the gradient from reaching the
#: tolerance above (BFGS then stops on "precision loss"); a search that ends with a gradient
#: this small has converged all the same.
ACCEPTABLE_GRADIENT = 1e-6
#: How many times a search that stopped early is restarted from where it stopped.
RESTARTS = 3
#: Past this size a shape parameter (time scaled so the oldest customer's age is 1 for the
#: purchase models) is following a likelihood that keeps rising toward a model in which
#: customers do not differ: one purchase rate, one dropout chance, one mean spend. That
#: likelihood has no finite maximum, and where the search stops on it depends on rounding
#: alone. Fits on real data are a few units (CDNOW: r 0.24, alpha 0.06, a 0.79, b 2.4;
#: p 6.3, q 3.7); on such a ridge the gradient shrinks like 1/parameter and reaches
#: ACCEPTABLE_GRADIENT only past about 1e5, so a search that stops there is caught whatever
#: the rounding.
PARAMETER_CEILING = 1e4


class ConvergenceError(RuntimeError):
    """The likelihood maximization did not converge; the message says what to try."""


@dataclass(frozen=True)
class Optimum:
    log_params: np.ndarray
    mean_negative_log_likelihood: float
    iterations: int
    gradient_norm: float


def as_float_array(values, name: str) -> np.ndarray:
    """A 1-D float array with finite values, or a ValueError naming the argument."""
    array = np.asarray(values, dtype=float).reshape(-1)
    if array.size == 0:
        raise ValueError(f"{name} is empty: there is nothing to fit")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} has missing or infinite values")
    return array


def as_weights(sample_weight, n: int) -> np.ndarray:
    """Customer counts per row (1 each by default); non-negative and not all zero."""
    if sample_weight is None:
        return np.ones(n)
    weights = as_float_array(sample_weight, "sample_weight")
    if weights.size != n:
        raise ValueError(f"sample_weight has {weights.size} values for {n} customers")
    if (weights < 0).any() or weights.sum() <= 0:
        raise ValueError("sample_weight must be non-negative with a positive sum")
    return weights


def compress(weights: np.ndarray, *columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of ``columns`` with the summed weights of the customers sharing each."""
    unique, inverse = distinct_rows(*columns)
    return unique, np.bincount(inverse, weights=weights, minlength=unique[0].size)


def maximize_likelihood(
    weighted_log_likelihood_gradient: Callable[[np.ndarray], tuple[float, np.ndarray]],
    total_weight: float,
    start: np.ndarray,
    penalizer: float,
    *,
    model: str,
    names: tuple[str, ...],
    ceilings: tuple[float, ...],
) -> Optimum:
    """Minimize the mean negative log-likelihood per customer plus
    ``penalizer * sum(params**2)`` (lifetimes' objective) over log parameters, with the
    analytic gradient and BFGS.

    ``weighted_log_likelihood_gradient(log_params)`` returns the log-likelihood summed over
    customers and its gradient with respect to the log parameters; ``names`` name the
    parameters in its order. A search that ends with a parameter above its ``ceilings``
    entry is refused: the likelihood has no finite maximum, it keeps rising as that
    parameter grows.
    """

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        # A line search may try absurd parameters: an infinite objective sends it back,
        # so overflow there is expected and not worth a RuntimeWarning.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            ll, gradient = weighted_log_likelihood_gradient(log_params)
            params = np.exp(log_params)
            value = -ll / total_weight + penalizer * np.sum(params**2)
            slope = -gradient / total_weight + 2 * penalizer * params**2
        if not (np.isfinite(value) and np.isfinite(slope).all()):
            return np.inf, np.zeros_like(log_params)
        return float(value), slope

    result = minimize(
        objective, start, jac=True, method="BFGS", options={"gtol": GRADIENT_TOLERANCE}
    )
    iterations = result.nit
    for _ in range(RESTARTS):
        if result.success or np.max(np.abs(result.jac)) < ACCEPTABLE_GRADIENT:
            break
        # BFGS stops on "precision loss" when its Hessian approximation has gone stale on a
        # flat likelihood; a restart from where it stopped rebuilds it.
        result = minimize(
            objective, result.x, jac=True, method="BFGS", options={"gtol": GRADIENT_TOLERANCE}
        )
        iterations += result.nit
    excess = np.exp(result.x) / np.asarray(ceilings)
    if excess.max() > 1:
        worst = int(np.argmax(excess))
        raise ConvergenceError(
            f"the {model} fit has no finite maximum: the likelihood keeps rising as "
            f"{names[worst]} grows without bound ({np.exp(result.x[worst]):.2e} when the "
            "search stopped), as when customers do not differ enough from one another. "
            "Set a penalizer such as 0.001."
        )
    gradient_norm = float(np.max(np.abs(result.jac)))
    if not (result.success or gradient_norm < ACCEPTABLE_GRADIENT) or not np.isfinite(result.fun):
        raise ConvergenceError(
            f"the {model} fit did not converge ({result.message}; largest gradient "
            f"{gradient_norm:.2e} after {iterations} iterations). Check the input (enough "
            "repeat buyers?) or set a penalizer such as 0.001."
        )
    return Optimum(result.x, float(result.fun), int(iterations), gradient_norm)
