"""One tenant's customer-value run: fit, backtest and the rows of the two ML output tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ml_assets.clv.backtest import Backtest, SkippedBacktest, backtest
from ml_assets.clv.predict import CustomerValue, predict_customer_value
from ml_assets.clv.records import model_run_row, prediction_rows
from ml_assets.clv.settings import ClvSettings
from ml_assets.clv.transactions import daily_transactions


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
    columns = {
        "customer_column": customer_column,
        "date_column": date_column,
        "amount_column": amount_column,
    }
    result = predict_customer_value(transactions, cutoff=cutoff, settings=settings, **columns)
    tested = backtest(
        daily_transactions(transactions, **columns),
        result.cutoff,
        holdout_days=settings.holdout_days,
        penalizer=result.bgnbd.penalizer,
    )
    return TenantRun(
        predictions=prediction_rows(tenant_id, result, predicted_at),
        model_run=model_run_row(tenant_id, result, tested, predicted_at),
        result=result,
        backtest=tested,
    )
