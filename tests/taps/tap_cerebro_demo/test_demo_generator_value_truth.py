"""truth.json's value of a new customer (generator/value_truth.py) against the simulation.

Oracles: hand arithmetic on three made-up signups (a realized leaving time, a signup who never
buys, a first order after the history), and the purchase simulator itself: for customers
whose 365 days lie inside the history, the expected orders and revenue the truth gives must
agree with the purchases simulated for them, within 4 standard errors of the simulated mean.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from tap_cerebro_demo.generator.clock import Clock
from tap_cerebro_demo.generator.costs import cost_streams
from tap_cerebro_demo.generator.lifecycle import EXPECTED_REFUND_SHARE
from tap_cerebro_demo.generator.profiles import PROFILES
from tap_cerebro_demo.generator.purchases import simulate_purchases
from tap_cerebro_demo.generator.value_truth import VALUE_WINDOW_DAYS, new_customer_value

PROFILE = PROFILES["cl_services"]
CLOCK = Clock(dt.date(2024, 1, 1), 900, "America/Santiago")
#: One valid order with one line: the costs' means, which revenue and orders do not read.
ORDERS = pd.DataFrame({"order_idx": [0], "kind": ["valid"], "gateway": ["webpay_plus"]})
LINES = pd.DataFrame(
    {"order_idx": [0], "service": [0], "variant_title": ["3 horas"], "quantity": [1]}
)


def _value(customers: pd.DataFrame, traits: pd.DataFrame) -> dict[str, dict]:
    costs = cost_streams("t", PROFILE, CLOCK)
    return new_customer_value(PROFILE, CLOCK, customers, traits, ORDERS, LINES, costs)


def test_value_of_three_signups_by_hand():
    google = PROFILE.channels[0]
    customers = pd.DataFrame({"channel": [0, 0, 0], "signup_t": [10.2, 20.0, 880.5]})
    traits = pd.DataFrame(
        {
            "converts": [True, False, True],
            "is_buyer": [True, False, False],
            "first_t": [12.0, 21.0, 901.0],
            "rate": [0.01, 0.02, 0.01],
            "dropout": [0.5, 0.5, 0.5],
            "spend_rate": [google.p / 50_000, 1.0, google.p / 40_000],
            "leaves_t": [112.0, np.nan, np.nan],
        }
    )
    # First: its first order, then 100 alive days at 0.01 a day. Second: nothing. Third: its
    # first order, then leaving at 0.005 a day over the 355 days left of its 365 (day 880).
    mu, left = 0.01 * 0.5, 880 + VALUE_WINDOW_DAYS - 901.0
    third_orders = 1 + 0.01 * (1 - np.exp(-mu * left)) / mu
    orders = (2.0 + 0.0 + third_orders) / 3
    revenue = (2.0 * 50_000 + third_orders * 40_000) * (1 - EXPECTED_REFUND_SHARE) / 3
    truth = _value(customers, traits)["Google Ads"]
    assert truth["orders"] == round(orders, 4)
    assert truth["revenue"] == round(revenue)
    assert truth["margin"] < truth["revenue"] / (1 + PROFILE.tax_rate)


def test_expected_orders_and_revenue_match_the_simulated_purchases():
    rng = np.random.default_rng(5)
    n = 6_000
    channels = PROFILE.channels
    signups = pd.DataFrame(
        {"channel": np.repeat([0, 2], n // 2), "signup_t": rng.uniform(0, 500, n)}
    )
    traits, purchases = simulate_purchases(rng, signups, channels, float(CLOCK.days))
    truth = _value(signups, traits)
    days = (
        purchases["t"].to_numpy()
        - np.floor(signups["signup_t"].to_numpy())[purchases["customer"].to_numpy()]
    )
    counted = purchases[days < VALUE_WINDOW_DAYS]
    for index in (0, 2):
        mine = np.flatnonzero(signups["channel"].to_numpy() == index)
        per_customer = (
            counted.groupby("customer")["value"].agg(["size", "sum"]).reindex(mine, fill_value=0)
        )
        group = channels[index].group
        for figure, simulated, scale in (
            ("orders", per_customer["size"], 1.0),
            ("revenue", per_customer["sum"], 1 - EXPECTED_REFUND_SHARE),
        ):
            mean = simulated.mean() * scale
            error = simulated.std(ddof=1) * scale / np.sqrt(len(simulated))
            assert abs(truth[group][figure] - mean) < 4 * error, (group, figure, mean, error)
