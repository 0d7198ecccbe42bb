"""One tenant's customer-value run: fit, backtest and the rows of the ML output tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ml_assets.clv.backtest import Backtest, SkippedBacktest
from ml_assets.clv.predict import (
    CustomerValue,
    FittedModels,
    fit_models,
    non_finite_error,
    predict_from_summaries,
)
from ml_assets.clv.records import RunFacts, model_run_row, prediction_rows
from ml_assets.clv.settings import ClvSettings
from ml_assets.clv.sql_scoring import history_scores, non_finite_scores
from ml_assets.clv.sql_summaries import (
    Query,
    summarize_holdout_in_warehouse,
    summarize_in_warehouse,
)
from ml_assets.clv.summaries import (
    CustomerSummaries,
    HoldoutSummary,
    customer_counts,
    summarize_holdout,
    summarize_transactions,
    transactions_to_cutoff,
)


@dataclass
class TenantRun:
    """A tenant's prediction rows, its model-run row, and the objects they came from."""

    predictions: pd.DataFrame
    model_run: pd.DataFrame
    result: CustomerValue
    backtest: Backtest | SkippedBacktest


def run_tenant(
    tenant_id: str,
    transactions: pd.DataFrame,
    *,
    settings: ClvSettings,
    predicted_at: dt.datetime,
    cutoff: dt.date | None = None,
    customer_column: str,
    date_column: str,
    amount_column: str,
) -> TenantRun:
    """Predict every customer of the tenant as of ``cutoff`` (default: the last day with a
    transaction), backtest on the last ``settings.holdout_days`` before it, and shape both
    as rows of ``ml_customer_predictions`` and ``ml_clv_model_runs``."""
    daily, cutoff_day = transactions_to_cutoff(
        transactions, cutoff, customer_column=customer_column, date_column=date_column,
        amount_column=amount_column,
    )  # fmt: skip
    return run_summarized(
        tenant_id,
        summarize_transactions(daily, cutoff_day, settings.outlier_rule),
        summarize_holdout(daily, cutoff_day, settings.holdout_days),
        settings=settings,
        predicted_at=predicted_at,
    )


@dataclass
class TenantFit:
    """A tenant's models fitted from the warehouse's summaries, its distinct histories'
    scores (the rows of ``ml.ml_clv_history_scores``) and its backtest; the customers are
    scored by the warehouse (``sql_scoring.prediction_select``)."""

    tenant_id: str
    cutoff: dt.date
    fitted: FittedModels
    scores: pd.DataFrame

    @property
    def backtest(self) -> Backtest | SkippedBacktest:
        return self.fitted.backtest

    @property
    def customers(self) -> int:
        return customer_counts(self.scores)[0]

    @property
    def repeat_buyers(self) -> int:
        return customer_counts(self.scores)[1]


def fit_tenant_in_warehouse(
    query: Query,
    tenant_id: str,
    *,
    settings: ClvSettings,
    amount_column: str,
    cutoff: dt.date,
) -> TenantFit:
    """Fit and backtest on the summaries the warehouse computes from the tenant's rows of
    ``marts.mart_customer_orders_daily`` (``sql_summaries.py``): only the distinct histories
    and the repeat buyers' spend reach Python, never one row per customer and day."""
    summaries = summarize_in_warehouse(
        query, tenant_id, amount_column=amount_column, cutoff=cutoff, rule=settings.outlier_rule
    )
    holdout = summarize_holdout_in_warehouse(
        query, tenant_id, amount_column=amount_column, cutoff=cutoff,
        holdout_days=settings.holdout_days,
    )  # fmt: skip
    fitted = fit_models(summaries, holdout, settings)
    scores = history_scores(tenant_id, cutoff, summaries.histories, fitted, settings)
    bad = non_finite_scores(scores)
    if bad:
        raise non_finite_error(fitted.purchases, bad)
    return TenantFit(tenant_id, cutoff, fitted, scores)


def run_summarized(
    tenant_id: str,
    summaries: CustomerSummaries,
    holdout: HoldoutSummary,
    *,
    settings: ClvSettings,
    predicted_at: dt.datetime,
) -> TenantRun:
    """``run_tenant`` from the summaries (in memory or computed in the warehouse); the
    recorded backtest is the chosen model's, with the fit's penalizer, which a failed first
    fit may have raised."""
    result = predict_from_summaries(summaries, holdout, settings=settings)
    tested = result.backtest
    fitted = FittedModels(
        result.purchases, result.gamma_gamma, result.spend, result.warnings, result.choice,
        tested,
    )  # fmt: skip
    facts = RunFacts(
        cutoff=result.cutoff, customers=len(result.predictions),
        repeat_buyers=result.repeat_buyers, segment_cut=result.segment_cut,
    )  # fmt: skip
    return TenantRun(
        predictions=prediction_rows(tenant_id, result, predicted_at),
        model_run=model_run_row(tenant_id, fitted, facts, settings, tested, predicted_at),
        result=result,
        backtest=tested,
    )
