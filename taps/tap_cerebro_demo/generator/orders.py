"""Orders and their lines: valid purchases plus the orders that do not count.

Valid orders are exactly the simulated purchases, so the BG/NBD and
Gamma-Gamma truth holds for the orders the KPIs call valid. Cancelled, never
paid and test orders are added *beside* them (a customer who cancels and
re-books), never instead of them. Money is computed in integer minor units so
that orders reconcile exactly with their lines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .clock import Clock
from .profiles import TenantProfile
from .touchpoints import touchpoint_columns

EXTRA_ORDER_RATES = {"cancelled": 0.04, "unpaid": 0.02, "test": 0.003}
DISCOUNT_RATE, DISCOUNT_SHARE = 0.12, 0.10
VISIT_FEE_RATE = 0.4
MINUTE = 1 / 1440


def _extra_orders(rng: np.random.Generator, valid: pd.DataFrame, signup_t: np.ndarray):
    """Cancelled, unpaid and test orders placed shortly before a valid one."""
    frames = []
    for kind, rate in EXTRA_ORDER_RATES.items():
        picked = valid[rng.random(len(valid)) < rate]
        hours_before = rng.uniform(0.5, 6.0, len(picked))
        t = picked["t"].to_numpy() - hours_before / 24
        # After the signup, but not after the valid order it precedes (so never
        # past the cut-off).
        after_signup = signup_t[picked["customer"].to_numpy()] + MINUTE
        t = np.maximum(t, np.minimum(after_signup, picked["t"].to_numpy()))
        value = picked["value"].to_numpy() * rng.uniform(0.8, 1.2, len(picked))
        frames.append(
            pd.DataFrame(
                {
                    "customer": picked["customer"].to_numpy(),
                    "t": t,
                    "value": value,
                    "is_first": False,
                    "kind": kind,
                }
            )
        )
    return frames


def build_orders(
    rng: np.random.Generator,
    profile: TenantProfile,
    clock: Clock,
    customers: pd.DataFrame,
    purchases: pd.DataFrame,
) -> pd.DataFrame:
    """One row per order with amounts in minor units and its touchpoint and place."""
    signup_t = customers["signup_t"].to_numpy()
    valid = purchases.copy()
    # Purchases keep their day; the hour follows when people actually book, but
    # not before the signup, nor later than the purchase itself (the cut-off).
    purchase_t = valid["t"].to_numpy()
    valid["t"] = np.maximum(
        clock.at_busy_hours(rng, purchase_t),
        np.minimum(signup_t[valid["customer"].to_numpy()] + 5 * MINUTE, purchase_t),
    )
    valid["kind"] = "valid"
    orders = pd.concat([valid, *_extra_orders(rng, valid, signup_t)], ignore_index=True)
    orders = orders.sort_values(["t", "customer"], kind="stable", ignore_index=True)
    n = len(orders)
    cust = orders["customer"].to_numpy()

    # The first order carries the acquisition channel; later ones come back
    # directly, from e-mail, search or the same channel again.
    acquisition = customers["channel"].to_numpy()[cust]
    groups = [c.group for c in profile.channels]
    comeback = rng.choice(
        [groups.index("Directo"), groups.index("Email"), groups.index("SEO / Orgánico"), -1],
        size=n,
        p=[0.45, 0.2, 0.2, 0.15],
    )
    touch_channel = np.where(orders["is_first"].to_numpy() | (comeback < 0), acquisition, comeback)
    touch = touchpoint_columns(rng, profile.channels, touch_channel)

    place = np.where(
        rng.random(n) < 0.9,
        customers["place"].to_numpy()[cust],
        rng.choice(len(profile.places), size=n, p=_place_weights(profile)),
    )
    gateways = list(profile.gateways)
    gateway = np.where(
        rng.random(n) < 0.8,
        customers["gateway"].to_numpy()[cust],
        rng.choice(gateways, size=n, p=list(profile.gateways.values())),
    ).astype(object)
    gateway[orders["kind"].to_numpy() == "test"] = "bogus"  # Shopify's test gateway

    scale = 10**profile.currency_decimals
    total = np.maximum(np.round(orders["value"].to_numpy() * scale), scale).astype(np.int64)
    fee = round(profile.visit_fee * scale)
    shipping = np.where((rng.random(n) < VISIT_FEE_RATE) & (total > 3 * fee), fee, 0)
    items_net = total - shipping
    discounted = rng.random(n) < DISCOUNT_RATE
    original = np.where(discounted, np.round(items_net / (1 - DISCOUNT_SHARE)), items_net)
    original = original.astype(np.int64)
    tax = np.round(total * profile.tax_rate / (1 + profile.tax_rate)).astype(np.int64)

    return pd.DataFrame(
        {
            "order_idx": np.arange(n),
            "customer": cust,
            "kind": orders["kind"].to_numpy(),
            "is_first": orders["is_first"].to_numpy(),
            "created_t": orders["t"].to_numpy(),
            "gateway": gateway,
            "place": place,
            "total_minor": total,
            "shipping_minor": shipping,
            "original_minor": original,
            "discount_minor": original - items_net,
            "tax_minor": tax,
            "touch_channel": touch_channel,
            **{f"touch_{k}": v for k, v in touch.items()},
        }
    )


def _place_weights(profile: TenantProfile) -> np.ndarray:
    weights = np.array([p.weight for p in profile.places])
    return weights / weights.sum()


def _split_exactly(order_of_line, amounts, weights, last_line):
    """Split each order's amount over its lines, the remainder on the last line."""
    share = weights / np.bincount(order_of_line, weights)[order_of_line]
    parts = np.floor(share * amounts[order_of_line]).astype(np.int64)
    allocated = np.bincount(order_of_line, parts, minlength=len(amounts)).astype(np.int64)
    parts[last_line] += amounts - allocated
    return parts


def build_order_lines(
    rng: np.random.Generator, profile: TenantProfile, orders: pd.DataFrame
) -> pd.DataFrame:
    """Service lines whose totals and discounts add up exactly to their order's."""
    n_lines = rng.choice([1, 2, 3], size=len(orders), p=[0.75, 0.2, 0.05])
    order_of_line = np.repeat(orders["order_idx"].to_numpy(), n_lines)
    last_line = np.cumsum(n_lines) - 1
    weights = rng.gamma(2.0, size=len(order_of_line))
    original = _split_exactly(
        order_of_line, orders["original_minor"].to_numpy(), weights, last_line
    )
    discount = _split_exactly(
        order_of_line, orders["discount_minor"].to_numpy(), original + 1e-9, last_line
    )
    quantity = np.where((rng.random(len(original)) < 0.1) & (original % 2 == 0), 2, 1)
    popularity = np.array([s.popularity for s in profile.services], dtype=float)
    service = rng.choice(len(profile.services), size=len(original), p=popularity / popularity.sum())
    variant = [
        profile.services[s].variants[k % len(profile.services[s].variants)]
        for s, k in zip(service, rng.integers(0, 6, len(service)), strict=True)
    ]
    return pd.DataFrame(
        {
            "order_idx": order_of_line,
            "service": service,
            "variant_title": variant,
            "quantity": quantity,
            "unit_minor": original // quantity,
            "original_minor": original,
            "discount_minor": discount,
        }
    )
