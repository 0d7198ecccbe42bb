"""An independent pandas computation of marts.mart_activation_uplift from its inputs, written
from the definitions (issue 24, KPIS.md) rather than from the SQL:

- A customer belongs to the first run (by start, then run id) of a tenant, destination and
  segment in which the vendor accepted an add or send for them (treated) or they were held
  out (control); the activation day is that run's start as a local date.
- Over a horizon of h days: a buyer has a valid order created on a local day in
  (activation day, activation day + h]; revenue is the net amount of those orders (0 without).
- Predicted value: predicted_clv_12m of the latest cut-off on or before the activation day.
- Differences treated - control, each with estimate +/- z * SE: for proportions the unpooled
  SE sqrt(p1 (1 - p1) / n1 + p0 (1 - p0) / n0), for means Welch's sqrt(s1^2 / n1 + s0^2 / n0)
  with sample variances; incremental figures are the differences times the treated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

Z = 1.645
KEYS = ["tenant_id", "destination", "segment", "run_id", "horizon_days"]


def assigned_members(log: pd.DataFrame, tenants: pd.DataFrame) -> pd.DataFrame:
    log = log[log["customer_id"].notna()].copy()
    log["treated"] = log["action"].isin(["add", "send"]) & (log["status"] == "sent")
    log["held_out"] = log["action"] == "hold_out"
    log = log[log["treated"] | log["held_out"]]
    per_run = log.groupby(
        ["tenant_id", "destination", "segment", "customer_id", "run_id", "run_started_at"],
        as_index=False,
    )["treated"].any()
    first = per_run.sort_values(["run_started_at", "run_id"]).drop_duplicates(
        ["tenant_id", "destination", "segment", "customer_id"], keep="first"
    )
    zones = dict(zip(tenants["tenant_id"], tenants["timezone"], strict=True))
    first["activation_date"] = [
        pd.Timestamp(started)
        .tz_localize("UTC")
        .tz_convert(zones[tenant])
        .tz_localize(None)
        .floor("D")
        for tenant, started in zip(first["tenant_id"], first["run_started_at"], strict=True)
    ]
    return first


def member_outcomes(members, orders, customer_values, horizons) -> pd.DataFrame:
    valid = orders[orders["is_valid"] & orders["customer_id"].notna()]
    valid = valid.astype({"customer_id": object})
    members = members.astype({"customer_id": object})
    joined = members.merge(valid, on=["tenant_id", "customer_id"], how="left")
    rows = []
    for horizon in horizons:
        end = joined["activation_date"] + pd.Timedelta(days=horizon)
        inside = (joined["created_date"] > joined["activation_date"]) & (
            joined["created_date"] <= end
        )
        counted = joined.assign(
            bought=inside, revenue=np.where(inside, joined["net_amount"], 0.0)
        ).groupby(["tenant_id", "destination", "segment", "customer_id"], as_index=False)
        per_customer = counted.agg(has_purchase=("bought", "any"), revenue=("revenue", "sum"))
        rows.append(members.merge(per_customer).assign(horizon_days=horizon))
    outcomes = pd.concat(rows, ignore_index=True)
    values = customer_values.astype({"customer_id": object})
    valued = members.merge(values, on=["tenant_id", "customer_id"])
    valued = valued[valued["cutoff_date"] <= valued["activation_date"]]
    latest = valued.sort_values("cutoff_date").drop_duplicates(
        ["tenant_id", "destination", "segment", "customer_id"], keep="last"
    )[["tenant_id", "destination", "segment", "customer_id", "predicted_clv_12m"]]
    return outcomes.merge(latest, how="left")


def _side(outcomes: pd.DataFrame, treated: bool, prefix: str) -> pd.DataFrame:
    side = outcomes[outcomes["treated"] == treated].groupby(KEYS)
    return pd.DataFrame({
        f"{prefix}_customers": side.size(),
        f"{prefix}_buyers": side["has_purchase"].sum(),
        f"{prefix}_revenue_per_customer_amount": side["revenue"].mean(),
        f"{prefix}_revenue_variance": side["revenue"].var(ddof=1),
        f"{prefix}_valued_customers": side["predicted_clv_12m"].count(),
        f"{prefix}_predicted_clv_12m_amount": side["predicted_clv_12m"].mean(),
        f"{prefix}_predicted_clv_12m_variance": side["predicted_clv_12m"].var(ddof=1),
    })  # fmt: skip


def _positive(counts: pd.Series) -> pd.Series:
    """Counts with 0 as NaN: a rate over no one is missing (KPIS.md), not an error."""
    return counts.where(counts > 0)


def _interval(frame: pd.DataFrame, name: str, point: pd.Series, se: pd.Series, unit: str):
    frame[f"{name}{unit}"] = point
    frame[f"{name}_lower{unit}"] = point - Z * se
    frame[f"{name}_upper{unit}"] = point + Z * se


def expected_uplift(experiment, horizons=(30, 60, 90)) -> pd.DataFrame:
    """One row per activation and horizon with the mart's numeric and flag columns."""
    members = assigned_members(experiment.log, experiment.tenants)
    outcomes = member_outcomes(members, experiment.orders, experiment.customer_values, horizons)
    table = _side(outcomes, True, "treated").join(_side(outcomes, False, "control"), how="outer")
    counts = [c for c in table.columns if c.endswith(("_customers", "_buyers"))]
    table[counts] = table[counts].fillna(0)
    table = table.reset_index()
    n1, n0 = table["treated_customers"], table["control_customers"]
    p1, p0 = table["treated_buyers"] / _positive(n1), table["control_buyers"] / _positive(n0)
    table["treated_purchase_rate"], table["control_purchase_rate"] = p1, p0
    _interval(table, "purchase_rate_diff", p1 - p0,
              np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0), "")  # fmt: skip
    #: difference name, mean column (without its side), the count its variance divides by
    means = (
        ("revenue_per_customer_diff", "revenue_per_customer_amount", "revenue", "customers"),
        ("predicted_clv_12m_diff", "predicted_clv_12m_amount", "predicted_clv_12m",
         "valued_customers"),
    )  # fmt: skip
    for name, mean, variance, count in means:
        se = np.sqrt(
            table[f"treated_{variance}_variance"] / _positive(table[f"treated_{count}"])
            + table[f"control_{variance}_variance"] / _positive(table[f"control_{count}"])
        )
        _interval(table, name, table[f"treated_{mean}"] - table[f"control_{mean}"], se, "_amount")
    for bound in ("", "_lower", "_upper"):
        table[f"incremental_customers{bound}"] = table[f"purchase_rate_diff{bound}"] * n1
        table[f"incremental_revenue{bound}_amount"] = (
            table[f"revenue_per_customer_diff{bound}_amount"] * n1
        )
    table["is_significant"] = (table["purchase_rate_diff_lower"] > 0) | (
        table["purchase_rate_diff_upper"] < 0
    )
    table["is_revenue_significant"] = (table["revenue_per_customer_diff_lower_amount"] > 0) | (
        table["revenue_per_customer_diff_upper_amount"] < 0
    )
    days = members.drop_duplicates(KEYS[:4])[[*KEYS[:4], "activation_date"]]
    table = table.merge(days).merge(experiment.cutoffs[["tenant_id", "data_cutoff_date"]])
    table["horizon_end_date"] = table["activation_date"] + pd.to_timedelta(
        table["horizon_days"], unit="D"
    )
    table["is_complete"] = table["horizon_end_date"] <= table["data_cutoff_date"]
    return table.drop(columns=["data_cutoff_date"])
