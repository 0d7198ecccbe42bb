"""Checks on the budget brain's output tables before a dashboard reads them. Each returns
whether it passed and the measured values beside the thresholds (asset-check metadata)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Relative tolerance for sums that must reproduce a total (floating-point round-off only).
SUM_TOLERANCE = 1e-6
#: The curve's ROI at historical mean spend vs the reported ROI (profiles may be binned).
CURVE_ROI_TOLERANCE = 0.01
#: (estimate, low, high) column triples that must be ordered low <= estimate <= high.
INTERVAL_COLUMNS = {
    "ml_mmm_channel_summary": [
        ("roi", "roi_low", "roi_high"),
        ("marginal_roi", "marginal_roi_low", "marginal_roi_high"),
        ("contribution", "contribution_low", "contribution_high"),
        ("return_next_1000", "return_next_1000_low", "return_next_1000_high"),
    ],
    "ml_mmm_response_curves": [("incremental_per_day", "incremental_low", "incremental_high")],
    "ml_budget_scenarios": [
        ("expected_revenue_change", "expected_revenue_change_low", "expected_revenue_change_high"),
        ("scenario_change", "scenario_change_low", "scenario_change_high"),
    ],
}


@dataclass(frozen=True)
class Guard:
    passed: bool
    metadata: dict


def contributions_guard(contributions: pd.DataFrame) -> Guard:
    """Per tenant, target and day, the components add up to the fitted total."""
    if contributions.empty:
        return Guard(True, {"dates": 0})
    keys = ["tenant_id", "target", "contribution_date"]
    summed = contributions.groupby(keys).agg(
        contribution=("contribution", "sum"), fitted_total=("fitted_total", "first")
    )
    scale = max(float(summed["fitted_total"].abs().mean()), 1e-12)
    worst = float((summed["contribution"] - summed["fitted_total"]).abs().max())
    return Guard(
        passed=bool(np.isfinite(worst) and worst <= SUM_TOLERANCE * scale),
        metadata={
            "dates": len(summed),
            "max_abs_gap": worst,
            "max_relative_gap": worst / scale,
            "allowed_relative_gap": SUM_TOLERANCE,
        },
    )


def intervals_guard(tables: dict[str, pd.DataFrame]) -> Guard:
    """Every interval contains its point estimate, and nothing is missing or infinite."""
    metadata: dict = {"allowed": "low <= estimate <= high, all finite"}
    failing = 0
    for table, triples in INTERVAL_COLUMNS.items():
        frame = tables.get(table)
        if frame is None or frame.empty:
            continue
        for estimate, low, high in triples:
            values = frame[[estimate, low, high]].astype(float)
            finite = np.isfinite(values).all(axis=1)
            slack = 1e-9 * values[estimate].abs().clip(lower=1.0)
            ordered = (values[low] <= values[estimate] + slack) & (
                values[estimate] <= values[high] + slack
            )
            bad = int((~(finite & ordered)).sum())
            failing += bad
            metadata[f"{table}.{estimate}"] = {"rows": len(frame), "rows_failing": bad}
    return Guard(passed=failing == 0, metadata={**metadata, "rows_failing": failing})


def allocations_guard(scenarios: pd.DataFrame) -> Guard:
    """Every plan spends exactly its budget and keeps every channel within its bounds."""
    if scenarios.empty:
        return Guard(True, {"scenarios": 0})
    keys = ["tenant_id", "target", "objective", "scenario"]
    plans = scenarios.groupby(keys).agg(
        spent=("optimal_spend", "sum"), budget=("total_budget", "first")
    )
    gap = ((plans["spent"] - plans["budget"]).abs() / plans["budget"].clip(lower=1.0)).max()
    slack = SUM_TOLERANCE * scenarios["total_budget"].clip(lower=1.0)
    outside = int(
        (
            (scenarios["optimal_spend"] < scenarios["lower_bound"] - slack)
            | (scenarios["optimal_spend"] > scenarios["upper_bound"] + slack)
        ).sum()
    )
    return Guard(
        passed=bool(gap <= SUM_TOLERANCE and outside == 0),
        metadata={
            "scenarios": len(plans),
            "max_relative_budget_gap": float(gap),
            "allowed_relative_budget_gap": SUM_TOLERANCE,
            "channel_rows_outside_bounds": outside,
        },
    )


def curves_guard(summary: pd.DataFrame, curves: pd.DataFrame) -> Guard:
    """At the historical mean spend, each curve's ROI equals the reported ROI."""
    if summary.empty or curves.empty:
        return Guard(True, {"channels": 0})
    keys = ["tenant_id", "target", "channel"]
    at_mean = curves[curves["is_historical_mean_spend"]].groupby(keys)["roi"].first()
    reported = summary.set_index(keys)["roi"]
    joined = pd.concat([at_mean.rename("curve"), reported.rename("reported")], axis=1)
    scale = joined["reported"].abs().clip(lower=1e-12)
    gap = (joined["curve"] - joined["reported"]).abs() / scale
    worst = float(gap.max()) if len(gap) else 0.0
    return Guard(
        passed=bool(np.isfinite(worst) and worst <= CURVE_ROI_TOLERANCE),
        metadata={
            "channels": len(joined),
            "max_relative_gap": worst,
            "allowed_relative_gap": CURVE_ROI_TOLERANCE,
        },
    )
