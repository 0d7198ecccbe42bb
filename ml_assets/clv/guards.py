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


#: A finite double (NaN compares above infinity on both engines, so it fails too).
_FINITE = (
    "{c} > cast('-infinity' as double precision) and {c} < cast('infinity' as double precision)"
)


def predictions_profile_sql(table: str) -> str:
    """One row over the predictions in ``table`` with what the two guards read: ``rows``,
    and per checked column its finite minimum and maximum, its non-finite values and the
    rows failing the guard (``prob_alive`` outside [0, 1], the others below 0 or not
    finite). Computed where the rows are, since a tenant may have millions."""
    parts = ["count(*) as rows"]
    for column in ("prob_alive", *NON_NEGATIVE_COLUMNS):
        finite = _FINITE.format(c=column)
        allowed = f"{column} between 0 and 1" if column == "prob_alive" else f"{column} >= 0"
        parts += [
            f"min(case when {finite} then {column} end) as {column}__min",
            f"max(case when {finite} then {column} end) as {column}__max",
            f"count(case when not ({finite}) then 1 end) as {column}__non_finite",
            f"count(case when not ({finite} and {allowed}) then 1 end) as {column}__failing",
        ]
    return "select\n    " + ",\n    ".join(parts) + f"\nfrom {table}"


def _range(profile: pd.Series, column: str) -> dict:
    return {
        "min": _finite_or_none(profile[f"{column}__min"]),
        "max": _finite_or_none(profile[f"{column}__max"]),
        "non_finite": int(profile[f"{column}__non_finite"]),
    }


def probabilities_guard(profile: pd.Series) -> Guard:
    """Every ``prob_alive`` is a finite number in [0, 1] (``profile``: the row of
    ``predictions_profile_sql``)."""
    outside = int(profile["prob_alive__failing"])
    return Guard(
        passed=outside == 0,
        metadata={
            "rows": int(profile["rows"]),
            "rows_outside_0_1": outside,
            **{f"prob_alive_{k}": v for k, v in _range(profile, "prob_alive").items()},
            "allowed": "[0, 1]",
        },
    )


def values_guard(profile: pd.Series) -> Guard:
    """Expected purchases, spend, CLV and value at risk are finite and >= 0."""
    metadata: dict = {"rows": int(profile["rows"]), "allowed": ">= 0 and finite"}
    bad_rows = 0
    for column in NON_NEGATIVE_COLUMNS:
        bad = int(profile[f"{column}__failing"])
        bad_rows += bad
        metadata[column] = {**_range(profile, column), "rows_failing": bad}
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
    return float(value) if value is not None and np.isfinite(float(value)) else None
