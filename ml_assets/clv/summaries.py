"""What the two models read of a tenant's transactions: per-customer summaries at a cut-off.

BG/NBD needs each customer's history (frequency, recency, T), Gamma-Gamma the repeat buyers'
number and mean value of repeat transactions, and the spend fallback the mean transaction
value; the backtest the histories at the start of its holdout and the purchases made in it.
Nothing else of the transactions is used, so these summaries are the whole input of a fit.

They are computed here from transactions in memory (the CLI and the library), or in the
warehouse's SQL where the transactions live (``sql_summaries.py``, what the platform's asset
runs): the same definitions, so the two give the same predictions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml_assets.clv.transactions import (
    AMOUNT,
    CUSTOMER,
    DATE,
    OutlierRule,
    SpendSample,
    customer_histories,
    daily_transactions,
    spend_sample,
    to_timestamp,
)


@dataclass(frozen=True)
class CustomerSummaries:
    """A tenant's transactions up to ``cutoff`` as the models read them: ``histories`` (index
    customer_id, sorted; frequency, recency, T, monetary_value, first and last purchase day;
    or, computed in the warehouse, one row per distinct history with its ``customers``),
    the Gamma-Gamma ``spend`` sample, and the mean transaction value (the spend fallback)."""

    cutoff: pd.Timestamp
    histories: pd.DataFrame
    spend: SpendSample
    mean_transaction_value: float


@dataclass(frozen=True)
class HoldoutSummary:
    """The backtest's input: the histories at ``calibration_end`` (the day before the holdout)
    and, aligned with them, each customer's purchase days in the holdout."""

    calibration_end: pd.Timestamp
    holdout_days: int
    histories: pd.DataFrame
    holdout_purchases: np.ndarray


def customer_weights(histories: pd.DataFrame) -> np.ndarray:
    """How many customers each row of ``histories`` stands for: its ``customers`` column
    when the rows are distinct histories, else one each."""
    if "customers" in histories:
        return histories["customers"].to_numpy(dtype=float)
    return np.ones(len(histories))


def customer_counts(histories: pd.DataFrame) -> tuple[int, int]:
    """How many customers ``histories`` stand for, and how many of them bought again."""
    weights = customer_weights(histories)
    return int(weights.sum()), int(weights[histories["frequency"].to_numpy() > 0].sum())


def transactions_to_cutoff(
    transactions: pd.DataFrame, cutoff: dt.date | str | None, **columns: str
) -> tuple[pd.DataFrame, pd.Timestamp]:
    """The transactions merged per customer and day (``daily_transactions``, ``columns`` name
    its columns) and the cut-off: the given day, or the last day with a transaction."""
    daily = daily_transactions(transactions, **columns)
    if daily.empty:
        raise ValueError("there are no transactions to fit")
    return daily, to_timestamp(cutoff) if cutoff is not None else daily[DATE].max()


def summarize_transactions(
    daily: pd.DataFrame, cutoff: dt.date | str | pd.Timestamp, rule: OutlierRule
) -> CustomerSummaries:
    """The summaries of ``daily`` (one row per customer and day, as ``daily_transactions``
    returns) up to ``cutoff``."""
    cutoff = to_timestamp(cutoff)
    seen = daily[daily[DATE] <= cutoff]
    return CustomerSummaries(
        cutoff=cutoff,
        histories=customer_histories(daily, cutoff),
        spend=spend_sample(daily, cutoff, rule),
        mean_transaction_value=float(seen[AMOUNT].mean()) if len(seen) else float("nan"),
    )


def summarize_holdout(
    daily: pd.DataFrame, cutoff: dt.date | str | pd.Timestamp, holdout_days: int
) -> HoldoutSummary:
    """The backtest's summaries of ``daily``: histories up to ``cutoff - holdout_days`` and
    their purchase days after it, up to ``cutoff``."""
    cutoff = to_timestamp(cutoff)
    calibration_end = cutoff - pd.Timedelta(days=holdout_days)
    histories = customer_histories(daily, calibration_end)
    in_holdout = daily[(daily[DATE] > calibration_end) & (daily[DATE] <= cutoff)]
    purchases = in_holdout.groupby(CUSTOMER)[DATE].count().reindex(histories.index, fill_value=0)
    return HoldoutSummary(calibration_end, holdout_days, histories, purchases.to_numpy())
