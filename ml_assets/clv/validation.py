"""Row checks for transactions read from a file (a store's order export, for example).

Every row is either kept or rejected with its reasons; nothing else is dropped. Dates are
read as written: a trailing UTC offset is ignored, so that the day is the local day of the
export (converting to UTC would move late-evening orders to the next day).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml_assets.clv.transactions import AMOUNT, CUSTOMER, DATE

_UTC_OFFSET = re.compile(r"\s*(Z|[+-]\d{2}:?\d{2})$")
#: The first line of a CSV file is its header, so data row i (from 0) is on line i + 2.
FIRST_DATA_LINE = 2


@dataclass(frozen=True)
class CheckedRows:
    """``valid``: customer_id, transaction_date, amount of the good rows. ``rejected``: the
    bad rows as read, with their file ``line`` and ``reason``."""

    valid: pd.DataFrame
    rejected: pd.DataFrame

    def summary(self, examples: int = 5) -> str:
        """'N rows rejected (reason: count, ...); first: line L: reason, ...'."""
        if self.rejected.empty:
            return "no rows rejected"
        counts = self.rejected["reason"].str.split("; ").explode().value_counts()
        by_reason = ", ".join(f"{reason}: {count}" for reason, count in counts.items())
        first = "; ".join(
            f"line {row.line}: {row.reason}"
            for row in self.rejected.head(examples).itertuples(index=False)
        )
        return f"{len(self.rejected)} rows rejected ({by_reason}). First: {first}"


def parse_local_days(values: pd.Series) -> pd.Series:
    """Dates or ISO 8601 timestamps as the local day written in them (NaT when unreadable)."""
    text = values.astype(str).str.strip().str.replace(_UTC_OFFSET, "", regex=True)
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    return parsed.dt.normalize()


def check_transaction_rows(
    raw: pd.DataFrame, *, customer_column: str, date_column: str, amount_column: str
) -> CheckedRows:
    """Split rows read as text into valid transactions and rejected rows. A row is rejected
    for an empty customer id, an unreadable date, or an amount that is not a finite
    non-negative number (every reason of the row is listed)."""
    missing = [c for c in (customer_column, date_column, amount_column) if c not in raw.columns]
    if missing:
        raise ValueError(f"the file has no column(s) {missing}; its columns: {list(raw.columns)}")
    customers = raw[customer_column].fillna("").astype(str).str.strip()
    days = parse_local_days(raw[date_column].fillna(""))
    amounts = pd.to_numeric(raw[amount_column].fillna("").astype(str).str.strip(), errors="coerce")
    problems = {
        "empty customer id": customers == "",
        "unparseable date": days.isna(),
        "non-numeric amount": ~np.isfinite(amounts.astype(float)),
        "negative amount": amounts < 0,
    }
    reasons = pd.Series("", index=raw.index)
    for reason, mask in problems.items():
        reasons = reasons.where(~mask, reasons + np.where(reasons == "", "", "; ") + reason)
    bad = reasons != ""
    rejected = raw[bad].copy()
    rejected.insert(0, "reason", reasons[bad])
    rejected.insert(0, "line", np.flatnonzero(bad.to_numpy()) + FIRST_DATA_LINE)
    valid = pd.DataFrame(
        {
            CUSTOMER: customers[~bad].to_numpy(),
            DATE: days[~bad].to_numpy(),
            AMOUNT: amounts[~bad].astype(float).to_numpy(),
        }
    )
    return CheckedRows(valid=valid, rejected=rejected.reset_index(drop=True))
