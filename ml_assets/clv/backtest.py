"""Calibration / holdout backtest of BG/NBD (Fader, Hardie & Lee 2005, section 5).

The model is fitted on the transactions up to ``cutoff - holdout_days`` and predicts each
calibration customer's repeat purchases in the holdout, the last ``holdout_days`` days up
to the cut-off; the prediction is compared with what they actually bought there. Customers
whose first purchase falls in the holdout are not part of it (the model has no history for
them).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml_assets.clv.bgnbd import BetaGeoModel
from ml_assets.clv.fitting import ConvergenceError
from ml_assets.clv.summaries import (
    HoldoutSummary,
    customer_counts,
    customer_weights,
    summarize_holdout,
)

#: The paper's Figure 3 groups calibration frequencies 0..6 and "7+".
TOP_FREQUENCY_GROUP = 7
#: Below this many calibration customers, or with no repeat purchase among them, there is
#: nothing meaningful to fit: the backtest is skipped and says why.
MIN_CALIBRATION_CUSTOMERS = 20


@dataclass(frozen=True)
class Backtest:
    """Predicted vs actual repeat purchases in the holdout."""

    calibration_end: dt.date
    holdout_days: int
    customers: int
    predicted_purchases: float
    actual_purchases: int
    mean_absolute_error: float
    by_frequency: pd.DataFrame

    @property
    def relative_error(self) -> float | None:
        """|predicted - actual| / actual over all calibration customers (None if 0 actual)."""
        if self.actual_purchases == 0:
            return None
        return abs(self.predicted_purchases - self.actual_purchases) / self.actual_purchases

    def by_frequency_json(self) -> str:
        """The table by calibration frequency as JSON records, for the model-run record."""
        return json.dumps(self.by_frequency.to_dict(orient="records"))


@dataclass(frozen=True)
class SkippedBacktest:
    """Why no backtest was possible (too little history before the holdout)."""

    calibration_end: dt.date
    holdout_days: int
    reason: str


def frequency_group(frequency: pd.Series) -> pd.Series:
    """'0'..'6' and '7+': the calibration frequency groups of the paper's Figure 3."""
    capped = frequency.clip(upper=TOP_FREQUENCY_GROUP).astype(int).astype(str)
    return capped.where(frequency < TOP_FREQUENCY_GROUP, f"{TOP_FREQUENCY_GROUP}+")


def backtest(
    daily: pd.DataFrame,
    cutoff: dt.date | str | pd.Timestamp,
    *,
    holdout_days: int = 90,
    penalizer: float = 0.0,
) -> Backtest | SkippedBacktest:
    """Fit on the calibration period, predict the holdout, compare (``daily`` as returned by
    ``transactions.daily_transactions``)."""
    return backtest_summary(summarize_holdout(daily, cutoff, holdout_days), penalizer=penalizer)


def backtest_summary(
    summary: HoldoutSummary, *, penalizer: float = 0.0
) -> Backtest | SkippedBacktest:
    """The backtest from its summaries (in memory or computed in the warehouse; one row per
    customer, or per distinct history and holdout count with its number of ``customers``)."""
    histories, holdout_days = summary.histories, summary.holdout_days
    calibration_end = summary.calibration_end
    weights = customer_weights(histories)
    customers, repeat_buyers = customer_counts(histories)
    if customers < MIN_CALIBRATION_CUSTOMERS or not repeat_buyers:
        return SkippedBacktest(
            calibration_end.date(),
            holdout_days,
            f"{customers} customers before {calibration_end.date()}, "
            f"{repeat_buyers} with a repeat purchase: at least "
            f"{MIN_CALIBRATION_CUSTOMERS} customers and one repeat purchase are needed",
        )
    try:
        model = BetaGeoModel(penalizer=penalizer).fit(
            histories["frequency"], histories["recency"], histories["T"], sample_weight=weights
        )
    except ConvergenceError as error:
        return SkippedBacktest(calibration_end.date(), holdout_days, str(error))
    predicted = model.conditional_expected_purchases(
        holdout_days, histories["frequency"], histories["recency"], histories["T"]
    )
    actual = np.asarray(summary.holdout_purchases, dtype=float)
    table = pd.DataFrame(
        {
            "calibration_frequency": frequency_group(histories["frequency"]).to_numpy(),
            "customers": weights,
            "predicted": predicted * weights,
            "actual": actual * weights,
        }
    )
    by_frequency = (
        table.groupby("calibration_frequency", sort=False)[["customers", "predicted", "actual"]]
        .sum()
        .reset_index()
        .astype({"customers": int, "actual": int})
    )
    order = by_frequency["calibration_frequency"].str.rstrip("+").astype(int)
    by_frequency = by_frequency.iloc[np.argsort(order.to_numpy())].reset_index(drop=True)
    return Backtest(
        calibration_end=calibration_end.date(),
        holdout_days=holdout_days,
        customers=customers,
        predicted_purchases=float(table["predicted"].sum()),
        actual_purchases=int(table["actual"].sum()),
        mean_absolute_error=float(np.abs(predicted - actual) @ weights / weights.sum()),
        by_frequency=by_frequency,
    )
