"""What the simulation realized per channel: the figures a model's estimates are checked against.

The budget brain estimates, per paid channel, the new customers and the revenue
its spend brought. Its inputs are the platform's marts, so the truth here counts
exactly what they count: signups per local day (``mart_acquisition_daily``) and
valid orders by local creation day (``mart_orders_daily.valid_orders_amount``,
valid as ``fct_orders.is_valid``: not a test order, paid, not cancelled).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .profiles import TenantProfile

#: Days after the signup (its local day included) whose orders count as the
#: channel's short-term revenue: the carry-over window of the budget brain.
REVENUE_WINDOW_DAYS = 14

TRUTH_DEFINITIONS = {
    "expected_new_customers": (
        "Sum over the history's days of the channel's Poisson signup intensity; for a paid "
        "channel beta * hill(adstock(spend)), the new customers its spend brings in expectation."
    ),
    "new_customers": (
        "The channel's realized signups over the history (customers whose true acquisition "
        "channel it is), counted as marts.mart_acquisition_daily counts new_users."
    ),
    "revenue_contribution_14d": (
        f"total_amount of the valid orders (not test, paid, not cancelled: fct_orders.is_valid, "
        f"summed by mart_orders_daily.valid_orders_amount) that the channel's customers placed "
        f"on their signup's local day or the {REVENUE_WINDOW_DAYS - 1} days after, within the "
        f"history: the short-term revenue an MMM with a {REVENUE_WINDOW_DAYS}-day carry-over "
        "sees on daily revenue. Later (repeat) orders are the customer-value model's."
    ),
    "total_spend": "The channel's spend over the history, as its ad platform reports it.",
    "geo_holdout_expected_lift": (
        "For the channel a geo holdout tested (experiments.py): the new customers its spend "
        "brought in expectation over the test's days, half the country dark; what the test's "
        "readout (the top-level experiments, also experiments.csv) estimates."
    ),
    "identity": (
        "Guest checkouts (generator/guests.py): a share of the people's later orders placed "
        "as a guest under a second customer record; per guest record its true person (the "
        "account's customer_id), how it relates to the account (rut, email, phone: the same "
        "value typed differently; invalid_rut: a wrong RUT and another e-mail) and whether "
        "resolution by RUT, e-mail and phone should merge it (decision 0037)."
    ),
    "customers_gone": (
        "Ids of the customers with at least one purchase who had left by the end of the "
        "history (their leaving time, generator/purchases.py, is before the cut-off): what "
        "the churn radar should find. Every other buyer was still alive at the cut-off."
    ),
    "value_12m": (
        "Per signup of the channel (every signup whose true acquisition channel it is), what "
        "its valid orders placed on its signup's local day or the 364 days after bring, in "
        "expectation given each signup's latent traits (generator/value_truth.py): orders "
        "(first included), revenue net of refunds (fct_orders.net_amount) and contribution "
        "margin (decision 0036, at the costs valid on each order's day), whether those days "
        "lie inside the history or after it. What mart_new_customer_value estimates."
    ),
    "totals": (
        "new_customers: every signup (an account, not a guest record); valid_orders and "
        "valid_orders_amount: every valid order of the history, as mart_orders_daily sums them."
    ),
}


def _local_day(t: np.ndarray) -> np.ndarray:
    """Local day index of local day offsets, after the whole-second rounding of the export."""
    return np.floor(np.round(np.asarray(t, dtype=float) * 86_400.0) / 86_400.0)


def valid_in_marts(orders: pd.DataFrame) -> np.ndarray:
    """Orders the marts call valid: not a test, paid before the cut-off, never cancelled."""
    return (
        (orders["kind"].to_numpy() != "test")
        & ~np.isnan(orders["paid_t"].to_numpy(dtype=float))
        & np.isnan(orders["cancelled_t"].to_numpy(dtype=float))
    )


def realized_by_channel(
    profile: TenantProfile, customers: pd.DataFrame, orders: pd.DataFrame
) -> dict[str, dict]:
    """Per channel group: realized new customers and revenue_contribution_14d.

    ``orders`` are the lifecycle's orders (``customer``, ``kind``, ``created_t``,
    ``paid_t``, ``cancelled_t``, ``total_minor``).
    """
    channel_of = customers["channel"].to_numpy()
    customer = orders["customer"].to_numpy()
    days_after = _local_day(orders["created_t"]) - _local_day(
        customers["signup_t"].to_numpy()[customer]
    )
    counted = valid_in_marts(orders) & (days_after < REVENUE_WINDOW_DAYS)
    amount = orders["total_minor"].to_numpy() / 10**profile.currency_decimals
    revenue = np.bincount(
        channel_of[customer[counted]], amount[counted], minlength=len(profile.channels)
    )
    signups = np.bincount(channel_of, minlength=len(profile.channels))
    return {
        channel.group: {
            "new_customers": int(signups[idx]),
            "revenue_contribution_14d": round(float(revenue[idx]), profile.currency_decimals),
        }
        for idx, channel in enumerate(profile.channels)
    }


def gone_at_cutoff(traits: pd.DataFrame, horizon: float, shaper) -> list[str]:
    """Ids of the buyers who left before ``horizon``, as the customers stream names them."""
    gone = traits["is_buyer"].to_numpy() & (traits["leaves_t"].to_numpy() < horizon)
    return shaper.ids("customer", np.flatnonzero(gone)).tolist()


def totals(customers: pd.DataFrame, orders: pd.DataFrame, profile: TenantProfile) -> dict:
    """Tenant-wide new customers and valid orders, to put the channels' figures in proportion."""
    valid = valid_in_marts(orders)
    amount = orders["total_minor"].to_numpy()[valid].sum() / 10**profile.currency_decimals
    return {
        "new_customers": len(customers),
        "valid_orders": int(valid.sum()),
        "valid_orders_amount": round(float(amount), profile.currency_decimals),
    }
