"""From transactions to the per-customer histories the models read.

A transaction is one customer's purchases on one day: same-day orders are merged and their
amounts summed (BG/NBD counts purchase *occasions*; two orders an hour apart are one). The
time unit is the day. Histories follow lifetimes' ``summary_data_from_transaction_data``:
``frequency`` = repeat days, ``recency`` = days from the first to the last purchase, ``T`` =
days from the first purchase to the cut-off, ``monetary_value`` = mean amount of the repeat
transactions (the first is left out, as Gamma-Gamma assumes), 0 without repeats.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

CUSTOMER, DATE, AMOUNT = "customer_id", "transaction_date", "amount"


@dataclass(frozen=True)
class OutlierRule:
    """Transactions above mean + ``std_multiple`` standard deviations (sample standard
    deviation of the tenant's transactions up to the cut-off) are left out of the
    Gamma-Gamma fit; ``None`` keeps them all."""

    std_multiple: float | None = 3.0

    def threshold(self, amounts: pd.Series) -> float | None:
        if self.std_multiple is None or len(amounts) < 2:
            return None
        return float(amounts.mean() + self.std_multiple * amounts.std(ddof=1))


def daily_transactions(
    frame: pd.DataFrame,
    *,
    customer_column: str = CUSTOMER,
    date_column: str = DATE,
    amount_column: str = AMOUNT,
) -> pd.DataFrame:
    """One row per customer and day (``customer_id`` as text, ``transaction_date``,
    ``amount``), same-day rows merged with their amounts summed; a customer's rows are
    together, days ascending.

    ``date_column`` holds dates or timestamps (the day is taken as written: convert to the
    local timezone first); amounts must be numeric and present; customer ids present.
    """
    missing = [c for c in (customer_column, date_column, amount_column) if c not in frame.columns]
    if missing:
        raise ValueError(
            f"transactions lack the column(s) {missing}; they have {list(frame.columns)}"
        )
    customers = frame[customer_column]
    if customers.isna().any():
        raise ValueError(f"{int(customers.isna().sum())} transactions have no {customer_column}")
    days = pd.to_datetime(frame[date_column], format="ISO8601")
    if days.isna().any():
        raise ValueError(f"{int(days.isna().sum())} transactions have no {date_column}")
    if days.dt.tz is not None:
        days = days.dt.tz_localize(None)
    amounts = pd.to_numeric(frame[amount_column]).to_numpy(dtype=float)
    if not np.isfinite(amounts).all():
        raise ValueError(f"{amount_column} has missing or infinite values")
    if frame.empty:
        return pd.DataFrame(
            {CUSTOMER: pd.Series(dtype=str), DATE: pd.Series(dtype="datetime64[ns]"),
             AMOUNT: pd.Series(dtype=float)}
        )  # fmt: skip
    # Integer codes and one sort instead of a groupby on text ids: millions of rows in
    # about a second.
    codes, ids = pd.factorize(customers, sort=False)
    day = _day_numbers(days)
    key = codes.astype(np.int64) * (int(day.max() - day.min()) + 1) + (day - day.min())
    order = np.argsort(key, kind="stable")
    starts = np.flatnonzero(np.diff(key[order], prepend=-1) != 0)
    rows = order[starts]
    return pd.DataFrame(
        {
            CUSTOMER: pd.Index(ids).astype(str).to_numpy()[codes[rows]],
            DATE: (day[rows].astype("datetime64[D]")).astype("datetime64[ns]"),
            AMOUNT: np.add.reduceat(amounts[order], starts),
        }
    )


def _day_numbers(days) -> np.ndarray:
    """Days since 1970-01-01 of dates or timestamps (the time of day dropped)."""
    return np.asarray(days, dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def to_timestamp(day: dt.date | str | pd.Timestamp) -> pd.Timestamp:
    """A day as a midnight ``Timestamp``."""
    return pd.Timestamp(day).normalize()


@dataclass(frozen=True)
class _PerCustomer:
    """Transactions on or before a cut-off, with each row's customer code and whether the
    row is its customer's first purchase day."""

    ids: np.ndarray
    codes: np.ndarray
    day: np.ndarray
    amount: np.ndarray
    first: np.ndarray
    last: np.ndarray
    count: np.ndarray
    is_first: np.ndarray


def _per_customer(daily: pd.DataFrame, cutoff: pd.Timestamp) -> _PerCustomer:
    seen = daily[daily[DATE] <= cutoff]
    codes, ids = pd.factorize(seen[CUSTOMER], sort=True)
    day = _day_numbers(seen[DATE])
    grouped = pd.Series(day).groupby(codes, sort=True)
    first = grouped.min().to_numpy()
    return _PerCustomer(
        ids=np.asarray(ids),
        codes=codes,
        day=day,
        amount=seen[AMOUNT].to_numpy(dtype=float),
        first=first,
        last=grouped.max().to_numpy(),
        count=grouped.size().to_numpy(),
        is_first=day == first[codes],
    )


def customer_histories(daily: pd.DataFrame, cutoff: dt.date | str | pd.Timestamp) -> pd.DataFrame:
    """Per customer with a purchase on or before ``cutoff``: frequency, recency, T,
    monetary_value, first and last purchase day (index: customer_id, sorted). ``daily`` has
    one row per customer and day, as ``daily_transactions`` returns."""
    cutoff = to_timestamp(cutoff)
    rows = _per_customer(daily, cutoff)
    n = rows.ids.size
    repeats = rows.count - 1
    repeat_total = np.bincount(rows.codes, weights=rows.amount * ~rows.is_first, minlength=n)
    cutoff_day = _day_numbers([cutoff])[0]
    histories = pd.DataFrame(
        {
            "frequency": repeats.astype(int),
            "recency": (rows.last - rows.first).astype(float),
            "T": (cutoff_day - rows.first).astype(float),
            "monetary_value": np.divide(repeat_total, repeats, out=np.zeros(n), where=repeats > 0),
            "first_purchase_date": rows.first.astype("datetime64[D]").astype("datetime64[ns]"),
            "last_purchase_date": rows.last.astype("datetime64[D]").astype("datetime64[ns]"),
        },
        index=pd.Index(rows.ids, name=CUSTOMER),
    )
    return histories


@dataclass(frozen=True)
class SpendSample:
    """The repeat buyers the Gamma-Gamma model is fitted on, and what was left out."""

    frequency: np.ndarray
    monetary_value: np.ndarray
    outlier_threshold: float | None
    outlier_transactions: int
    non_positive_customers: int


def spend_sample(
    daily: pd.DataFrame, cutoff: dt.date | str | pd.Timestamp, rule: OutlierRule
) -> SpendSample:
    """Repeat buyers' (number, mean value) of repeat transactions on or before ``cutoff``,
    without outlier transactions (``rule``) and without customers whose mean is not positive
    (Gamma-Gamma models positive spend), both counted for the report."""
    rows = _per_customer(daily, to_timestamp(cutoff))
    threshold = rule.threshold(pd.Series(rows.amount))
    outlier = rows.amount > threshold if threshold is not None else np.zeros(rows.day.size, bool)
    kept = ~rows.is_first & ~outlier
    n = rows.ids.size
    count = np.bincount(rows.codes, weights=kept, minlength=n)
    total = np.bincount(rows.codes, weights=rows.amount * kept, minlength=n)
    buyers = count > 0
    mean = np.divide(total, count, out=np.zeros(n), where=buyers)
    positive = buyers & (mean > 0)
    return SpendSample(
        frequency=count[positive],
        monetary_value=mean[positive],
        outlier_threshold=threshold,
        outlier_transactions=int((outlier & ~rows.is_first).sum()),
        non_positive_customers=int((buyers & ~positive).sum()),
    )


def frequency_spend_correlation(sample: SpendSample) -> float | None:
    """Pearson correlation of frequency and mean spend among the repeat buyers: Gamma-Gamma
    assumes they are independent (Fader & Hardie 2013, section 3). ``None`` when undefined."""
    if sample.frequency.size < 3:
        return None
    if np.ptp(sample.frequency) == 0 or np.ptp(sample.monetary_value) == 0:
        return None
    return float(np.corrcoef(sample.frequency, sample.monetary_value)[0, 1])
