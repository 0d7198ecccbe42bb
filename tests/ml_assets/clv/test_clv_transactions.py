"""From orders to histories: same-day merge, cut-off, lifetimes' summary convention."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lifetimes.utils import summary_data_from_transaction_data

from ml_assets.clv.transactions import (
    OutlierRule,
    customer_histories,
    daily_transactions,
    frequency_spend_correlation,
    spend_sample,
)
from tests.ml_assets.clv.clv_cdnow import CDNOW_CUTOFF


def test_histories_equal_lifetimes_summary_of_the_cdnow_transactions(cdnow_transactions):
    daily = daily_transactions(
        cdnow_transactions,
        customer_column="customer",
        date_column="order_date",
        amount_column="amount",
    )
    ours = customer_histories(daily, CDNOW_CUTOFF)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = summary_data_from_transaction_data(
            cdnow_transactions,
            "customer",
            "order_date",
            monetary_value_col="amount",
            observation_period_end=CDNOW_CUTOFF,
            freq="D",
        )
    theirs = theirs.loc[ours.index]
    assert len(ours) == len(theirs) == 2357
    for column in ("frequency", "recency", "T", "monetary_value"):
        np.testing.assert_allclose(ours[column], theirs[column], rtol=1e-12, err_msg=column)


def test_histories_match_the_published_cdnow_summary_in_days(cdnow_transactions, cdnow):
    # The published summary is in weeks with two decimals; ids were renumbered, so compare
    # the sorted histories.
    daily = daily_transactions(
        cdnow_transactions, customer_column="customer", date_column="order_date",
        amount_column="amount",
    )  # fmt: skip
    ours = customer_histories(daily, CDNOW_CUTOFF)
    published = np.column_stack(
        [cdnow["frequency"], np.round(cdnow["recency"] * 7), np.round(cdnow["T"] * 7)]
    )
    mine = ours[["frequency", "recency", "T"]].to_numpy()
    np.testing.assert_array_equal(np.sort(mine, axis=0), np.sort(published, axis=0))


def test_same_day_orders_are_one_transaction_with_summed_amounts():
    orders = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", 7],
            "transaction_date": pd.to_datetime(
                ["2024-01-01 09:00", "2024-01-01 21:30", "2024-01-05", "2024-01-02", "2024-01-03"],
                format="ISO8601",
            ),
            "amount": [10.0, 5.0, 20.0, 8.0, 1.0],
        }
    )
    daily = daily_transactions(orders)
    assert daily.to_dict("list") == {
        "customer_id": ["a", "a", "b", "7"],
        "transaction_date": list(
            pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-02", "2024-01-03"])
        ),
        "amount": [15.0, 20.0, 8.0, 1.0],
    }


def test_cutoff_leaves_later_purchases_out_and_measures_T_to_it():
    daily = daily_transactions(
        pd.DataFrame(
            {
                "customer_id": ["a", "a", "a", "late"],
                "transaction_date": ["2024-01-01", "2024-01-11", "2024-02-01", "2024-01-20"],
                "amount": [10.0, 30.0, 99.0, 5.0],
            }
        )
    )
    histories = customer_histories(daily, "2024-01-15")
    assert list(histories.index) == ["a"]
    row = histories.loc["a"]
    assert (row["frequency"], row["recency"], row["T"], row["monetary_value"]) == (1, 10, 14, 30)


def test_missing_columns_and_values_are_named_in_the_error():
    with pytest.raises(ValueError, match=r"lack the column\(s\) \['amount'\]"):
        daily_transactions(pd.DataFrame({"customer_id": ["a"], "transaction_date": ["2024-01-01"]}))
    with pytest.raises(ValueError, match="1 transactions have no customer_id"):
        daily_transactions(
            pd.DataFrame(
                {"customer_id": [None], "transaction_date": ["2024-01-01"], "amount": [1.0]}
            )
        )


def test_outliers_are_left_out_of_the_spend_sample_and_counted():
    rng = np.random.default_rng(0)
    days = pd.date_range("2024-01-01", periods=60)
    frame = pd.DataFrame(
        {
            "customer_id": np.repeat([f"c{i}" for i in range(20)], 3),
            "transaction_date": np.tile(days[:3], 20),
            "amount": rng.uniform(90, 110, 60),
        }
    )
    frame.loc[5, "amount"] = 10_000.0  # c1's third purchase, a repeat
    daily = daily_transactions(frame)
    kept = spend_sample(daily, "2024-03-01", OutlierRule(3.0))
    assert kept.outlier_transactions == 1
    assert kept.outlier_threshold == pytest.approx(
        frame["amount"].mean() + 3 * frame["amount"].std()
    )
    assert kept.monetary_value.max() < 200 and kept.frequency.size == 20
    everything = spend_sample(daily, "2024-03-01", OutlierRule(None))
    assert everything.outlier_transactions == 0 and everything.monetary_value.max() > 1000


def test_non_positive_mean_spend_is_left_out_of_the_spend_sample_and_counted():
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b"],
            "transaction_date": ["2024-01-01", "2024-01-02", "2024-01-01", "2024-01-03"],
            "amount": [10.0, -4.0, 10.0, 12.0],  # a's repeat was refunded beyond its value
        }
    )
    sample = spend_sample(daily_transactions(frame), "2024-01-31", OutlierRule(None))
    assert sample.non_positive_customers == 1
    assert list(sample.monetary_value) == [12.0]


def test_independence_correlation_is_pearson_of_frequency_and_spend():
    frame = pd.DataFrame(
        {
            "customer_id": ["a"] * 3 + ["b"] * 4 + ["c"] * 2 + ["d"] * 5,
            "transaction_date": [
                f"2024-01-0{d}" for d in (1, 2, 3, 1, 2, 3, 4, 1, 2, 1, 2, 3, 4, 5)
            ],
            "amount": [1, 5, 7, 1, 2, 2, 2, 1, 9, 1, 3, 3, 3, 3.0],
        }
    )
    sample = spend_sample(daily_transactions(frame), "2024-01-31", OutlierRule(None))
    expected = np.corrcoef([2, 3, 1, 4], [6, 2, 9, 3])[0, 1]
    assert frequency_spend_correlation(sample) == pytest.approx(expected)
