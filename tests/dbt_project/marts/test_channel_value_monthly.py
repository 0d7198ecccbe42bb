"""mart_new_customer_value (the value of a new customer per channel), mart_channel_value_monthly
(CAC, first-order ROAS, LTV:CAC per channel and month) and mart_channel_value_daily (their sums
per channel and day, which the pages read for any period) against a pandas computation of their
definitions from the facts (new_customer_value_oracle.py: Nelson's mean cumulative function
written from the doc block), on the session's demo run of each warehouse."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.dbt_project.marts.new_customer_value_oracle import (
    INPUTS as VALUE_INPUTS,
)
from tests.dbt_project.marts.new_customer_value_oracle import (
    expected_new_customer_value,
)
from tests.support.demo_platform import DEMO_TENANTS

INPUTS = {
    "customers": "select tenant_id, customer_id, signup_date, acquisition_channel "
    "from marts.dim_customers",
    "orders": "select tenant_id, customer_id, order_id, created_at, total_amount "
    "from marts.fct_orders where is_valid and customer_id is not null",
    "spend": "select tenant_id, spend_date, channel_group, spend_amount "
    "from marts.fct_ad_spend_daily",
}
KEYS = ["tenant_id", "month_start_date", "channel_group"]
DAILY_KEYS = ["tenant_id", "value_date", "channel_group"]
SUMS = ("spend_amount", "new_customers", "first_order_amount", "new_customers_value_amount")
VALUE_FIGURES = (
    "new_customers", "sample_customers", "horizon_days", "customer_value_amount",
    "first_order_value_amount", "revenue_value_amount", "margin_value_amount",
)  # fmt: skip


def _month(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.to_period("M").dt.start_time


def _day(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values)


def expected_channel_value(
    frames: dict[str, pd.DataFrame], values: pd.DataFrame, period=_month, keys=KEYS
) -> pd.DataFrame:
    orders = frames["orders"].sort_values(["tenant_id", "customer_id", "created_at", "order_id"])
    per_customer = orders.groupby(["tenant_id", "customer_id"]).agg(
        first_order_amount=("total_amount", "first")
    )
    customers = frames["customers"].merge(
        per_customer.reset_index(), how="left", on=["tenant_id", "customer_id"]
    )
    customers[keys[1]] = period(customers["signup_date"])
    customers = customers.rename(columns={"acquisition_channel": "channel_group"})
    customers["first_order_amount"] = (
        pd.to_numeric(customers["first_order_amount"]).astype(float).fillna(0.0)
    )
    acquired = customers.groupby(keys).agg(
        new_customers=("customer_id", "size"),
        first_order_amount=("first_order_amount", "sum"),
    )
    spend = frames["spend"].assign(**{keys[1]: period(frames["spend"]["spend_date"])})
    spend["spend_amount"] = pd.to_numeric(spend["spend_amount"]).astype(float)
    spent = spend.groupby(keys).agg(spend_amount=("spend_amount", "sum"))
    table = acquired.join(spent, how="outer").fillna(0.0).reset_index()
    table = table.merge(
        values[["tenant_id", "channel_group", "customer_value_amount"]],
        how="left", on=["tenant_id", "channel_group"],
    )  # fmt: skip
    table["new_customers_value_amount"] = table["new_customers"] * table["customer_value_amount"]
    # KPIS.md: a ratio with a zero denominator is NULL, so zeros become NaN before dividing.
    spend_or_nan = table["spend_amount"].where(table["spend_amount"] > 0)
    customers_or_nan = table["new_customers"].where(table["new_customers"] > 0)
    table["cac_amount"] = table["spend_amount"] / customers_or_nan
    table["first_order_roas"] = table["first_order_amount"] / spend_or_nan
    table["ltv_cac"] = table["customer_value_amount"] / table["cac_amount"].where(
        table["cac_amount"] > 0
    )
    return table


def _close(merged: pd.DataFrame, columns) -> None:
    for column in columns:
        actual = pd.to_numeric(merged[column]).astype(float).to_numpy()
        wanted = merged[f"{column}_expected"].astype(float).to_numpy()
        np.testing.assert_allclose(actual, wanted, rtol=1e-9, equal_nan=True, err_msg=column)


@pytest.mark.parametrize(
    "kind", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres_demo)]
)
def test_new_customer_value_and_channel_value_match_the_definitions(request, kind):
    warehouse = request.getfixturevalue(f"demo_{kind}").warehouse
    values = expected_new_customer_value(
        {name: warehouse.query(sql) for name, sql in VALUE_INPUTS.items()}
    )
    mart = warehouse.query("select * from marts.mart_new_customer_value")
    merged = values.merge(
        mart, on=["tenant_id", "channel_group"], how="outer", suffixes=("_expected", "")
    )
    assert len(merged) == len(values) == len(mart)
    assert (merged["customer_sample"] == merged["customer_sample_expected"]).all()
    assert (merged["value_basis"] == merged["value_basis_expected"]).all()
    _close(merged, VALUE_FIGURES)
    # The demo's costs price every order (decision 0036): its customers are valued on margin,
    # and every paid channel has a value.
    assert set(mart["value_basis"]) == {"margin"}
    paid = mart[mart["channel_group"].isin(["Google Ads", "Meta Ads", "TikTok Ads"])]
    assert len(paid) == 3 * len(DEMO_TENANTS) and paid["customer_value_amount"].notna().all()

    frames = {name: warehouse.query(sql) for name, sql in INPUTS.items()}
    expected = expected_channel_value(frames, values)
    monthly = warehouse.query("select * from marts.mart_channel_value_monthly")
    monthly["month_start_date"] = pd.to_datetime(monthly["month_start_date"])
    merged = expected.merge(
        monthly, on=KEYS, how="outer", suffixes=("_expected", ""), indicator=True
    )
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", KEYS]
    _close(merged, ("spend_amount", "new_customers", "first_order_amount",
                    "customer_value_amount", "new_customers_value_amount", "cac_amount",
                    "first_order_roas", "ltv_cac"))  # fmt: skip


@pytest.mark.parametrize(
    "kind", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres_demo)]
)
def test_daily_channel_value_keeps_the_sums_per_day(request, kind):
    warehouse = request.getfixturevalue(f"demo_{kind}").warehouse
    values = expected_new_customer_value(
        {name: warehouse.query(sql) for name, sql in VALUE_INPUTS.items()}
    )
    frames = {name: warehouse.query(sql) for name, sql in INPUTS.items()}
    expected = expected_channel_value(frames, values, _day, DAILY_KEYS)
    mart = warehouse.query("select * from marts.mart_channel_value_daily")
    mart["value_date"] = pd.to_datetime(mart["value_date"])
    merged = expected.merge(
        mart, on=DAILY_KEYS, how="outer", suffixes=("_expected", ""), indicator=True
    )
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", DAILY_KEYS]
    _close(merged, SUMS)
