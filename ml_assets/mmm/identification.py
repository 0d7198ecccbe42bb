"""Is a channel's effect identified by the data? Statistics behind the flag.

On correlated spend a regression can fit the target well while splitting the credit between
channels almost arbitrarily (Chan & Perry 2017, "Challenges and Opportunities in Media Mix
Modeling", Google, section 3.1). Three symptoms are measured on the transformed spend, after
the baseline has been projected out (what the media coefficients are actually estimated from):

- ``vif``: variance inflation factor, 1 / (1 - R^2) of a channel's transformed column regressed
  on the other channels' (Belsley, Kuh & Welsch 1980); large means collinear spend;
  ``spend_vif`` is the same on raw spend relative to its mean, which does not depend on the
  hyperparameters the search happened to pick;
- ``variation_share``: share of the transformed spend's variance left once trend, seasonality,
  events and controls are accounted for; small means the channel moves with the calendar;
- ``spend_cv``: coefficient of variation of raw spend; small means too little variation.

The flag itself (which also looks at the bootstrap interval) is set in ``summary.py``.
"""

from __future__ import annotations

import numpy as np


def identification_statistics(
    channels: list[str],
    projected_gram: np.ndarray,
    projected_spend_gram: np.ndarray,
    media: np.ndarray,
    spend: np.ndarray,
) -> dict[str, dict[str, float]]:
    """Per channel: vif, spend_vif, variation_share, spend_cv, active_share (days with spend).

    ``projected_gram`` is G of the transformed spend (``linear.py``), ``projected_spend_gram``
    the same for raw spend divided by its mean.
    """
    diagonal = np.diag(projected_gram).copy()
    centered = media - media.mean(axis=1, keepdims=True)
    total = np.einsum("ij,ij->i", centered, centered)
    vif = _variance_inflation(projected_gram)
    spend_vif = _variance_inflation(projected_spend_gram)
    stats = {}
    for c, name in enumerate(channels):
        mean = spend[c].mean()
        stats[name] = {
            "vif": float(vif[c]),
            "spend_vif": float(spend_vif[c]),
            "variation_share": float(diagonal[c] / total[c]) if total[c] > 0 else 0.0,
            "spend_cv": float(spend[c].std() / mean) if mean > 0 else 0.0,
            "active_share": float(np.mean(spend[c] > 0)),
        }
    return stats


def _variance_inflation(gram: np.ndarray) -> np.ndarray:
    """Diagonal of the inverse correlation matrix of the projected columns.

    A column with no variation left is infinitely inflated; the others are measured among
    themselves. A singular correlation matrix (exact collinearity) gives inf everywhere.
    """
    diagonal = np.diag(gram)
    vif = np.full(len(diagonal), np.inf)
    alive = np.flatnonzero(diagonal > 1e-12 * max(1.0, float(diagonal.max(initial=0.0))))
    if len(alive) == 1:
        vif[alive] = 1.0
    if len(alive) <= 1:
        return vif
    scale = 1.0 / np.sqrt(diagonal[alive])
    correlation = gram[np.ix_(alive, alive)] * scale[:, None] * scale[None, :]
    if np.linalg.cond(correlation) > 1e12:
        return vif
    vif[alive] = np.maximum(np.diag(np.linalg.inv(correlation)), 1.0)
    return vif
