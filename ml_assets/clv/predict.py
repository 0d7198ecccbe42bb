"""Transactions in, per-customer predictions out: the customer-value use case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ml_assets.clv import bgnbd_math
from ml_assets.clv.bgnbd import BetaGeoModel
from ml_assets.clv.data_checks import late_cutoff_warning
from ml_assets.clv.factor import distinct_rows
from ml_assets.clv.fitting import ConvergenceError
from ml_assets.clv.gamma_gamma import GammaGammaModel
from ml_assets.clv.segments import SegmentCut, assign_segments
from ml_assets.clv.settings import DAYS_PER_MONTH, ClvSettings
from ml_assets.clv.summaries import (
    CustomerSummaries,
    summarize_transactions,
    transactions_to_cutoff,
)
from ml_assets.clv.transactions import (
    AMOUNT,
    CUSTOMER,
    DATE,
    frequency_spend_correlation,
)
from ml_assets.clv.value import discounted_purchases_if_alive

#: Bumped whenever a change alters the predictions for the same input.
MODEL_VERSION = "bgnbd-gg-1"
DEFAULT_HORIZONS = (30, 90)
CLV_MONTHS = 12


@dataclass
class SpendReport:
    """How the expected spend per purchase was obtained."""

    fallback_reason: str | None
    fallback_spend: float | None
    fit_customers: int
    outlier_threshold: float | None
    outlier_transactions: int
    non_positive_customers: int
    correlation: float | None

    @property
    def is_fallback(self) -> bool:
        return self.fallback_reason is not None


@dataclass
class CustomerValue:
    """The predictions (one row per customer) and everything needed to audit them."""

    predictions: pd.DataFrame
    cutoff: dt.date
    bgnbd: BetaGeoModel
    gamma_gamma: GammaGammaModel | None
    spend: SpendReport
    segment_cut: SegmentCut
    settings: ClvSettings
    warnings: list[str] = field(default_factory=list)

    @property
    def repeat_buyers(self) -> int:
        return int((self.predictions["frequency"] > 0).sum())


def horizon_column(days: int) -> str:
    return f"expected_purchases_{days}d"


def predict_customer_value(
    transactions: pd.DataFrame,
    *,
    cutoff: dt.date | str | None = None,
    settings: ClvSettings | None = None,
    horizons: tuple[int, ...] = DEFAULT_HORIZONS,
    customer_column: str = CUSTOMER,
    date_column: str = DATE,
    amount_column: str = AMOUNT,
) -> CustomerValue:
    """Fit BG/NBD and Gamma-Gamma on the transactions up to ``cutoff`` (default: the last
    day with a transaction) and predict, per customer with a purchase by then: frequency,
    recency, T, monetary_value, prob_alive, expected purchases per horizon (30 and 90 days
    always), expected spend per purchase, predicted_clv_12m, clv_if_retained_12m,
    value_at_risk, expected_days_to_next_purchase (if alive) and the churn-risk segment.

    ``transactions`` may hold several orders per customer and day; they are merged. Days
    and ``T`` are counted to the cut-off (lifetimes' convention); later rows are ignored.
    """
    settings = settings or ClvSettings()
    daily, cutoff_day = transactions_to_cutoff(
        transactions, cutoff, customer_column=customer_column, date_column=date_column,
        amount_column=amount_column,
    )  # fmt: skip
    summaries = summarize_transactions(daily, cutoff_day, settings.outlier_rule)
    return predict_from_summaries(summaries, settings=settings, horizons=horizons)


def predict_from_summaries(
    summaries: CustomerSummaries,
    *,
    settings: ClvSettings | None = None,
    horizons: tuple[int, ...] = DEFAULT_HORIZONS,
) -> CustomerValue:
    """``predict_customer_value`` from the per-customer summaries (computed in memory or in
    the warehouse, ``summaries.py``)."""
    settings = settings or ClvSettings()
    if any(int(h) <= 0 for h in horizons):
        raise ValueError(f"horizons must be positive numbers of days, got {horizons}")
    histories, cutoff_day = summaries.histories, summaries.cutoff
    if histories.empty:
        raise ValueError(f"no transaction on or before the cut-off {cutoff_day.date()}")
    late = late_cutoff_warning(histories["last_purchase_date"].max().date(), cutoff_day.date())
    warnings: list[str] = [late] if late else []
    bgnbd = _fit_bgnbd(histories, settings, warnings)
    gamma_gamma, spend, spend_report = _expected_spend(summaries, settings)
    warnings += _spend_warnings(spend_report, settings)

    predictions = score_customers(histories, bgnbd, spend, settings, horizons)
    numeric = predictions.select_dtypes("number")
    if not np.isfinite(numeric.to_numpy()).all():
        bad = [c for c in numeric.columns if not np.isfinite(numeric[c]).all()]
        raise ConvergenceError(
            f"the fitted parameters {bgnbd.params_} give non-finite {bad}: the data do not "
            "pin the model down (no dropout, or too few repeat buyers); set a larger penalizer"
        )
    segments, cut = assign_segments(predictions, settings.churn_risk)
    predictions["churn_risk_segment"] = segments
    return CustomerValue(
        predictions=predictions.reset_index(),
        cutoff=cutoff_day.date(),
        bgnbd=bgnbd,
        gamma_gamma=gamma_gamma,
        spend=spend_report,
        segment_cut=cut,
        settings=settings,
        warnings=warnings,
    )


#: Below this many repeat buyers BG/NBD's four parameters are not pinned down: the likelihood
#: is so flat that whether the optimizer "converges" depends on floating-point details of the
#: machine, and either way the predictions would be a guess.
MIN_BGNBD_REPEAT_BUYERS = 10


def _fit_bgnbd(histories, settings: ClvSettings, warnings: list[str]) -> BetaGeoModel:
    """BG/NBD with the configured penalizer, retried once with ``retry_penalizer`` (and a
    warning) when the likelihood has no finite maximum."""
    repeat_buyers = int((histories["frequency"] > 0).sum())
    if repeat_buyers < MIN_BGNBD_REPEAT_BUYERS:
        raise ConvergenceError(
            f"too little data for the BG/NBD model: {len(histories)} customer(s), "
            f"{repeat_buyers} of them bought more than once; at least "
            f"{MIN_BGNBD_REPEAT_BUYERS} repeat buyers are needed (a longer history, or more "
            "customers)"
        )
    columns = (histories["frequency"], histories["recency"], histories["T"])
    try:
        return BetaGeoModel(penalizer=settings.penalizer).fit(*columns)
    except ConvergenceError as error:
        retry = settings.retry_penalizer
        if retry is None or retry <= settings.penalizer:
            raise
        warnings.append(
            f"BG/NBD did not converge with penalizer {settings.penalizer} ({error}); "
            f"refitted with penalizer {retry}"
        )
        return BetaGeoModel(penalizer=retry).fit(*columns)


def _expected_spend(summaries: CustomerSummaries, settings: ClvSettings):
    """Gamma-Gamma's expected spend per purchase of each customer, or the flagged fallback
    (the tenant's mean transaction value) when Gamma-Gamma cannot be used: too few repeat
    buyers, no convergence, or q <= 1 (an infinite population mean spend)."""
    sample, histories = summaries.spend, summaries.histories
    report = SpendReport(
        fallback_reason=None,
        fallback_spend=None,
        fit_customers=int(sample.frequency.size),
        outlier_threshold=sample.outlier_threshold,
        outlier_transactions=sample.outlier_transactions,
        non_positive_customers=sample.non_positive_customers,
        correlation=frequency_spend_correlation(sample),
    )
    gamma_gamma = None
    if sample.frequency.size < max(settings.min_repeat_buyers, 1):
        report.fallback_reason = (
            f"{sample.frequency.size} repeat buyers to fit, at least "
            f"{settings.min_repeat_buyers} needed"
        )
    else:
        try:
            gamma_gamma = GammaGammaModel(penalizer=settings.penalizer).fit(
                sample.frequency, sample.monetary_value
            )
        except ConvergenceError as error:
            report.fallback_reason = str(error)
    if gamma_gamma is not None and gamma_gamma.params_["q"] <= 1:
        report.fallback_reason = f"fitted q = {gamma_gamma.params_['q']:.3f} <= 1"
    if report.fallback_reason is None:
        # Net amounts can be negative (a refund larger than its order): such a customer's
        # observed mean counts as no spend, never as a negative one.
        own_mean = histories["monetary_value"].clip(lower=0).to_numpy()
        return (
            gamma_gamma,
            gamma_gamma.conditional_expected_spend(histories["frequency"], own_mean),
            report,
        )
    report.fallback_spend = float(max(summaries.mean_transaction_value, 0.0))
    return gamma_gamma, np.full(len(histories), report.fallback_spend), report


def _spend_warnings(report: SpendReport, settings: ClvSettings) -> list[str]:
    warnings = []
    if report.is_fallback:
        warnings.append(
            f"Gamma-Gamma not used ({report.fallback_reason}): every customer gets the mean "
            f"transaction value {report.fallback_spend:.2f} as expected spend per purchase"
        )
    if report.outlier_transactions:
        warnings.append(
            f"{report.outlier_transactions} repeat transactions above "
            f"{report.outlier_threshold:.2f} (mean + {settings.outlier_std} standard "
            "deviations) left out of the Gamma-Gamma fit"
        )
    if report.non_positive_customers:
        warnings.append(
            f"{report.non_positive_customers} repeat buyers with a mean net spend <= 0 left "
            "out of the Gamma-Gamma fit"
        )
    if (
        report.correlation is not None
        and abs(report.correlation) > settings.max_spend_frequency_correlation
    ):
        warnings.append(
            f"frequency and spend are correlated (Pearson {report.correlation:.2f}, limit "
            f"{settings.max_spend_frequency_correlation}): Gamma-Gamma assumes independence"
        )
    return warnings


def score_customers(
    histories: pd.DataFrame,
    bgnbd: BetaGeoModel,
    spend: np.ndarray,
    settings: ClvSettings,
    horizons: tuple[int, ...] = DEFAULT_HORIZONS,
) -> pd.DataFrame:
    """Every prediction of ``predict_customer_value`` but the segment, for customers with
    ``frequency``, ``recency``, ``T`` and ``monetary_value`` and their expected spend per
    purchase."""
    r, alpha, a, b = (bgnbd.params_[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, age = (histories[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    # The expensive part (Gaussian hypergeometric functions, 14 per history) depends on the
    # frequency and T only, which far fewer distinct pairs share than whole histories.
    (pair_x, pair_age), pair = distinct_rows(x, age)
    prob_alive = bgnbd_math.probability_alive(r, alpha, a, b, x, t_x, age)
    columns = {}
    for days in sorted({*DEFAULT_HORIZONS, *(int(h) for h in horizons)}):
        if_alive = bgnbd_math.expected_purchases_if_alive(days, r, alpha, a, b, pair_x, pair_age)
        columns[horizon_column(days)] = if_alive[pair] * prob_alive
    purchases_if_alive = discounted_purchases_if_alive(
        r, alpha, a, b, pair_x, pair_age,
        months=CLV_MONTHS,
        monthly_discount_rate=settings.monthly_discount_rate,
        days_per_month=DAYS_PER_MONTH,
    )[pair]  # fmt: skip
    clv_if_retained = purchases_if_alive * spend
    predictions = histories[["frequency", "recency", "T", "monetary_value"]].copy()
    predictions["prob_alive"] = prob_alive
    for name, values in columns.items():
        predictions[name] = values
    predictions["expected_spend_per_purchase"] = spend
    predictions["predicted_clv_12m"] = prob_alive * clv_if_retained
    predictions["clv_if_retained_12m"] = clv_if_retained
    predictions["value_at_risk"] = (1 - prob_alive) * clv_if_retained
    predictions["expected_days_to_next_purchase"] = bgnbd_math.time_to_next_purchase_if_alive(
        r, alpha, x, age
    )
    return predictions
