"""Transactions in, per-customer predictions out: the customer-value use case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ml_assets.clv.backtest import Backtest, SkippedBacktest, backtest_summary
from ml_assets.clv.data_checks import late_cutoff_warning
from ml_assets.clv.factor import distinct_rows
from ml_assets.clv.fitting import ConvergenceError
from ml_assets.clv.gamma_gamma import GammaGammaModel
from ml_assets.clv.model_choice import ModelChoice, choose_purchase_model
from ml_assets.clv.purchase_model import PurchaseModel
from ml_assets.clv.segments import SegmentCut, assign_segments
from ml_assets.clv.settings import DAYS_PER_MONTH, ClvSettings
from ml_assets.clv.summaries import (
    CustomerSummaries,
    HoldoutSummary,
    customer_counts,
    customer_weights,
    summarize_holdout,
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

#: Bumped whenever a change alters the predictions for the same input (2: the purchase model,
#: BG/NBD or MBG/NBD, chosen per tenant by backtest).
MODEL_VERSION = "btyd-gg-2"
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
    purchases: PurchaseModel
    gamma_gamma: GammaGammaModel | None
    spend: SpendReport
    segment_cut: SegmentCut
    settings: ClvSettings
    choice: ModelChoice
    backtest: Backtest | SkippedBacktest
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
    """Fit the purchase model (BG/NBD or MBG/NBD, chosen by a backtest on the last
    ``settings.holdout_days`` before the cut-off, ``model_choice.py``) and Gamma-Gamma on the
    transactions up to ``cutoff`` (default: the last day with a transaction) and predict, per
    customer with a purchase by then: frequency, recency, T, monetary_value, prob_alive,
    expected purchases per horizon (30 and 90 days always), expected spend per purchase,
    predicted_clv_12m, clv_if_retained_12m, value_at_risk, expected_days_to_next_purchase (if
    alive) and the churn-risk segment.

    ``transactions`` may hold several orders per customer and day; they are merged. Days
    and ``T`` are counted to the cut-off (lifetimes' convention); later rows are ignored.
    """
    settings = settings or ClvSettings()
    daily, cutoff_day = transactions_to_cutoff(
        transactions, cutoff, customer_column=customer_column, date_column=date_column,
        amount_column=amount_column,
    )  # fmt: skip
    summaries = summarize_transactions(daily, cutoff_day, settings.outlier_rule)
    holdout = summarize_holdout(daily, cutoff_day, settings.holdout_days)
    return predict_from_summaries(summaries, holdout, settings=settings, horizons=horizons)


@dataclass
class FittedModels:
    """The tenant's two fits from its summaries, before any customer is scored: the purchase
    model as chosen (``choice``) with its backtest, and the spend model."""

    purchases: PurchaseModel
    gamma_gamma: GammaGammaModel | None
    spend: SpendReport
    warnings: list[str]
    choice: ModelChoice
    backtest: Backtest | SkippedBacktest

    def customer_spend(self, frequency, monetary_value) -> np.ndarray:
        """Each customer's expected spend per purchase: Gamma-Gamma's given their repeat
        purchases and observed mean, or the flagged fallback for everyone."""
        if self.spend.is_fallback:
            return np.full(np.shape(frequency), self.spend.fallback_spend)
        # Net amounts can be negative (a refund larger than its order): such a customer's
        # observed mean counts as no spend, never as a negative one.
        own_mean = np.clip(np.asarray(monetary_value, dtype=float), 0, None)
        return self.gamma_gamma.conditional_expected_spend(frequency, own_mean)


def fit_models(
    summaries: CustomerSummaries, holdout: HoldoutSummary, settings: ClvSettings
) -> FittedModels:
    """The purchase model chosen by the backtest on ``holdout`` (``model_choice.py``), fitted
    on the histories (one row per customer, or per distinct history with its number of
    ``customers``), and Gamma-Gamma on the spend sample, with their warnings."""
    histories, cutoff_day = summaries.histories, summaries.cutoff
    if histories.empty:
        raise ValueError(f"no transaction on or before the cut-off {cutoff_day.date()}")
    late = late_cutoff_warning(histories["last_purchase_date"].max().date(), cutoff_day.date())
    warnings: list[str] = [late] if late else []
    choice = choose_purchase_model(holdout, settings)
    purchases = _fit_purchases(histories, settings, warnings, choice.model_class)
    tested = choice.backtests[choice.model]
    if isinstance(tested, Backtest) and tested.penalizer != purchases.penalizer:
        # One of the two fits needed the retry penalizer: record the model as fitted, unless
        # the shorter calibration history cannot be fitted so (it needed the retry where the
        # whole history did not): then the candidate's backtest stands, with its penalizer.
        refitted = backtest_summary(
            holdout, model=choice.model_class, penalizer=purchases.penalizer
        )
        if isinstance(refitted, Backtest):
            tested = refitted
    gamma_gamma, spend_report = _fit_spend(summaries, settings)
    warnings += _spend_warnings(spend_report, settings)
    return FittedModels(purchases, gamma_gamma, spend_report, warnings, choice, tested)


def predict_from_summaries(
    summaries: CustomerSummaries,
    holdout: HoldoutSummary,
    *,
    settings: ClvSettings | None = None,
    horizons: tuple[int, ...] = DEFAULT_HORIZONS,
) -> CustomerValue:
    """``predict_customer_value`` from the per-customer summaries and the backtest's
    (computed in memory or in the warehouse, ``summaries.py``)."""
    settings = settings or ClvSettings()
    if any(int(h) <= 0 for h in horizons):
        raise ValueError(f"horizons must be positive numbers of days, got {horizons}")
    fitted = fit_models(summaries, holdout, settings)
    histories = summaries.histories
    spend = fitted.customer_spend(histories["frequency"], histories["monetary_value"])
    predictions = score_customers(histories, fitted.purchases, spend, settings, horizons)
    numeric = predictions.select_dtypes("number")
    if not np.isfinite(numeric.to_numpy()).all():
        bad = [c for c in numeric.columns if not np.isfinite(numeric[c]).all()]
        raise non_finite_error(fitted.purchases, bad)
    segments, cut = assign_segments(predictions, settings.churn_risk)
    predictions["churn_risk_segment"] = segments
    return CustomerValue(
        predictions=predictions.reset_index(),
        cutoff=summaries.cutoff.date(),
        purchases=fitted.purchases,
        gamma_gamma=fitted.gamma_gamma,
        spend=fitted.spend,
        segment_cut=cut,
        settings=settings,
        choice=fitted.choice,
        backtest=fitted.backtest,
        warnings=fitted.warnings,
    )


def non_finite_error(purchases: PurchaseModel, columns: list[str]) -> ConvergenceError:
    fitted = purchases.params_.items()
    parameters = ", ".join(f"{name} {float(value):.4g}" for name, value in fitted)
    return ConvergenceError(
        f"the fitted {purchases.label} parameters ({parameters}) give non-finite "
        f"{', '.join(columns)}: the data do not pin the model down (no dropout, or too few "
        "repeat buyers); set a larger penalizer"
    )


#: Below this many repeat buyers a purchase model's four parameters are not pinned down: the
#: likelihood is so flat that whether the optimizer "converges" depends on floating-point
#: details of the machine, and either way the predictions would be a guess.
MIN_REPEAT_BUYERS = 10


def _fit_purchases(
    histories, settings: ClvSettings, warnings: list[str], model: type[PurchaseModel]
) -> PurchaseModel:
    """The purchase model with the configured penalizer, retried once with
    ``retry_penalizer`` (and a warning) when the likelihood has no finite maximum or the fit
    cannot score the customers it was fitted on."""
    weights = customer_weights(histories)
    customers, repeat_buyers = customer_counts(histories)
    if repeat_buyers < MIN_REPEAT_BUYERS:
        raise ConvergenceError(
            f"too little data for the {model.label} model: {customers} customer(s), "
            f"{repeat_buyers} of them bought more than once; at least "
            f"{MIN_REPEAT_BUYERS} repeat buyers are needed (a longer history, or more "
            "customers)"
        )
    columns = (histories["frequency"], histories["recency"], histories["T"])
    try:
        return _finite_fit(model(penalizer=settings.penalizer), columns, weights, settings)
    except ConvergenceError as error:
        retry = settings.retry_penalizer
        if retry is None or retry <= settings.penalizer:
            raise
        warnings.append(
            f"{model.label} did not converge with penalizer {settings.penalizer} ({error}); "
            f"refitted with penalizer {retry}"
        )
        return _finite_fit(model(penalizer=retry), columns, weights, settings)


def _finite_fit(
    model: PurchaseModel, columns: tuple, weights, settings: ClvSettings
) -> PurchaseModel:
    """``model`` fitted, refused as not converged when it cannot score the histories it was
    fitted on. A fit running off toward the boundary, where the closed forms overflow, is
    refused by the fit itself (``PARAMETER_CEILING``); this guards whatever slips under it,
    and gets the retry penalizer like a failure to converge."""
    fitted = model.fit(*columns, sample_weight=weights)
    scores = score_histories(*(np.asarray(c, dtype=float) for c in columns), fitted, settings)
    bad = [name for name, values in scores.items() if not np.isfinite(values).all()]
    if bad:
        raise non_finite_error(fitted, bad)
    return fitted


def _fit_spend(summaries: CustomerSummaries, settings: ClvSettings):
    """Gamma-Gamma fitted on the spend sample, and the report of how the expected spend per
    purchase is obtained: the flagged fallback (the tenant's mean transaction value) when
    Gamma-Gamma cannot be used: too few repeat buyers, no convergence, or q <= 1 (an
    infinite population mean spend)."""
    sample = summaries.spend
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
    if report.fallback_reason is not None:
        report.fallback_spend = float(max(summaries.mean_transaction_value, 0.0))
    return gamma_gamma, report


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


def horizon_days(horizons: tuple[int, ...]) -> list[int]:
    """The horizons scored, in days: 30 and 90 always, and those asked for."""
    return sorted({*DEFAULT_HORIZONS, *(int(h) for h in horizons)})


def score_histories(
    frequency: np.ndarray,
    recency: np.ndarray,
    age: np.ndarray,
    purchases: PurchaseModel,
    settings: ClvSettings,
    horizons: tuple[int, ...] = DEFAULT_HORIZONS,
) -> dict[str, np.ndarray]:
    """What the purchase model says of each (frequency, recency, T) history: ``prob_alive``,
    the expected purchases per horizon (``horizon_column``), the discounted purchases of the
    next 12 months if alive (``purchases_if_alive_12m``, times the spend per purchase = CLV if
    retained) and the expected days to the next purchase if alive. A function of the history
    alone, so customers who share one share its scores."""
    formulas, params = purchases.formulas, purchases.parameters()
    x, t_x, age = (np.asarray(c, dtype=float) for c in (frequency, recency, age))
    # The expensive part (Gaussian hypergeometric functions, 14 per history) depends on the
    # frequency and T only, which far fewer distinct pairs share than whole histories.
    (pair_x, pair_age), pair = distinct_rows(x, age)

    def if_alive(days: float) -> np.ndarray:
        return formulas.expected_purchases_if_alive(days, *params, pair_x, pair_age)

    prob_alive = formulas.probability_alive(*params, x, t_x, age)
    scores = {"prob_alive": prob_alive}
    for days in horizon_days(horizons):
        scores[horizon_column(days)] = if_alive(days)[pair] * prob_alive
    scores["purchases_if_alive_12m"] = discounted_purchases_if_alive(
        if_alive,
        months=CLV_MONTHS,
        monthly_discount_rate=settings.monthly_discount_rate,
        days_per_month=DAYS_PER_MONTH,
    )[pair]
    r, alpha = params[:2]  # the purchase rate's Gamma, shared by every model's formulas
    scores["expected_days_to_next_purchase"] = formulas.time_to_next_purchase_if_alive(
        r, alpha, x, age
    )
    return scores


def score_customers(
    histories: pd.DataFrame,
    purchases: PurchaseModel,
    spend: np.ndarray,
    settings: ClvSettings,
    horizons: tuple[int, ...] = DEFAULT_HORIZONS,
) -> pd.DataFrame:
    """Every prediction of ``predict_customer_value`` but the segment, for customers with
    ``frequency``, ``recency``, ``T`` and ``monetary_value`` and their expected spend per
    purchase."""
    scores = score_histories(
        *(histories[c].to_numpy(float) for c in ("frequency", "recency", "T")),
        purchases, settings, horizons,
    )  # fmt: skip
    prob_alive = scores["prob_alive"]
    clv_if_retained = scores["purchases_if_alive_12m"] * spend
    predictions = histories[["frequency", "recency", "T", "monetary_value"]].copy()
    predictions["prob_alive"] = prob_alive
    for days in horizon_days(horizons):
        predictions[horizon_column(days)] = scores[horizon_column(days)]
    predictions["expected_spend_per_purchase"] = spend
    predictions["predicted_clv_12m"] = prob_alive * clv_if_retained
    predictions["clv_if_retained_12m"] = clv_if_retained
    predictions["value_at_risk"] = (1 - prob_alive) * clv_if_retained
    predictions["expected_days_to_next_purchase"] = scores["expected_days_to_next_purchase"]
    return predictions
