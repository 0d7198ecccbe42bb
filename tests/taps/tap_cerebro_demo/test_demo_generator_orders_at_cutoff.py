"""Orders placed right after a late signup stay inside the history and after the signup.

Oracle: causality and the export cut-off. A customer who signs up in the last
minutes of the last day and books at once must get orders that are after the
signup and before the cut-off (``horizon``), including the cancelled, unpaid and
test orders the generator adds beside valid ones.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from tap_cerebro_demo.generator.clock import Clock
from tap_cerebro_demo.generator.customers import describe_customers
from tap_cerebro_demo.generator.orders import build_orders
from tap_cerebro_demo.generator.profiles import PROFILES

MINUTE = 1 / 1440


def test_orders_of_last_minute_signups_fall_between_signup_and_cutoff():
    profile = PROFILES["cl_services"]
    clock = Clock(dt.date(2024, 1, 1), 60, "America/Santiago")
    horizon = float(clock.days)
    rng = np.random.default_rng(0)
    n = 3000
    signup_t = horizon - rng.uniform(0.2, 3.0, n) * MINUTE
    signups = pd.DataFrame({"channel": rng.integers(0, 7, n), "day": 59, "signup_t": signup_t})
    customers = describe_customers(rng, profile, signups)
    # Each books within the seconds left before the cut-off (first_t < horizon).
    first_t = signup_t + rng.uniform(0, 1, n) * (horizon - signup_t)
    purchases = pd.DataFrame(
        {"customer": np.arange(n), "t": first_t, "value": 30_000.0, "is_first": True}
    )
    orders = build_orders(rng, profile, clock, customers, purchases)

    assert set(orders["kind"]) == {"valid", "cancelled", "unpaid", "test"}
    created, signed_up = orders["created_t"].to_numpy(), signup_t[orders["customer"]]
    assert (created > signed_up).all(), "an order before its customer's signup"
    late = orders[created >= horizon]
    assert late.empty, f"{len(late)} orders after the cut-off, kinds {set(late['kind'])}"
