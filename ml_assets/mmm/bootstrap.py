"""Uncertainty by a moving-block residual bootstrap that re-runs the whole estimator.

Each replicate adds resampled residual blocks to the fitted values (Kuensch 1989, "The
jackknife and the bootstrap for general stationary observations", Ann. Statist. 17; blocks
keep the residuals' autocorrelation), perturbs lift-test results within their standard errors,
then repeats the hyperparameter search and the bounded fit. Intervals therefore carry both
coefficient and hyperparameter uncertainty, and widen by themselves when spends move together:
replicates then trade attribution between the collinear channels.

Residuals are inflated by sqrt(n / (n - df)) because in-sample residuals of a flexible fit are
smaller than the noise (Davison & Hinkley 1997, "Bootstrap Methods and their Application",
section 6.2.3).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ml_assets.mmm.search import (
    Fold,
    FoldTarget,
    LiftConstraint,
    SearchProblem,
    coordinate_search,
    fit_coefficients,
)


def block_resample(residuals: np.ndarray, block_length: int, rng: np.random.Generator):
    """A moving-block bootstrap sample of ``residuals`` with the same length."""
    n = len(residuals)
    block_length = max(1, min(block_length, n))
    blocks = -(-n // block_length)
    starts = rng.integers(0, n - block_length + 1, size=blocks)
    index = (starts[:, None] + np.arange(block_length)[None, :]).ravel()[:n]
    return residuals[index]


@dataclass(frozen=True)
class Replicates:
    """Per replicate and channel: the chosen candidate and the coefficient (scaled units)."""

    chosen: np.ndarray  # (replicates, channels) global candidate indices
    coefficients: np.ndarray  # (replicates, channels)


def bootstrap_replicates(
    problem: SearchProblem,
    full_fold: Fold,
    fitted: np.ndarray,
    residuals: np.ndarray,
    chosen: np.ndarray,
    *,
    n_replicates: int,
    block_length: int,
    degrees_of_freedom: int,
    lift_standard_errors: list[float],
    rng: np.random.Generator,
    search_rounds: int = 2,
) -> Replicates:
    """Refit the model on ``n_replicates`` block-bootstrap versions of the target."""
    n = len(residuals)
    inflation = np.sqrt(n / max(n - degrees_of_freedom, 1))
    centered = (residuals - residuals.mean()) * inflation
    all_chosen = np.empty((n_replicates, problem.n_channels), dtype=int)
    all_coefficients = np.empty((n_replicates, problem.n_channels))
    for r in range(n_replicates):
        target = fitted + block_resample(centered, block_length, rng)
        lifts = [
            LiftConstraint(lift.channel, lift.totals, lift.lift + se * rng.normal(), lift.weight)
            for lift, se in zip(problem.lifts, lift_standard_errors, strict=True)
        ]
        replicate_problem = replace(problem, lifts=lifts)
        picked, _ = coordinate_search(replicate_problem, target, chosen, max_rounds=search_rounds)
        full_target = FoldTarget.build(full_fold, problem.candidates, target)
        all_chosen[r] = picked
        all_coefficients[r] = fit_coefficients(replicate_problem, full_fold, full_target, picked)
    return Replicates(all_chosen, all_coefficients)
