"""The two ML output tables read by dbt as sources (``ml.ml_customer_predictions`` and
``ml.ml_clv_model_runs``): one tenant's rows, as plain DataFrames.

Column names are lowercase SQL identifiers; the models' ``T`` becomes ``customer_age``. The
purchase model's parameters keep the ``bgnbd_`` prefix whichever model of the family was
chosen (BG/NBD and MBG/NBD share r, alpha, a, b; ``purchase_model`` says which): the
customer-history models evaluate P(alive) in SQL from them (macro ``customer_prob_alive``). The
dbt source file ``dbt_project/models/staging/ml/_ml__sources.yml`` lists the same columns
(a test keeps the two in step).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml_assets.clv.backtest import Backtest, SkippedBacktest
from ml_assets.clv.persistence import TIME_UNIT
from ml_assets.clv.predict import MODEL_VERSION, CustomerValue, FittedModels
from ml_assets.clv.segments import SegmentCut
from ml_assets.clv.settings import ClvSettings

PREDICTION_COLUMNS = (
    "tenant_id", "customer_id", "cutoff_date", "model_version", "predicted_at",
    "frequency", "recency", "customer_age", "monetary_value", "prob_alive",
    "expected_purchases_30d", "expected_purchases_90d", "expected_spend_per_purchase",
    "predicted_clv_12m", "clv_if_retained_12m", "value_at_risk",
    "expected_days_to_next_purchase", "churn_risk_segment",
)  # fmt: skip


def _day(value: dt.date) -> pd.Timestamp:
    # A timestamp at midnight lands as a timestamp on both warehouses (a Python date would
    # land as text on PostgreSQL); staging casts it to a date.
    return pd.Timestamp(value)


def prediction_rows(
    tenant_id: str, result: CustomerValue, predicted_at: dt.datetime
) -> pd.DataFrame:
    """One row per customer of the tenant with the predictions, cut-off and model version."""
    frame = result.predictions.rename(columns={"T": "customer_age"})
    frame = frame.assign(
        tenant_id=tenant_id,
        customer_id=frame["customer_id"].astype(str),
        cutoff_date=_day(result.cutoff),
        model_version=MODEL_VERSION,
        predicted_at=pd.Timestamp(predicted_at),
        frequency=frame["frequency"].astype("int64"),
    )
    return frame[list(PREDICTION_COLUMNS)].reset_index(drop=True)


def _optional(value) -> float:
    return np.nan if value is None else float(value)


@dataclass(frozen=True)
class RunFacts:
    """What a model run scored: its cut-off, how many customers (of whom repeat buyers) and
    the money thresholds of the segments."""

    cutoff: dt.date
    customers: int
    repeat_buyers: int
    segment_cut: SegmentCut


def model_run_row(
    tenant_id: str,
    fitted: FittedModels,
    facts: RunFacts,
    settings: ClvSettings,
    backtest: Backtest | SkippedBacktest,
    predicted_at: dt.datetime,
) -> pd.DataFrame:
    """One row describing the tenant's fit: parameters, log-likelihoods, sizes, backtest,
    thresholds used, warnings."""
    purchases, gamma_gamma, spend = fitted.purchases, fitted.gamma_gamma, fitted.spend
    gg = gamma_gamma.params_ if gamma_gamma is not None else {}
    risk = settings.churn_risk
    ran = isinstance(backtest, Backtest)
    warnings = list(fitted.warnings)
    if not ran:
        warnings.append(f"backtest skipped: {backtest.reason}")
    row = {
        "tenant_id": tenant_id,
        "cutoff_date": _day(facts.cutoff),
        "model_version": MODEL_VERSION,
        "predicted_at": pd.Timestamp(predicted_at),
        "time_unit": TIME_UNIT,
        "purchase_model": purchases.name,
        "purchase_model_reason": fitted.choice.reason,
        **{f"bgnbd_{name}": float(purchases.params_[name]) for name in ("r", "alpha", "a", "b")},
        "bgnbd_log_likelihood": float(purchases.log_likelihood_),
        **{f"gamma_gamma_{name}": _optional(gg.get(name)) for name in ("p", "q", "v")},
        "gamma_gamma_log_likelihood": _optional(
            gamma_gamma.log_likelihood_ if gamma_gamma is not None else None
        ),
        "penalizer": float(purchases.penalizer),
        "monthly_discount_rate": float(settings.monthly_discount_rate),
        "customers": facts.customers,
        "repeat_buyers": facts.repeat_buyers,
        "distinct_histories": int(purchases.n_distinct_histories_),
        "gamma_gamma_fit_customers": spend.fit_customers,
        "is_spend_fallback": spend.is_fallback,
        "fallback_spend_per_purchase": _optional(spend.fallback_spend),
        "outlier_threshold_amount": _optional(spend.outlier_threshold),
        "outlier_transactions": spend.outlier_transactions,
        "frequency_spend_correlation": _optional(spend.correlation),
        "risk_prob_alive": float(risk.risk_prob_alive),
        "loyal_prob_alive": float(risk.loyal_prob_alive),
        "vip_clv_threshold_amount": facts.segment_cut.vip_clv_if_retained,
        "whale_clv_threshold_amount": facts.segment_cut.whale_predicted_clv,
        "backtest_calibration_end_date": _day(backtest.calibration_end),
        "backtest_holdout_days": int(backtest.holdout_days),
        "backtest_customers": backtest.customers if ran else 0,
        "backtest_predicted_purchases": backtest.predicted_purchases if ran else np.nan,
        "backtest_actual_purchases": backtest.actual_purchases if ran else 0,
        "backtest_relative_error": _optional(backtest.relative_error if ran else None),
        "backtest_mean_absolute_error": backtest.mean_absolute_error if ran else np.nan,
        "backtest_by_frequency": backtest.by_frequency_json() if ran else "[]",
        "backtest_mean_poisson_deviance": backtest.mean_poisson_deviance if ran else np.nan,
        "backtest_prob_alive_auc": _optional(backtest.prob_alive_auc if ran else None),
        "backtest_candidates": fitted.choice.backtests_json(),
        "max_backtest_error": float(settings.max_backtest_error),
        "warnings": "; ".join(warnings),
    }
    return pd.DataFrame([row])


RUN_KEY = ["tenant_id", "cutoff_date", "model_version"]


def merge_model_runs(existing: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """Earlier model runs plus ``new``: a run of the same tenant, cut-off and model version
    is replaced, so re-running never duplicates a row. Earlier rows are only kept when they
    have the same columns (a table written by an older layout is superseded)."""
    if existing is None or existing.empty or set(existing.columns) != set(new.columns):
        return new.reset_index(drop=True)
    # Rows read back from the warehouse come with the warehouse's types (NULLs as None,
    # timestamps as datetimes): give them the new rows' types before comparing keys.
    earlier = existing[list(new.columns)].astype(new.dtypes.to_dict())
    marked = earlier.merge(new[RUN_KEY].drop_duplicates(), on=RUN_KEY, how="left", indicator=True)
    kept = earlier[(marked["_merge"] == "left_only").to_numpy()]
    return pd.concat([kept, new], ignore_index=True).sort_values(RUN_KEY, ignore_index=True)
