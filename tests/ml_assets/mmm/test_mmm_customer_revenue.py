"""The revenue model's evidence from the customers: new customers (from the new-customers
model's draws) times their first-days revenue, with both parts' uncertainty."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ml_assets.mmm.customer_revenue import (
    ATTRIBUTION_ERROR,
    KIND,
    MIN_CUSTOMERS,
    new_customer_revenue_observations,
    revenue_per_new_customer,
)
from ml_assets.mmm.summary import calibrated_channels


def _new_customers_model(draws: np.ndarray) -> SimpleNamespace:
    """A fitted new-customers model over 2026-01-01 .. 2026-04-10 (100 days), two channels."""
    return SimpleNamespace(
        channels_=["Google Ads", "Meta Ads"], draws_={"contribution": draws},
        start_date_="2026-01-01", end_date_="2026-04-10",
    )  # fmt: skip


def test_revenue_per_customer_needs_enough_customers():
    rows = pd.DataFrame(
        {
            "channel": ["Google Ads", "Meta Ads", "Email"],
            "new_customers": [200, 50, MIN_CUSTOMERS - 1],
            "first_days_revenue": [8_000_000.0, 1_000_000.0, 900_000.0],
        }
    )
    assert revenue_per_new_customer(rows) == {"Google Ads": 40_000.0, "Meta Ads": 20_000.0}


def test_an_observation_is_customers_times_revenue_over_the_training_days():
    # Draws of the channels' new customers over the model's 100 days.
    draws = np.array([[90.0, 40.0], [110.0, 60.0]])
    model = _new_customers_model(draws)
    training = pd.date_range("2026-01-01", periods=80)  # 80 of the model's 100 days
    observed = new_customer_revenue_observations(model, {"Google Ads": 40_000.0}, training)
    (google,) = observed  # Meta Ads has no revenue per customer: no observation
    assert (google["channel"], google["kind"]) == ("Google Ads", KIND)
    assert (google["start"], google["end"]) == ("2026-01-01", "2026-03-21")
    # 100 customers on average over 100 days: 80 over the 80 training days, 40 000 each.
    assert google["lift"] == pytest.approx(80 * 40_000.0)
    spread = np.std([90.0 * 0.8, 110.0 * 0.8]) * 40_000.0
    expected_error = math.hypot(spread, ATTRIBUTION_ERROR * 80 * 40_000.0)
    assert google["standard_error"] == pytest.approx(expected_error)


def test_the_evidence_does_not_mark_a_channel_as_calibrated():
    experiment = {"channel": "Meta Ads", "start": "2026-01-01", "end": "2026-01-31",
                  "lift": 10.0, "standard_error": 2.0}  # fmt: skip
    customers = {**experiment, "channel": "Google Ads", "kind": KIND}
    model = SimpleNamespace(lift_tests=[experiment, customers])
    assert calibrated_channels(model) == {"Meta Ads"}
