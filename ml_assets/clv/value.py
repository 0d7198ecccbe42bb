"""Discounted future value (KPIS.md: ``predicted_clv_12m``, ``clv_if_retained_12m``).

As lifetimes' ``GammaGammaFitter.customer_lifetime_value``: month i (30 days) contributes the
purchases expected between day 30 (i - 1) and day 30 i, times the expected spend per
purchase, discounted by (1 + monthly rate)^i. Computed here for a customer *known to be
alive*; the unconditional value is P(alive) times that, since dead customers buy nothing.
"""

from __future__ import annotations

import numpy as np

from ml_assets.clv import bgnbd_math


def discounted_purchases_if_alive(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: np.ndarray,
    T: np.ndarray,
    *,
    months: int,
    monthly_discount_rate: float,
    days_per_month: float,
) -> np.ndarray:
    """Sum over months of the discounted purchases expected in that month, if alive."""
    total = np.zeros(np.broadcast(x, T).shape)
    previous = np.zeros_like(total)
    for month in range(1, months + 1):
        cumulative = bgnbd_math.expected_purchases_if_alive(
            month * days_per_month, r, alpha, a, b, x, T
        )
        total += (cumulative - previous) / (1 + monthly_discount_rate) ** month
        previous = cumulative
    return total
