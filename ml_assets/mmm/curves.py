"""Response curves: mean incremental target per period as a function of mean spend per period.

A curve answers "if this channel spends s per period, following its usual day-to-day pattern,
what does it add per period?". The usual pattern is the channel's adstocked spend over the
fitted window divided by its mean spend (the *spend profile*). Because adstock is linear,
spending s instead of the historical mean m scales every adstocked value by s / m, so

    f(s) = beta * mean_t Hill(s * profile_t; K, S),     f'(s) = beta * mean_t profile_t Hill'(...)

and f(m) / m is exactly the reported historical ROI: the curve and the ROI cannot disagree
(Jin et al. 2017, section 4, compute ROAS and mROAS the same way, by scaling spend).
Profiles are sorted and, beyond ``MAX_PROFILE_POINTS`` values, averaged in equal-count bins.

A fitted model has one curve per posterior draw (``CurveDraws``); the curve it reports and
optimizes is their mean, the posterior expected response (Jin et al. 2017, section 4: the
optimal allocation maximizes the posterior mean of the response), and intervals are the
draws' percentiles at each spend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml_assets.mmm.transforms import adstock, hill, hill_derivative

MAX_PROFILE_POINTS = 1000
SATURATION_LEVEL = 0.9
#: The most (draw, spend, point) values ``CurveDraws`` holds at once (4 M: 32 MB of floats).
BLOCK_ELEMENTS = 4_000_000


def spend_reaching(value, target: float, scale: float) -> float:
    """The spend at which the increasing curve ``value`` reaches ``target`` (bisection),
    searched from ``scale`` (a half-saturation) upwards; inf when it is not reached within a
    million times ``scale``."""
    low, high = 0.0, max(scale, 1e-9)
    while value(high)[0] < target:
        high *= 2.0
        if high > 1e6 * scale:
            return float("inf")
    for _ in range(60):
        middle = 0.5 * (low + high)
        if value(middle)[0] < target:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


@dataclass(frozen=True)
class SpendProfile:
    """Adstocked spend relative to mean spend: values and their weights (summing to 1)."""

    values: np.ndarray
    weights: np.ndarray

    @classmethod
    def from_spend(
        cls, spend: np.ndarray, kind: str, decay: float, delay: float, max_lag: int
    ) -> SpendProfile:
        spend = np.asarray(spend, dtype=float)
        mean = spend.mean()
        if mean <= 0:
            raise ValueError("a spend profile needs some spend")
        return cls.binned(adstock(spend, kind, decay, max_lag, delay) / mean)

    @classmethod
    def binned(cls, relative: np.ndarray, max_points: int = MAX_PROFILE_POINTS) -> SpendProfile:
        """Adstocked spend relative to its mean, sorted, in at most ``max_points`` bins."""
        relative = np.sort(relative)
        if len(relative) <= max_points:
            return cls(relative, np.full(len(relative), 1.0 / len(relative)))
        groups = np.array_split(relative, max_points)
        values = np.array([group.mean() for group in groups])
        weights = np.array([len(group) for group in groups], dtype=float) / len(relative)
        return cls(values, weights)

    def to_dict(self) -> dict:
        return {"values": self.values.tolist(), "weights": self.weights.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> SpendProfile:
        return cls(np.asarray(data["values"], dtype=float), np.asarray(data["weights"], float))


@dataclass(frozen=True)
class ChannelResponse:
    """One channel's curve: coefficient (target units per period at saturation), Hill, profile."""

    coefficient: float
    half_saturation: float
    shape: float
    profile: SpendProfile

    def value(self, spend: np.ndarray | float) -> np.ndarray:
        """f(s): mean incremental target per period at mean spend s per period."""
        spend = np.atleast_1d(np.asarray(spend, dtype=float))
        levels = hill(
            spend[:, None] * self.profile.values[None, :], self.half_saturation, self.shape
        )
        return self.coefficient * (levels @ self.profile.weights)

    def marginal(self, spend: np.ndarray | float) -> np.ndarray:
        """f'(s): return of the next unit of spend per period, at mean spend s."""
        spend = np.atleast_1d(np.asarray(spend, dtype=float))
        slopes = hill_derivative(
            spend[:, None] * self.profile.values[None, :], self.half_saturation, self.shape
        )
        return self.coefficient * ((slopes * self.profile.values[None, :]) @ self.profile.weights)

    def saturation_spend(self, level: float = SATURATION_LEVEL) -> float:
        """Mean spend per period where the curve reaches ``level`` of its maximum (bisection)."""
        # Days with no adstocked spend never respond, so the ceiling is below the coefficient.
        ceiling = self.coefficient * float(self.profile.weights[self.profile.values > 0].sum())
        if ceiling <= 0:
            return 0.0
        return spend_reaching(self.value, level * ceiling, self.half_saturation)


@dataclass(frozen=True)
class CurveDraws:
    """One channel's curve per posterior draw; reports their mean and percentiles.

    Arrays are parallel over draws; ``profiles`` is (draws, points), each row the sorted
    adstocked spend profile of that draw's carry-over, with equal weights per point.
    """

    coefficient: np.ndarray
    half_saturation: np.ndarray
    shape: np.ndarray
    profiles: np.ndarray

    def _averaged(self, spend: np.ndarray, per_point) -> np.ndarray:
        """mean_t per_point(s * profile_t, ...) for every draw and spend: (draws, spends).

        The (draws, spends, points) products are formed a block of spends at a time, at most
        ``BLOCK_ELEMENTS`` values each: the optimizer's grid (201 spends) against 400 draws of
        a 730-day profile is 59 M values, 470 MB at once, the budget brain's largest
        allocation. Each (draw, spend) is averaged over the same points in the same order
        whatever the block, so the blocks change at most the last bits of the Hill function's
        logarithms and exponentials (numpy's vector loops split the arrays elsewhere)."""
        levels = np.empty((len(self.coefficient), len(spend)))
        cells = max(1, self.profiles.shape[0] * self.profiles.shape[1])
        block = max(1, BLOCK_ELEMENTS // cells)
        for start in range(0, len(spend), block):
            carried = spend[None, start : start + block, None] * self.profiles[:, None, :]
            levels[:, start : start + block] = per_point(carried).mean(axis=2)
        return levels

    def draw_values(self, spend) -> np.ndarray:
        """f_d(s) for every draw d and spend s: (draws, spends)."""
        spend = np.atleast_1d(np.asarray(spend, dtype=float))
        half, shape = self.half_saturation[:, None, None], self.shape[:, None, None]
        return self.coefficient[:, None] * self._averaged(
            spend, lambda carried: hill(carried, half, shape)
        )

    def draw_marginals(self, spend) -> np.ndarray:
        """f_d'(s) for every draw d and spend s: (draws, spends)."""
        spend = np.atleast_1d(np.asarray(spend, dtype=float))
        half, shape = self.half_saturation[:, None, None], self.shape[:, None, None]
        profiles = self.profiles[:, None, :]
        return self.coefficient[:, None] * self._averaged(
            spend, lambda carried: hill_derivative(carried, half, shape) * profiles
        )

    def value(self, spend) -> np.ndarray:
        """Posterior mean response at each spend."""
        return self.draw_values(spend).mean(axis=0)

    def marginal(self, spend) -> np.ndarray:
        """Posterior mean marginal response at each spend."""
        return self.draw_marginals(spend).mean(axis=0)

    def saturation_spend(self, level: float = SATURATION_LEVEL) -> float:
        """Mean spend per period where the mean curve reaches ``level`` of its ceiling."""
        ceiling = float(np.mean(self.coefficient * (self.profiles > 0).mean(axis=1)))
        if ceiling <= 0:
            return 0.0
        return spend_reaching(self.value, level * ceiling, float(np.median(self.half_saturation)))


@dataclass(frozen=True)
class TabulatedCurve:
    """A posterior mean curve's slope on a grid of spends, interpolated linearly, and its value
    as the exact integral of that interpolation: the optimizer evaluates curves thousands of
    times (each exact evaluation averages every draw's curve over its profile), and its line
    searches need a value whose derivative is the slope it is given."""

    spend: np.ndarray
    marginals: np.ndarray
    values: np.ndarray  # the integral of the interpolated slope at each grid point

    @classmethod
    def from_draws(cls, curves: CurveDraws, upper: float, points: int = 401) -> TabulatedCurve:
        spend = np.linspace(0.0, upper, points)
        marginals = curves.marginal(spend)
        steps = np.diff(spend) * (marginals[1:] + marginals[:-1]) / 2.0
        values = float(curves.value(spend[:1])[0]) + np.concatenate([[0.0], np.cumsum(steps)])
        return cls(spend, marginals, values)

    def _locate(self, spend):
        spend = np.atleast_1d(np.asarray(spend, dtype=float))
        index = np.clip(
            np.searchsorted(self.spend, spend, side="right") - 1, 0, len(self.spend) - 2
        )
        width = self.spend[index + 1] - self.spend[index]
        slope = (self.marginals[index + 1] - self.marginals[index]) / width
        # Beyond the grid the curve goes on with its last slope (no curvature).
        slope = np.where(spend > self.spend[-1], 0.0, slope)
        return spend - self.spend[index], index, slope

    def value(self, spend) -> np.ndarray:
        offset, index, slope = self._locate(spend)
        return self.values[index] + self.marginals[index] * offset + 0.5 * slope * offset**2

    def marginal(self, spend) -> np.ndarray:
        offset, index, slope = self._locate(spend)
        return self.marginals[index] + slope * offset


#: Points of a ``HermiteCurve``, and the spend of its first after zero as a share of its last:
#: each next point 5.5 % further, so that the cubic pieces stay within about 1e-7 of the curve
#: (the demo's fits) where it bends like a power of spend.
HERMITE_POINTS = 300
HERMITE_FIRST = 1e-7


@dataclass(frozen=True)
class HermiteCurve:
    """A posterior mean curve by its exact values and slopes at zero and at spends in geometric
    progression (dense near no spend, where a curve whose draws have a Hill shape below 1 rises
    like a power of spend), joined by cubic Hermite pieces; beyond the last point it goes on
    with its last slope. A search that evaluates the curve at hundreds of spends per plan (the
    grid optimum) reads it instead of averaging every draw over its profile each time; the last
    search of a plan still runs on the exact curve."""

    spend: np.ndarray
    values: np.ndarray
    marginals: np.ndarray

    @classmethod
    def from_draws(cls, curves: CurveDraws, upper: float, points: int = HERMITE_POINTS):
        spend = upper * np.concatenate([[0.0], np.geomspace(HERMITE_FIRST, 1.0, points)])
        chunks = np.array_split(spend, max(1, len(spend) // 50))  # bounded memory per call
        values = np.concatenate([curves.value(chunk) for chunk in chunks])
        marginals = np.concatenate([curves.marginal(chunk) for chunk in chunks])
        return cls(spend, values, marginals)

    def _pieces(self, spend):
        spend = np.atleast_1d(np.asarray(spend, dtype=float))
        last = len(self.spend) - 2
        index = np.clip(np.searchsorted(self.spend, spend, side="right") - 1, 0, last)
        width = self.spend[index + 1] - self.spend[index]
        t = np.clip((spend - self.spend[index]) / width, 0.0, 1.0)
        return spend, index, width, t

    def value(self, spend) -> np.ndarray:
        spend, i, width, t = self._pieces(spend)
        t2, t3 = t * t, t * t * t
        inside = (
            (2 * t3 - 3 * t2 + 1) * self.values[i]
            + (t3 - 2 * t2 + t) * width * self.marginals[i]
            + (-2 * t3 + 3 * t2) * self.values[i + 1]
            + (t3 - t2) * width * self.marginals[i + 1]
        )
        beyond = self.values[-1] + self.marginals[-1] * (spend - self.spend[-1])
        return np.where(spend > self.spend[-1], beyond, inside)

    def marginal(self, spend) -> np.ndarray:
        spend, i, width, t = self._pieces(spend)
        t2 = t * t
        inside = (
            (6 * t2 - 6 * t) / width * self.values[i]
            + (3 * t2 - 4 * t + 1) * self.marginals[i]
            + (-6 * t2 + 6 * t) / width * self.values[i + 1]
            + (3 * t2 - 2 * t) * self.marginals[i + 1]
        )
        return np.where(spend > self.spend[-1], self.marginals[-1], inside)
