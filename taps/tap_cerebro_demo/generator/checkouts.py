"""Checkouts: every order comes from a completed one; many are abandoned.

Abandoned checkouts happen in the days before an order (comparing prices,
choosing a date) and after signups that never buy, so the cart abandonment
rate lands around 55-60 %, typical for services bought online.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ABANDONED_PER_ORDER = 1.1
ABANDONED_PER_NON_BUYER = 1.2


def build_checkouts(
    rng: np.random.Generator,
    customers: pd.DataFrame,
    orders: pd.DataFrame,
    horizon: float,
) -> pd.DataFrame:
    """One row per checkout: customer, created/completed times, order link, amount."""
    completed = completed_checkouts(rng, orders)

    per_order = rng.poisson(ABANDONED_PER_ORDER, len(orders))
    source = np.repeat(np.arange(len(orders)), per_order)
    before_order = pd.DataFrame(
        {
            "customer": orders["customer"].to_numpy()[source],
            "created_t": orders["created_t"].to_numpy()[source]
            - rng.uniform(0.05, 7.0, len(source)),
            "total_minor": np.round(
                orders["total_minor"].to_numpy()[source] * rng.uniform(0.7, 1.3, len(source))
            ).astype(np.int64),
        }
    )

    non_buyers = np.flatnonzero(~customers["is_buyer"].to_numpy())
    per_customer = rng.poisson(ABANDONED_PER_NON_BUYER, len(non_buyers))
    who = np.repeat(non_buyers, per_customer)
    typical = np.median(orders["total_minor"]) if len(orders) else 1
    after_signup = pd.DataFrame(
        {
            "customer": who,
            "created_t": customers["signup_t"].to_numpy()[who] + rng.exponential(10.0, len(who)),
            "total_minor": np.round(typical * rng.lognormal(0, 0.4, len(who))).astype(np.int64),
        }
    )

    abandoned = pd.concat([before_order, after_signup], ignore_index=True)
    signup_t = customers["signup_t"].to_numpy()[abandoned["customer"].to_numpy()]
    abandoned = abandoned[(abandoned["created_t"] > signup_t) & (abandoned["created_t"] < horizon)]
    checkouts = pd.concat([completed, abandoned], ignore_index=True)
    checkouts["items_count"] = rng.choice([1, 2, 3], size=len(checkouts), p=[0.75, 0.2, 0.05])
    checkouts["created_t"] = np.maximum(
        checkouts["created_t"].to_numpy(), customers["signup_t"].to_numpy()[checkouts["customer"]]
    )
    return checkouts.sort_values(["created_t", "customer"], kind="stable", ignore_index=True)


def completed_checkouts(rng: np.random.Generator, orders: pd.DataFrame) -> pd.DataFrame:
    """The checkout each order was placed from, begun 3 to 25 minutes before it."""
    return pd.DataFrame(
        {
            "customer": orders["customer"].to_numpy(),
            "created_t": orders["created_t"].to_numpy() - rng.uniform(3, 25, len(orders)) / 1440,
            "completed_t": orders["created_t"].to_numpy(),
            "order_idx": orders["order_idx"].to_numpy(),
            "total_minor": orders["total_minor"].to_numpy(),
        }
    )
