"""Warnings about transactions that can be fitted but may not say what the user thinks:
repeated rows and a cut-off long after the last purchase; and the one cut-off refused, a day
after today. Each returns one line, or None."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

#: A cut-off more days than this after the last transaction is probably a typo (2025 for
#: 2024) or a stale export: every customer then looks long gone, and the model says so.
MAX_DAYS_AFTER_LAST_TRANSACTION = 365


def duplicate_rows_warning(rows: pd.DataFrame, *, first_line: int) -> str | None:
    """Rows equal in every column to an earlier row, counted, with the first pair's file
    lines (row i is on line ``first_line + i``). Such rows are kept: without an order id a
    second identical order on the same day is possible, and dropping it would lose money;
    the warning lets the user delete them when they are copies."""
    if rows.empty:
        return None
    repeated = rows.duplicated(keep="first").to_numpy()
    if not repeated.any():
        return None
    first_copy = int(np.flatnonzero(repeated)[0])
    # Rows before the first copy are all distinct: exactly one of them has a later twin.
    original = int(np.flatnonzero(rows.iloc[: first_copy + 1].duplicated(keep="last"))[0])
    count = int(repeated.sum())
    return (
        f"{count} of {len(rows)} rows are exact duplicates of another row (first: line "
        f"{first_line + first_copy} repeats line {first_line + original}); they are kept as "
        "orders of their own: delete them from the file if they are copies"
    )


def late_cutoff_warning(last_transaction: dt.date, cutoff: dt.date) -> str | None:
    """A line naming both dates when the cut-off is more than a year after the data."""
    gap = (cutoff - last_transaction).days
    if gap <= MAX_DAYS_AFTER_LAST_TRANSACTION:
        return None
    return (
        f"the cut-off {cutoff} is {gap} days after the last transaction ({last_transaction}): "
        "every customer has been silent that long, so the model will see them as gone; "
        "is the cut-off right?"
    )


def cutoff_after_today_error(cutoff: dt.date, today: dt.date) -> str | None:
    """A line refusing a cut-off after ``today``: every customer's age T is counted to the
    cut-off, so a day to come makes everyone look older and quieter than they are and the
    refit says they are leaving (issue 53: a cut-off a year ahead moved r from 0.33 to 0.18)."""
    if cutoff <= today:
        return None
    return (
        f"the cut-off {cutoff} is after today ({today}): customers' ages would be counted to "
        "a day that has not come; choose a cut-off up to today"
    )
