"""Calibration / holdout backtest of a purchase model (Fader, Hardie & Lee 2005, section 5).

The model (BG/NBD by default, or MBG/NBD) is fitted on the transactions up to
``cutoff - holdout_days`` and predicts each calibration customer's repeat purchases in the
holdout, the last ``holdout_days`` days up to the cut-off; the prediction is compared with what
they actually bought there. Customers whose first purchase falls in the holdout are not part
of it (the model has no history for them).

Besides the paper's comparison of counts, two scores say how well each customer was
predicted: the mean Poisson deviance of the predicted holdout purchases (a proper scoring
rule for an expected count: lowest, on average, for the true expectations; compared customer
by customer between models, ``model_choice.py``), and the AUC of P(alive) at the calibration end for
"buys again in the holdout" (how well the churn radar's score ranks who comes back). The
calibration fit's log-likelihood is kept too: where the holdout cannot separate two models,
how well each fits the longer calibration period can (``model_choice.py``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import xlogy

from ml_assets.clv.bgnbd import BetaGeoModel
from ml_assets.clv.fitting import ConvergenceError
from ml_assets.clv.purchase_model import PurchaseModel
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
    """Predicted vs actual repeat purchases in the holdout, by the purchase model ``model``
    (its ``PurchaseModel.name``) fitted with ``penalizer``."""

    calibration_end: dt.date
    holdout_days: int
    customers: int
    predicted_purchases: float
    actual_purchases: int
    mean_absolute_error: float
    by_frequency: pd.DataFrame
    model: str
    penalizer: float
    mean_poisson_deviance: float
    #: None when nobody, or everybody, bought in the holdout (nothing to rank).
    prob_alive_auc: float | None
    #: The calibration fit's log-likelihood, total over the calibration customers (without the
    #: penalty): how likely the model finds the histories it was fitted on.
    log_likelihood: float
    #: Each row's Poisson deviance, aligned with the holdout summary's histories, for
    #: comparing two models customer by customer (``model_choice.py``).
    row_deviances: np.ndarray = field(repr=False, compare=False)

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
    """Why no backtest was possible (too little history before the holdout, or the model's
    calibration fit did not converge)."""

    calibration_end: dt.date
    holdout_days: int
    reason: str
    model: str
    #: True when the calibration fit did not converge (a penalizer may help), False when
    #: there was too little history to fit.
    not_converged: bool = False


def frequency_group(frequency: pd.Series) -> pd.Series:
    """'0'..'6' and '7+': the calibration frequency groups of the paper's Figure 3."""
    capped = frequency.clip(upper=TOP_FREQUENCY_GROUP).astype(int).astype(str)
    return capped.where(frequency < TOP_FREQUENCY_GROUP, f"{TOP_FREQUENCY_GROUP}+")


def backtest(
    daily: pd.DataFrame,
    cutoff: dt.date | str | pd.Timestamp,
    *,
    holdout_days: int = 90,
    model: type[PurchaseModel] = BetaGeoModel,
    penalizer: float = 0.0,
) -> Backtest | SkippedBacktest:
    """Fit on the calibration period, predict the holdout, compare (``daily`` as returned by
    ``transactions.daily_transactions``)."""
    return backtest_summary(
        summarize_holdout(daily, cutoff, holdout_days), model=model, penalizer=penalizer
    )


def backtest_summary(
    summary: HoldoutSummary,
    *,
    model: type[PurchaseModel] = BetaGeoModel,
    penalizer: float = 0.0,
) -> Backtest | SkippedBacktest:
    """The backtest of ``model`` from its summaries (in memory or computed in the warehouse;
    one row per customer, or per distinct history and holdout count with its number of
    ``customers``)."""
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
            model.name,
        )
    columns = (histories["frequency"], histories["recency"], histories["T"])
    try:
        fitted = model(penalizer=penalizer).fit(*columns, sample_weight=weights)
    except ConvergenceError as error:
        return SkippedBacktest(
            calibration_end.date(), holdout_days, str(error), model.name, not_converged=True
        )
    predicted = fitted.conditional_expected_purchases(holdout_days, *columns)
    actual = np.asarray(summary.holdout_purchases, dtype=float)
    deviances = poisson_deviance(actual, predicted)
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
        model=model.name,
        penalizer=float(penalizer),
        mean_poisson_deviance=float(deviances @ weights / weights.sum()),
        prob_alive_auc=weighted_auc(fitted.probability_alive(*columns), actual > 0, weights),
        log_likelihood=float(fitted.log_likelihood_),
        row_deviances=deviances,
    )


def poisson_deviance(actual: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Each customer's Poisson deviance 2 (y log(y / mu) - (y - mu)) of the expected count mu
    for the observed count y (y log y = 0 at y = 0)."""
    return 2 * (xlogy(actual, actual) - xlogy(actual, predicted) - (actual - predicted))


def weighted_auc(score: np.ndarray, positive: np.ndarray, weights: np.ndarray) -> float | None:
    """The probability that a random positive row scores above a random negative one (ties
    count one half), each row counting ``weights`` times: the Mann-Whitney AUC. None when
    either class is empty."""
    score, positive = np.asarray(score, dtype=float), np.asarray(positive, dtype=bool)
    weights = np.asarray(weights, dtype=float)
    levels, level = np.unique(score, return_inverse=True)
    positives = np.bincount(level, weights=weights * positive, minlength=levels.size)
    negatives = np.bincount(level, weights=weights * ~positive, minlength=levels.size)
    total_positive, total_negative = positives.sum(), negatives.sum()
    if total_positive == 0 or total_negative == 0:
        return None
    negatives_below = np.cumsum(negatives) - negatives
    wins = positives @ (negatives_below + negatives / 2)
    return float(wins / (total_positive * total_negative))
