"""Checks on the ML output tables before anything downstream reads them: each returns whether
it passed and the actual values beside the thresholds, for the asset checks' metadata."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Money and count columns of ml_customer_predictions that must be finite and >= 0.
NON_NEGATIVE_COLUMNS = (
    "expected_purchases_30d",
    "expected_purchases_90d",
    "expected_spend_per_purchase",
    "predicted_clv_12m",
    "clv_if_retained_12m",
    "value_at_risk",
)


@dataclass(frozen=True)
class Guard:
    passed: bool
    metadata: dict


def _range(values: pd.Series) -> dict:
    finite = values[np.isfinite(values)]
    return {
        "min": float(finite.min()) if len(finite) else None,
        "max": float(finite.max()) if len(finite) else None,
        "non_finite": int((~np.isfinite(values)).sum()),
    }


def probabilities_guard(predictions: pd.DataFrame) -> Guard:
    """Every ``prob_alive`` is a finite number in [0, 1]."""
    values = predictions["prob_alive"].astype(float)
    outside = int((~values.between(0.0, 1.0)).sum())
    return Guard(
        passed=outside == 0,
        metadata={
            "rows": len(values),
            "rows_outside_0_1": outside,
            **{f"prob_alive_{k}": v for k, v in _range(values).items()},
            "allowed": "[0, 1]",
        },
    )


def values_guard(predictions: pd.DataFrame) -> Guard:
    """Expected purchases, spend, CLV and value at risk are finite and >= 0."""
    metadata: dict = {"rows": len(predictions), "allowed": ">= 0 and finite"}
    bad_rows = 0
    for column in NON_NEGATIVE_COLUMNS:
        values = predictions[column].astype(float)
        bad = int((~(np.isfinite(values) & (values >= 0))).sum())
        bad_rows += bad
        metadata[column] = {**_range(values), "rows_failing": bad}
    return Guard(passed=bad_rows == 0, metadata=metadata)


def backtest_guard(model_runs: pd.DataFrame) -> Guard:
    """Each tenant's backtest relative error is within the tenant's ``max_backtest_error``;
    a skipped backtest (no error to measure) passes and says so."""
    per_tenant, failing = {}, []
    for row in model_runs.itertuples(index=False):
        error = row.backtest_relative_error
        skipped = error is None or not np.isfinite(error)
        if not skipped and error > row.max_backtest_error:
            failing.append(row.tenant_id)
        per_tenant[row.tenant_id] = {
            "relative_error": None if skipped else float(error),
            "bound": float(row.max_backtest_error),
            "predicted_purchases": _finite_or_none(row.backtest_predicted_purchases),
            "actual_purchases": int(row.backtest_actual_purchases),
            "status": "skipped" if skipped else ("failed" if row.tenant_id in failing else "ok"),
        }
    return Guard(passed=not failing, metadata={"tenants": per_tenant, "failing": failing})


def _finite_or_none(value) -> float | None:
    return float(value) if value is not None and np.isfinite(value) else None
