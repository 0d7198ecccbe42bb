"""An independent pandas computation of the value of a new customer (doc block
kpi_new_customer_value, decision 0051) from the facts: Nelson's mean cumulative function,
written from the definition rather than from the SQL."""

from __future__ import annotations

import numpy as np
import pandas as pd

DAYS, MIN_AT_RISK, MIN_SAMPLE_HORIZON_SHARE, MIN_COSTED_SHARE = 365, 30, 0.9, 0.95
INPUTS = {
    "customers": "select tenant_id, customer_id, signup_date, acquisition_channel "
    "from marts.dim_customers",
    "cutoffs": "select tenant_id, data_cutoff_date from intermediate.int_tenant_data_cutoffs",
    "tagged": "select tenant_id, touchpoint_id as customer_id "
    "from intermediate.int_touchpoints_channel_mapped "
    "where touchpoint_type = 'customer_signup' and has_touchpoint_data",
    "orders": "select tenant_id, customer_id, order_id, created_at, created_date, net_amount, "
    "contribution_margin_amount, is_fully_costed from marts.fct_order_margins "
    "where customer_id is not null",
}


def _days(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    return (pd.to_datetime(later) - pd.to_datetime(earlier)).dt.days.to_numpy()


def _sample_value(customers: pd.DataFrame, orders: pd.DataFrame) -> dict:
    """Nelson's mean cumulative function of one channel's sample of customers."""
    observed = np.sort(customers["observed"].to_numpy())[::-1]
    horizon = int(observed[MIN_AT_RISK - 1]) if len(observed) >= MIN_AT_RISK else 0
    mine = orders.merge(customers[["tenant_id", "customer_id", "signup_date", "observed"]])
    mine = mine.assign(day=_days(mine["created_date"], mine["signup_date"]))
    mine = mine[(mine["day"] >= 0) & (mine["day"] < mine["observed"]) & (mine["day"] < horizon)]
    at_risk = np.array([(observed > day).sum() for day in mine["day"]], dtype=float)
    first = mine["order_rank"].to_numpy() == 1
    revenue = mine["net_amount"].to_numpy(dtype=float) / at_risk
    margin = mine["contribution_margin_amount"].to_numpy(dtype=float) / at_risk
    return {
        "horizon_days": horizon,
        "sample_customers": len(customers),
        "revenue_value_amount": revenue.sum(),
        "margin_value_amount": margin.sum(),
        "first_order_revenue": revenue[first].sum(),
        "first_order_margin": margin[first].sum(),
        "orders": len(mine),
        "costed_orders": int(mine["is_fully_costed"].sum()),
    }


def expected_new_customer_value(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per tenant and channel: mart_new_customer_value's figures."""
    customers = frames["customers"].merge(frames["cutoffs"], on="tenant_id")
    customers = customers[
        pd.to_datetime(customers["signup_date"]) <= pd.to_datetime(customers["data_cutoff_date"])
    ]
    customers = customers.assign(
        observed=np.minimum(
            _days(customers["data_cutoff_date"], customers["signup_date"]) + 1, DAYS
        ),
        tagged=customers.set_index(["tenant_id", "customer_id"]).index.isin(
            frames["tagged"].set_index(["tenant_id", "customer_id"]).index
        ),
    )
    orders = frames["orders"].sort_values(["tenant_id", "customer_id", "created_at", "order_id"])
    orders = orders.assign(order_rank=orders.groupby(["tenant_id", "customer_id"]).cumcount() + 1)
    rows = []
    for (tenant, channel), group in customers.groupby(["tenant_id", "acquisition_channel"]):
        candidates = {
            "signups_with_touchpoint": _sample_value(group[group["tagged"]], orders),
            "new_customers": _sample_value(group, orders),
        }
        tagged, every = (candidates[s]["horizon_days"] for s in candidates)
        reaches = tagged > 0 and tagged >= MIN_SAMPLE_HORIZON_SHARE * every
        sample = "signups_with_touchpoint" if reaches else "new_customers"
        rows.append(
            {"tenant_id": tenant, "channel_group": channel, "new_customers": len(group),
             "customer_sample": sample, **candidates[sample]}
        )  # fmt: skip
    table = pd.DataFrame(rows)
    sums = table.groupby("tenant_id")[["orders", "costed_orders"]].transform("sum")
    margin = sums["costed_orders"] >= MIN_COSTED_SHARE * sums["orders"]
    table["value_basis"] = np.where(margin, "margin", "revenue")
    table["customer_value_amount"] = np.where(
        margin, table["margin_value_amount"], table["revenue_value_amount"]
    )
    table["first_order_value_amount"] = np.where(
        margin, table["first_order_margin"], table["first_order_revenue"]
    )
    without = table["horizon_days"] == 0
    columns = ["customer_value_amount", "first_order_value_amount", "revenue_value_amount",
               "margin_value_amount"]  # fmt: skip
    table.loc[without, columns] = np.nan
    return table
