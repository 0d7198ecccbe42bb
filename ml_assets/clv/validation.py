"""Row checks for transactions read from a file (a store's order export, for example).

Every row is either kept or rejected with its reasons; nothing else is dropped. Reading the
file's cells (its dates and amounts, in whatever convention it was exported) is the caller's:
this module receives them read, with the reason wherever a cell could not be.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml_assets.clv.transactions import AMOUNT, CUSTOMER, DATE

#: The first line of a CSV file is its header, so data row i (from 0) is on line i + 2.
FIRST_DATA_LINE = 2
#: The largest amount one transaction may have, in any currency. No purchase comes near it (it
#: is more than a thousand million US dollars even in the currencies with the most units to
#: the dollar, the Iranian rial and the Vietnamese dong), so a larger amount is a typo or a
#: unit mistake (decision 0052). Kept, such a row
#: would not only be a wrong purchase: it lifts the mean + 3 SD outlier threshold of the
#: spend fit for everyone (one 10^25 made it 3.2e23, let every usual outlier in and moved
#: every customer's value 18 %). The same bound as the budget brain's per-day inputs.
MAX_AMOUNT = 1e15


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


def check_transaction_rows(
    raw: pd.DataFrame,
    *,
    customer_column: str,
    days: pd.Series,
    amounts: pd.Series,
    unread: Sequence[pd.Series] = (),
    lines: Sequence[int] | None = None,
) -> CheckedRows:
    """Split rows read from a file into valid transactions and rejected rows.

    ``raw``: the rows as read (text). ``days`` (datetime64) and ``amounts`` (float): its date
    and amount columns as the caller read them, NaT / NaN where a cell could not be read;
    ``unread``: why, per row ("" where nothing failed), one series per thing read (the row's
    shape, the date, the amount). ``lines``: each row's line in the file (default: data row i
    on line i + 2). A row is rejected for an empty customer id, anything unread, a negative
    amount or one beyond ``MAX_AMOUNT``; every reason of the row is listed.
    """
    if customer_column not in raw.columns:
        raise ValueError(f"the file has no column {customer_column!r}; its columns: "
                         f"{list(raw.columns)}")  # fmt: skip
    customers = raw[customer_column].fillna("").astype(str).str.strip().reset_index(drop=True)
    days = pd.to_datetime(pd.Series(days).reset_index(drop=True)).dt.normalize()
    amounts = pd.Series(amounts, dtype=float).reset_index(drop=True)
    stated = _joined([pd.Series(reasons, dtype=str).reset_index(drop=True) for reasons in unread],
                     len(raw))  # fmt: skip
    # A cell the caller could not read but gave no reason for is still not used.
    parts = [
        pd.Series(np.where(customers == "", "empty customer id", "")),
        stated,
        pd.Series(np.where(days.isna() & (stated == ""), "unparseable date", "")),
        pd.Series(np.where(~np.isfinite(amounts) & (stated == ""), "non-numeric amount", "")),
        pd.Series(np.where(amounts < 0, "negative amount", "")),
        pd.Series(
            np.where(
                amounts > MAX_AMOUNT, f"amount beyond {MAX_AMOUNT:.0e}, more than any purchase", ""
            )
        ),
    ]
    reasons = _joined(parts, len(raw))
    bad = (reasons != "").to_numpy()
    line_numbers = (np.arange(len(raw)) + FIRST_DATA_LINE) if lines is None else np.asarray(lines)
    rejected = raw[bad].copy()
    rejected.insert(0, "reason", reasons[bad].to_numpy())
    rejected.insert(0, "line", line_numbers[bad])
    valid = pd.DataFrame(
        {
            CUSTOMER: customers[~bad].to_numpy(),
            DATE: days[~bad].to_numpy(),
            AMOUNT: amounts[~bad].to_numpy(),
        }
    )
    return CheckedRows(valid=valid, rejected=rejected.reset_index(drop=True))


def _joined(parts: Sequence[pd.Series], length: int) -> pd.Series:
    """The non-empty reasons of each row, in order, joined by '; '."""
    joined = pd.Series("", index=range(length), dtype=str)
    for part in parts:
        part = part.fillna("").astype(str)
        glue = np.where((joined == "") | (part == ""), "", "; ")
        joined = joined + glue + part
    return joined
