"""The linear core: ridge baseline projected out, media effects by bounded least squares.

For fixed media hyperparameters the model y = B gamma + H beta + e is linear. The baseline
B (with ridge penalty Lambda) is eliminated through one QR factorization of the augmented
matrix [B; sqrt(Lambda)] = Q R (Golub & Van Loan, Matrix Computations, 4th ed., 5.3 and 6.1):
with Q_n the first n rows of Q, the profiled objective for beta is

    min_beta  beta' G beta - 2 b' beta + c,   G = H'H - (Q_n'H)'(Q_n'H),  b = H'y - (Q_n'H)'(Q_n'y),

a quadratic in as many variables as there are channels, and gamma = R^{-1} Q_n'(y - H beta).
Media coefficients are boxed (>= 0, or ROI bounds), so the small quadratic is solved by cyclic
coordinate descent, which is exact for box constraints and vectorizes over thousands of
candidate transforms at once (Wright 2015, "Coordinate descent algorithms", Math. Prog. 151).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_triangular
from scipy.optimize import lsq_linear


@dataclass
class RidgeBaseline:
    """The baseline design of a training window, factorized once and reused for every y and H."""

    q: np.ndarray  # Q_n: (n_train, p)
    r: np.ndarray  # R: (p, p)

    @classmethod
    def factorize(cls, design: np.ndarray, penalties: np.ndarray) -> RidgeBaseline:
        n = design.shape[0]
        augmented = np.vstack([design, np.diag(np.sqrt(penalties))])
        q, r = np.linalg.qr(augmented)
        return cls(q=q[:n], r=r)

    def project(self, values: np.ndarray) -> np.ndarray:
        """Q_n' v for v with the training rows on axis 0."""
        return self.q.T @ values

    def coefficients(self, residual: np.ndarray) -> np.ndarray:
        """Ridge baseline coefficients for the target minus the media part."""
        return solve_triangular(self.r, self.q.T @ residual)

    def predictor(self, design_out: np.ndarray) -> np.ndarray:
        """A with A @ v = B_out gamma(v): predicts other rows' baseline from training rows."""
        return design_out @ solve_triangular(self.r, self.q.T)


#: Active-set enumeration tries every assignment of each coefficient to its lower bound, its
#: upper bound (when finite) or free; beyond this many assignments coordinate descent is used.
MAX_ENUMERATED_ASSIGNMENTS = 512


def box_qp(
    gram: np.ndarray,
    linear: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    start: np.ndarray | None = None,
    *,
    max_sweeps: int = 500,
    tolerance: float = 1e-10,
) -> np.ndarray:
    """Minimize beta' G beta - 2 b' beta subject to lower <= beta <= upper, batched.

    ``gram`` is (..., m, m) positive semi-definite, ``linear``, bounds and ``start`` are
    (..., m). With few channels the exact solution comes from active-set enumeration (fast
    also on collinear spend, where coordinate descent crawls); otherwise from cyclic
    coordinate descent started at ``start``.
    """
    gram = np.asarray(gram, dtype=float)
    linear = np.asarray(linear, dtype=float)
    lower = np.broadcast_to(np.asarray(lower, dtype=float), linear.shape)
    upper = np.broadcast_to(np.asarray(upper, dtype=float), linear.shape)
    has_upper = np.any(np.isfinite(upper).reshape(-1, linear.shape[-1]), axis=0)
    if 2 ** linear.shape[-1] * 1.5 ** int(has_upper.sum()) <= MAX_ENUMERATED_ASSIGNMENTS:
        return _enumerate_active_sets(gram, linear, lower, upper, has_upper)
    return _coordinate_descent(gram, linear, lower, upper, start, max_sweeps, tolerance)


def box_qp_exact(gram: np.ndarray, linear: np.ndarray, lower, upper) -> np.ndarray:
    """One box-constrained problem solved exactly: by enumeration when small, otherwise by
    bounded-variable least squares (Stark & Parker 1995) on a square root of G."""
    gram, linear = np.asarray(gram, dtype=float), np.asarray(linear, dtype=float)
    lower = np.broadcast_to(np.asarray(lower, dtype=float), linear.shape)
    upper = np.broadcast_to(np.asarray(upper, dtype=float), linear.shape)
    has_upper = np.isfinite(upper)
    if 2 ** len(linear) * 1.5 ** int(has_upper.sum()) <= MAX_ENUMERATED_ASSIGNMENTS:
        return _enumerate_active_sets(gram, linear, lower, upper, has_upper)
    values, vectors = np.linalg.eigh(gram)
    keep = values > 1e-12 * max(float(values.max(initial=0.0)), 1e-300)
    root = np.sqrt(values[keep])[:, None] * vectors[:, keep].T
    rhs = (vectors[:, keep].T @ linear) / np.sqrt(values[keep])
    return lsq_linear(root, rhs, bounds=(lower, upper), method="bvls", tol=1e-12).x


def _enumerate_active_sets(gram, linear, lower, upper, has_upper):
    """Exact solution by enumeration of active sets.

    For every assignment of the coefficients to their lower bound, their upper bound or free,
    solve the unconstrained problem in the free ones; the optimum is the feasible solution
    with the lowest objective, because the true optimum is the unconstrained solution on its
    own free set and every other feasible candidate is a feasible point (Nocedal & Wright
    2006, "Numerical Optimization", 16.5).
    """
    m = linear.shape[-1]
    scale = np.maximum(np.abs(np.diagonal(gram, axis1=-2, axis2=-1)).max(axis=-1), 1e-300)
    jitter = 1e-12 * scale[..., None, None] * np.eye(m)
    best = lower.copy()
    best_value = quadratic_value(gram, linear, 0.0, best)
    states = [("low", "free", "high") if has_upper[j] else ("low", "free") for j in range(m)]
    for assignment in itertools.product(*states):
        free = np.array([state == "free" for state in assignment])
        if not free.any():
            candidate = np.where(np.array(assignment) == "high", upper, lower)
            feasible = np.all(np.isfinite(candidate), axis=-1)
        else:
            fixed_value = np.where(np.array(assignment) == "high", upper, lower)
            fixed = ~free
            k = int(free.sum())
            sub_gram = gram[..., free, :][..., :, free] + jitter[..., :k, :k]
            rhs = linear[..., free] - np.einsum(
                "...ij,...j->...i", gram[..., free, :][..., :, fixed], fixed_value[..., fixed]
            )
            solution = np.linalg.solve(sub_gram, rhs[..., None])[..., 0]
            candidate = fixed_value.copy()
            candidate[..., free] = solution
            feasible = np.all(
                (solution >= lower[..., free]) & (solution <= upper[..., free]), axis=-1
            ) & np.all(np.isfinite(fixed_value[..., fixed]), axis=-1)
        value = quadratic_value(gram, linear, 0.0, np.where(np.isfinite(candidate), candidate, 0))
        better = feasible & (value < best_value)
        best = np.where(better[..., None], candidate, best)
        best_value = np.where(better, value, best_value)
    return best


def _coordinate_descent(gram, linear, lower, upper, start, max_sweeps, tolerance):
    """Cyclic coordinate descent for general boxes; a coordinate whose diagonal is 0 (a channel
    with no variation left after the baseline) goes to its lower bound."""
    beta = np.clip(
        np.zeros_like(linear) if start is None else np.array(start, dtype=float), lower, upper
    )
    diagonal = np.diagonal(gram, axis1=-2, axis2=-1)
    usable = diagonal > 1e-12 * max(1.0, float(np.max(diagonal, initial=0.0)))
    safe_diagonal = np.where(usable, diagonal, 1.0)
    scale = np.maximum(np.abs(beta).max(initial=0.0), 1e-12)
    for _ in range(max_sweeps):
        largest_step = 0.0
        for j in range(linear.shape[-1]):
            # b_j - sum_{k != j} G_jk beta_k, then the 1-D minimizer clipped to the box.
            partial = linear[..., j] - np.einsum("...k,...k->...", gram[..., j, :], beta)
            partial += diagonal[..., j] * beta[..., j]
            updated = np.where(
                usable[..., j],
                np.clip(partial / safe_diagonal[..., j], lower[..., j], upper[..., j]),
                lower[..., j],
            )
            largest_step = max(largest_step, float(np.max(np.abs(updated - beta[..., j]))))
            beta[..., j] = updated
        scale = max(scale, float(np.abs(beta).max(initial=0.0)))
        if largest_step <= tolerance * scale:
            break
    return beta


def quadratic_value(
    gram: np.ndarray, linear: np.ndarray, constant: np.ndarray | float, beta: np.ndarray
) -> np.ndarray:
    """beta' G beta - 2 b' beta + c: the residual sum of squares at beta (batched)."""
    quadratic = np.einsum("...j,...jk,...k->...", beta, gram, beta)
    return quadratic - 2.0 * np.einsum("...j,...j->...", linear, beta) + constant
