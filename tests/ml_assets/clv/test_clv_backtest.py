"""Calibration / holdout backtest: the split, the counts, and a well-specified model passes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ml_assets.clv.backtest import Backtest, SkippedBacktest, backtest, frequency_group
from ml_assets.clv.transactions import daily_transactions as merge_same_day
from tests.ml_assets.clv.clv_simulation import daily_transactions, last_day

TRUTH = {"r": 0.9, "alpha": 30.0, "a": 0.8, "b": 10.0, "p": 6.0, "q": 4.0, "v": 20_000.0}


@pytest.fixture(scope="module")
def simulated():
    transactions = daily_transactions(31, 5_000, horizon=540.0, **TRUTH)
    return merge_same_day(transactions), last_day(540.0)


def test_holdout_counts_are_the_calibration_customers_purchases_in_the_last_days(simulated):
    daily, cutoff = simulated
    result = backtest(daily, cutoff, holdout_days=90)
    assert isinstance(result, Backtest)
    calibration_end = cutoff - pd.Timedelta(days=90)
    assert result.calibration_end == calibration_end.date()
    known = daily.loc[daily["transaction_date"] <= calibration_end, "customer_id"].unique()
    in_holdout = daily[
        (daily["transaction_date"] > calibration_end) & daily["customer_id"].isin(known)
    ]
    assert result.customers == len(known)
    assert result.actual_purchases == len(in_holdout)
    table = result.by_frequency
    assert list(table["calibration_frequency"]) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert table["customers"].sum() == result.customers
    assert table["actual"].sum() == result.actual_purchases
    assert table["predicted"].sum() == pytest.approx(result.predicted_purchases)
    assert json.loads(result.by_frequency_json())[0]["calibration_frequency"] == "0"


def test_a_well_specified_model_predicts_the_holdout_within_a_few_percent(simulated):
    # Oracle: data simulated from BG/NBD itself; 5 000 customers give ~6 000 holdout
    # purchases, so sampling noise is about 1-2 %; the day rounding adds a little.
    result = backtest(*simulated, holdout_days=90)
    assert result.relative_error < 0.08
    assert result.mean_absolute_error < 2.0


def test_too_little_history_before_the_holdout_skips_the_backtest_and_says_why():
    daily = merge_same_day(
        pd.DataFrame(
            {
                "customer_id": ["a", "a", "b"],
                "transaction_date": ["2024-03-01", "2024-03-20", "2024-03-25"],
                "amount": [1.0, 2.0, 3.0],
            }
        )
    )
    result = backtest(daily, "2024-04-01", holdout_days=90)
    assert isinstance(result, SkippedBacktest)
    assert "0 customers before 2024-01-02" in result.reason


def test_frequency_groups_cap_at_seven_plus():
    groups = frequency_group(pd.Series([0, 1, 6, 7, 12]))
    assert list(groups) == ["0", "1", "6", "7+", "7+"]


def test_relative_error_is_undefined_without_holdout_purchases():
    empty = Backtest(
        pd.Timestamp("2024-01-01").date(), 90, 10, 0.4, 0, 0.04, pd.DataFrame(), "bgnbd", 0.0,
        0.3, None, -12.0, np.zeros(10),
    )  # fmt: skip
    assert empty.relative_error is None
