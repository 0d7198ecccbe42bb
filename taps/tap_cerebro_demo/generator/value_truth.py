"""The true value of a new customer: what a channel's signups bring in their first 12 months.

Computed from each signup's latent traits (``purchases.simulate_purchases``), not from the
orders the platform sees, so it is an oracle for the platform's estimate (dbt's
``mart_new_customer_value``): a signup who converts places a first order at ``first_t`` and,
while alive, repeats at rate ``lambda``; every order is worth ``p / nu`` in expectation
(Gamma-Gamma). Alive time is the realized one where the simulation knows it (a buyer's
``leaves_t``) and the expected one for a signup whose first order falls after the history
(survival ``exp(-mu u)``, ``mu = lambda * dropout``), so the 12 months of the youngest
signups, which run past the history, are counted too.

Revenue is net of refunds (``fct_orders.net_amount``, in expectation ``EXPECTED_REFUND_SHARE``
of the total returned); the contribution margin (decision 0036) takes out the tax included in
prices, the cost of the order's lines, the gateway's share and fixed fee and the costs of every
order, at the costs valid on the order's day. Which costs an order carries does not depend on
who placed it, so each cost period's mean cost per valid order is measured on every valid
order the simulation built, priced with that period's cost tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .clock import Clock
from .lifecycle import EXPECTED_REFUND_SHARE
from .profiles import TenantProfile

#: Days from a signup's local day that its 12 months count (its day and the 364 after it).
VALUE_WINDOW_DAYS = 365


def _period_starts(clock: Clock, costs: dict[str, pd.DataFrame]) -> np.ndarray:
    """Local day offsets on which any cost changes (the first is the history's first day)."""
    dates = pd.concat([costs[name]["valid_from"] for name in costs if name != "tax_rates"])
    return np.array(sorted({(d - clock.start).days for d in dates}), dtype=float)


def _valid_from(frame: pd.DataFrame, clock: Clock, day: float) -> pd.DataFrame:
    """The rows of a cost table valid on local day offset ``day`` (the latest per key)."""
    offsets = frame["valid_from"].map(lambda d: (d - clock.start).days)
    return frame[offsets <= day].sort_values("valid_from")


def _costs_per_order(
    profile: TenantProfile,
    clock: Clock,
    costs: dict[str, pd.DataFrame],
    orders: pd.DataFrame,
    lines: pd.DataFrame,
    day: float,
) -> dict[str, float]:
    """Mean cost of a valid order at the costs valid on ``day``: lines (cogs), the gateway's
    fee rate and fixed fee, and the costs of every order."""
    valid = orders.loc[orders["kind"] == "valid", ["order_idx", "gateway"]]
    unit = _valid_from(costs["product_costs"], clock, day).groupby("sku")["unit_cost"].last()
    mine = lines[lines["order_idx"].isin(valid["order_idx"])]
    skus = [
        profile.services[s].sku(v)
        for s, v in zip(mine["service"], mine["variant_title"], strict=True)
    ]
    cogs = float((mine["quantity"].to_numpy() * unit.reindex(skus).to_numpy()).sum())
    fees = _valid_from(costs["payment_fees"], clock, day).groupby("gateway").last()
    per_order = fees.reindex(valid["gateway"])
    order_costs = _valid_from(costs["order_costs"], clock, day).groupby("cost_name").last()
    return {
        "cogs": cogs / len(valid),
        "fee_rate": float(per_order["fee_rate"].mean()),
        "fixed_fee": float(per_order["fixed_fee"].mean()),
        "order_cost": float(order_costs["amount"].sum()),
    }


def _alive_days(traits: pd.DataFrame, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Expected days each signup is alive inside [low, high) after its first order."""
    first = traits["first_t"].to_numpy()
    low, high = np.maximum(low, first), np.maximum(high, np.maximum(low, first))
    leaves = traits["leaves_t"].to_numpy()
    known = ~np.isnan(leaves)
    realized = np.clip(np.minimum(high, np.where(known, leaves, 0.0)) - low, 0.0, None)
    mu = (traits["rate"] * traits["dropout"]).to_numpy()
    expected = (np.exp(-mu * (low - first)) - np.exp(-mu * (high - first))) / mu
    return np.where(known, realized, expected)


def new_customer_value(
    profile: TenantProfile,
    clock: Clock,
    customers: pd.DataFrame,
    traits: pd.DataFrame,
    orders: pd.DataFrame,
    lines: pd.DataFrame,
    costs: dict[str, pd.DataFrame],
) -> dict[str, dict]:
    """Per channel group, the expected orders, revenue and contribution margin of its signups'
    first ``VALUE_WINDOW_DAYS`` days, per signup (None for a channel without signups)."""
    starts = _period_starts(clock, costs)
    ends = np.append(starts[1:], np.inf)
    signup_day = np.floor(customers["signup_t"].to_numpy())
    window_end = signup_day + VALUE_WINDOW_DAYS
    first = traits["first_t"].to_numpy()
    buys = traits["converts"].to_numpy() & (first < window_end)
    shape = np.array([c.p for c in profile.channels])[customers["channel"].to_numpy()]
    order_value = shape / traits["spend_rate"].to_numpy()
    net_share, tax = 1.0 - EXPECTED_REFUND_SHARE, profile.tax_rate
    orders_count = np.zeros(len(customers))
    margin = np.zeros(len(customers))
    for start, end in zip(starts, ends, strict=True):
        cost = _costs_per_order(profile, clock, costs, orders, lines, start)
        first_here = buys & (first >= start) & (first < end)
        repeats = traits["rate"].to_numpy() * _alive_days(
            traits, np.full(len(first), start), np.minimum(window_end, end)
        )
        count = np.where(buys, first_here + repeats, 0.0)
        per_order = (
            order_value * (net_share / (1 + tax) - cost["fee_rate"])
            - cost["fixed_fee"] - cost["cogs"] - cost["order_cost"]
        )  # fmt: skip
        orders_count += count
        margin += count * per_order
    revenue = orders_count * order_value * net_share
    channel = customers["channel"].to_numpy()
    digits = profile.currency_decimals
    result = {}
    for index, group in enumerate(c.group for c in profile.channels):
        mine = channel == index
        if not mine.any():
            result[group] = None
            continue
        result[group] = {
            "orders": round(float(orders_count[mine].mean()), 4),
            "revenue": round(float(revenue[mine].mean()), digits),
            "margin": round(float(margin[mine].mean()), digits),
        }
    return result
