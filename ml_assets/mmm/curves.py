"""Response curves: mean incremental target per period as a function of mean spend per period.

A curve answers "if this channel spends s per period, following its usual day-to-day pattern,
what does it add per period?". The usual pattern is the channel's adstocked spend over the
fitted window divided by its mean spend (the *spend profile*). Because adstock is linear,
spending s instead of the historical mean m scales every adstocked value by s / m, so

    f(s) = beta * mean_t Hill(s * profile_t; K, S),     f'(s) = beta * mean_t profile_t Hill'(...)

and f(m) / m is exactly the reported historical ROI: the curve and the ROI cannot disagree
(Jin et al. 2017, section 4, compute ROAS and mROAS the same way, by scaling spend).
Profiles are sorted and, beyond ``MAX_PROFILE_POINTS`` values, averaged in equal-count bins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml_assets.mmm.transforms import adstock, hill, hill_derivative

MAX_PROFILE_POINTS = 1000
SATURATION_LEVEL = 0.9


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
        relative = np.sort(adstock(spend, kind, decay, max_lag, delay) / mean)
        if len(relative) <= MAX_PROFILE_POINTS:
            return cls(relative, np.full(len(relative), 1.0 / len(relative)))
        groups = np.array_split(relative, MAX_PROFILE_POINTS)
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
        low, high = 0.0, max(self.half_saturation, 1e-9)
        while self.value(high)[0] < level * ceiling:
            high *= 2.0
            if high > 1e6 * self.half_saturation:
                return float("inf")
        for _ in range(100):
            middle = 0.5 * (low + high)
            if self.value(middle)[0] < level * ceiling:
                low = middle
            else:
                high = middle
        return 0.5 * (low + high)
