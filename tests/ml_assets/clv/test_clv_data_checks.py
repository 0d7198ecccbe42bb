"""Warnings about data that fits but may mislead: exact duplicate rows and a late cut-off.
Oracle: hand-made tables whose duplicates and dates are known."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ml_assets.clv.data_checks import (
    MAX_DAYS_AFTER_LAST_TRANSACTION,
    duplicate_rows_warning,
    late_cutoff_warning,
)


def test_duplicates_are_counted_with_the_first_pair_of_file_lines():
    rows = pd.DataFrame(
        {
            "order": ["1", "2", "3", "2", "2", "4"],
            "note": ["a", np.nan, "b", np.nan, np.nan, "c"],  # missing equals missing
        }
    )
    warning = duplicate_rows_warning(rows, first_line=2)
    assert warning.startswith("2 of 6 rows are exact duplicates of another row")
    assert "(first: line 5 repeats line 3)" in warning and "they are kept" in warning


def test_rows_that_differ_in_any_column_are_not_duplicates():
    rows = pd.DataFrame({"order": ["1", "2"], "customer": ["a", "a"], "amount": ["5", "5"]})
    assert duplicate_rows_warning(rows, first_line=2) is None
    assert duplicate_rows_warning(rows.iloc[:0], first_line=2) is None


def test_a_cutoff_more_than_a_year_after_the_data_names_both_dates():
    last = dt.date(2024, 6, 28)
    on_the_limit = last + dt.timedelta(days=MAX_DAYS_AFTER_LAST_TRANSACTION)
    assert late_cutoff_warning(last, on_the_limit) is None
    warning = late_cutoff_warning(last, dt.date(2026, 6, 30))
    assert warning.startswith("the cut-off 2026-06-30 is 732 days after the last transaction")
    assert "(2024-06-28)" in warning
