"""Budget optimizer: split a total budget across channels to maximize the expected return.

    maximize  sum_c v_c f_c(s_c)   subject to  sum_c s_c = B,  l_c <= s_c <= u_c

with f_c the channel's response curve per day (``curves.py``), v_c the value of one unit of
the target (1 for revenue; the value of one of the channel's new customers when the target is
new customers, which turns the objective into customer value) and s_c spend per day.
Hill curves with shape > 1 are S-shaped, so the problem is not concave: local searches from an
interior start can stop where an S-shaped channel sits at zero (its marginal return there is 0)
although funding it fully would pay more. The objective is separable, so the global optimum on
a grid of budget units is found exactly by dynamic programming (``grid_optimum``, the classic
resource-allocation recursion); SLSQP (Kraft 1988) then refines it and the other starts, and the
best local optimum wins. At an optimum the KKT conditions
hold: every channel strictly inside its bounds has the same marginal return lambda, channels
at their lower bound have a marginal return <= lambda, at their upper bound >= lambda
(``kkt_conditions``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize


class InfeasibleBudgetError(ValueError):
    """No allocation satisfies the budget and the bounds; the message gives the range."""


@dataclass(frozen=True)
class Allocation:
    spend: np.ndarray  # per channel, per day
    value: float  # sum_c v_c f_c(s_c) per day
    multiplier: float  # lambda: the common marginal return of the free channels
    kkt_violation: float  # largest violation of the KKT conditions, relative to lambda
    starts: int


def project_to_budget(point: np.ndarray, total: float, lower, upper) -> np.ndarray:
    """The allocation clip(point + t, lower, upper) that sums to ``total`` (finite bounds).

    The sum is piecewise linear and non-decreasing in t, with a kink wherever a channel meets
    a bound (t = lower - point or upper - point): the kinks are sorted, and t is interpolated
    on the segment that holds ``total``. Exact, and one vectorised pass instead of a
    bisection's two hundred (the optimizer projects twice per start, thousands of times a
    night).
    """
    point = np.asarray(point, float)
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    if total <= lower.sum():
        return lower.copy()
    if total >= upper.sum():
        return upper.copy()
    kinks = np.unique(np.concatenate([lower - point, upper - point]))
    sums = np.clip(point + kinks[:, None], lower, upper).sum(axis=1)
    # sums[0] is lower.sum() and sums[-1] upper.sum(), so 0 < k < len(kinks).
    k = int(np.searchsorted(sums, total))
    t0, t1 = kinks[k - 1], kinks[k]
    shift = t0 + (total - sums[k - 1]) * (t1 - t0) / (sums[k] - sums[k - 1])
    return np.clip(point + shift, lower, upper)


def kkt_conditions(
    marginals: np.ndarray, spend: np.ndarray, lower, upper, *, tolerance: float = 1e-6
) -> tuple[float, float]:
    """lambda and the largest relative violation of the KKT conditions at ``spend``.

    ``tolerance`` (relative to the budget scale) decides which channels sit on a bound.
    """
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    scale = max(float(np.abs(spend).sum()), 1e-12)
    at_lower = spend <= lower + tolerance * scale
    at_upper = spend >= upper - tolerance * scale
    free = ~at_lower & ~at_upper
    if free.any():
        multiplier = float(np.mean(marginals[free]))
    else:  # every channel on a bound: any lambda between the two groups works
        candidates = [
            marginals[at_lower].max(initial=-np.inf),
            marginals[at_upper].min(initial=np.inf),
        ]
        finite = [c for c in candidates if np.isfinite(c)]
        multiplier = float(np.mean(finite)) if finite else 0.0
    violations = np.concatenate(
        [
            np.abs(marginals[free] - multiplier),
            np.maximum(marginals[at_lower & ~at_upper] - multiplier, 0.0),
            np.maximum(multiplier - marginals[at_upper & ~at_lower], 0.0),
        ]
    )
    reference = max(abs(multiplier), 1e-12)
    return multiplier, float(violations.max(initial=0.0) / reference)


#: Budget units of the dynamic-programming grid: the global optimum is found to 1/GRID_UNITS of
#: the movable budget, then refined continuously.
GRID_UNITS = 200


def _values_on_grid(response, spends: np.ndarray) -> np.ndarray:
    """``response.value`` at every spend (one call when the response takes arrays)."""
    values = np.asarray(response.value(spends), dtype=float)
    if values.shape == spends.shape:
        return values
    return np.array([float(np.asarray(response.value(s))[0]) for s in spends])


def grid_optimum(responses, weights, total: float, lower, upper, units: int = GRID_UNITS):
    """The best split of ``total`` when each channel gets its lower bound plus a whole number
    of units of (total - sum of lower bounds) / ``units``: exact over that grid, whatever the
    curves' shapes, by dynamic programming over channels (O(channels x units^2))."""
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    free = total - lower.sum()
    if free <= 0:
        return lower.copy()
    unit = free / units
    steps = np.arange(units + 1)
    # best[b]: the best value of the channels seen so far with b units among them.
    best = np.zeros(units + 1)
    choices = []
    for w, response, low, high in zip(weights, responses, lower, upper, strict=True):
        allowed = steps <= np.floor((high - low) / unit + 1e-9)
        gains = np.where(allowed, w * _values_on_grid(response, low + steps * unit), -np.inf)
        # candidate[b, k]: b units in all, k of them to this channel.
        rest = steps[:, None] - steps[None, :]
        candidate = np.where(rest >= 0, best[np.clip(rest, 0, units)] + gains[None, :], -np.inf)
        choices.append(candidate.argmax(axis=1))
        best = candidate.max(axis=1)
    if not np.isfinite(best[units]):
        return None  # the upper bounds cannot hold the budget on this grid
    spend, left = np.empty(len(lower)), units
    for c in range(len(lower) - 1, -1, -1):
        k = choices[c][left]
        spend[c], left = lower[c] + k * unit, left - k
    return spend


def maximize_response(
    responses: list,
    total: float,
    lower,
    upper,
    *,
    values=None,
    starts: list[np.ndarray] | None = None,
    n_random_starts: int = 6,
    equal_split_start: bool = True,
    grid_start: bool = True,
    seed: int = 0,
) -> Allocation:
    """Best allocation of ``total`` per day over ``responses`` (objects with ``value`` and
    ``marginal`` per day), from the given starts, the grid's global optimum
    (``grid_optimum``), the equal split and random ones (Dirichlet shares)."""
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    m = len(responses)
    weights = np.ones(m) if values is None else np.asarray(values, dtype=float)
    if lower.sum() > total * (1 + 1e-12) or upper.sum() < total * (1 - 1e-12):
        raise InfeasibleBudgetError(
            f"a budget of {total:,.2f} per day is outside what the bounds allow "
            f"({lower.sum():,.2f} to {upper.sum():,.2f} per day)"
        )
    if total <= 0:
        spend = np.zeros(m)
        return Allocation(spend, 0.0, 0.0, 0.0, 0)
    scale = total

    def objective(share):
        spend = share * scale
        value = sum(w * r.value(s)[0] for w, r, s in zip(weights, responses, spend, strict=True))
        grad = np.array(
            [w * r.marginal(s)[0] for w, r, s in zip(weights, responses, spend, strict=True)]
        )
        return -value / scale, -grad

    rng = np.random.default_rng(seed)
    points = [np.asarray(s, float) for s in (starts or [])]
    if grid_start:
        grid = grid_optimum(responses, weights, total, lower, upper)
        if grid is not None:
            points.append(grid)
    if equal_split_start:
        points.append(np.full(m, total / m))
    points += [rng.dirichlet(np.ones(m)) * total for _ in range(n_random_starts)]
    best = None
    for point in points:
        x0 = project_to_budget(point, total, lower, upper) / scale
        result = minimize(
            objective,
            x0,
            jac=True,
            method="SLSQP",
            bounds=list(zip(lower / scale, upper / scale, strict=True)),
            constraints=[
                {"type": "eq", "fun": lambda x: x.sum() - 1.0, "jac": lambda x: np.ones(m)}
            ],
            options={"ftol": 1e-12, "maxiter": 500},
        )
        # SLSQP may end a hair off the constraints: put the answer back on them exactly,
        # and a channel within a hair of a bound on the bound.
        spend = project_to_budget(result.x * scale, total, lower, upper)
        hair = 1e-9 * total
        spend = np.where(spend - lower < hair, lower, np.where(upper - spend < hair, upper, spend))
        value = -objective(spend / scale)[0] * scale
        if best is None or value > best[1] + 1e-12 * max(abs(value), 1.0):
            best = (spend, value)
    spend, value = best
    marginals = np.array(
        [w * r.marginal(s)[0] for w, r, s in zip(weights, responses, spend, strict=True)]
    )
    multiplier, violation = kkt_conditions(marginals, spend, lower, upper)
    return Allocation(spend, float(value), multiplier, violation, len(points))
