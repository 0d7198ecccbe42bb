"""Discounted future value (KPIS.md: ``predicted_clv_12m``, ``clv_if_retained_12m``).

As lifetimes' ``GammaGammaFitter.customer_lifetime_value``: month i (30 days) contributes the
purchases expected between day 30 (i - 1) and day 30 i, times the expected spend per
purchase, discounted by (1 + monthly rate)^i. Computed here for a customer *known to be
alive*; the unconditional value is P(alive) times that, since dead customers buy nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def discounted_purchases_if_alive(
    purchases_if_alive: Callable[[float], np.ndarray],
    *,
    months: int,
    monthly_discount_rate: float,
    days_per_month: float,
) -> np.ndarray:
    """Sum over months of the discounted purchases expected in that month, if alive.

    ``purchases_if_alive(t)`` gives each customer's expected purchases in the next ``t``
    days if alive (a purchase model's ``expected_purchases_if_alive`` on their histories).
    """
    total, previous = 0.0, 0.0
    for month in range(1, months + 1):
        cumulative = np.asarray(purchases_if_alive(month * days_per_month), dtype=float)
        total = total + (cumulative - previous) / (1 + monthly_discount_rate) ** month
        previous = cumulative
    return np.asarray(total, dtype=float)
