"""mart_channel_value_monthly (CAC, ROAS, LTV:CAC, LTV-ROAS per channel and month) and
mart_channel_value_daily (their sums per channel and day, which the pages read for any period)
against a pandas computation of KPIS.md's definitions from the facts and the model's
predictions, on the session's demo run of each warehouse."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

INPUTS = {
    "customers": "select tenant_id, customer_id, signup_date, acquisition_channel "
    "from marts.dim_customers",
    "orders": "select tenant_id, customer_id, order_id, created_at, total_amount, net_amount "
    "from marts.fct_orders where is_valid and customer_id is not null",
    "predictions": "select tenant_id, customer_id, predicted_clv_12m "
    "from ml.ml_customer_predictions",
    "spend": "select tenant_id, spend_date, channel_group, spend_amount "
    "from marts.fct_ad_spend_daily",
}
KEYS = ["tenant_id", "month_start_date", "channel_group"]
DAILY_KEYS = ["tenant_id", "value_date", "channel_group"]
SUMS = ("spend_amount", "new_customers", "first_order_amount", "historical_net_amount",
        "predicted_clv_12m_amount")  # fmt: skip


def _month(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.to_period("M").dt.start_time


def _day(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values)


def expected_channel_value(
    frames: dict[str, pd.DataFrame], period=_month, keys=KEYS
) -> pd.DataFrame:
    orders = frames["orders"].sort_values(["tenant_id", "customer_id", "created_at", "order_id"])
    per_customer = orders.groupby(["tenant_id", "customer_id"]).agg(
        first_order_amount=("total_amount", "first"),
        historical_net_amount=("net_amount", "sum"),
    )
    customers = (
        frames["customers"]
        .merge(per_customer.reset_index(), how="left", on=["tenant_id", "customer_id"])
        .merge(frames["predictions"], how="left", on=["tenant_id", "customer_id"])
    )
    customers[keys[1]] = period(customers["signup_date"])
    customers = customers.rename(columns={"acquisition_channel": "channel_group"})
    for column in ("first_order_amount", "historical_net_amount", "predicted_clv_12m"):
        customers[column] = pd.to_numeric(customers[column]).astype(float).fillna(0.0)
    acquired = customers.groupby(keys).agg(
        new_customers=("customer_id", "size"),
        first_order_amount=("first_order_amount", "sum"),
        historical_net_amount=("historical_net_amount", "sum"),
        predicted_clv_12m_amount=("predicted_clv_12m", "sum"),
    )
    spend = frames["spend"].assign(**{keys[1]: period(frames["spend"]["spend_date"])})
    spend["spend_amount"] = pd.to_numeric(spend["spend_amount"]).astype(float)
    spent = spend.groupby(keys).agg(spend_amount=("spend_amount", "sum"))
    table = acquired.join(spent, how="outer").fillna(0.0).reset_index()
    # KPIS.md: a ratio with a zero denominator is NULL, so zeros become NaN before dividing.
    spend_or_nan = table["spend_amount"].where(table["spend_amount"] > 0)
    customers_or_nan = table["new_customers"].where(table["new_customers"] > 0)
    table["cac_amount"] = table["spend_amount"] / customers_or_nan
    table["first_order_roas"] = table["first_order_amount"] / spend_or_nan
    mean_value = (
        table["historical_net_amount"] + table["predicted_clv_12m_amount"]
    ) / customers_or_nan
    table["ltv_cac"] = mean_value / table["cac_amount"].where(table["cac_amount"] > 0)
    table["ltv_roas"] = (
        table["first_order_amount"] + table["predicted_clv_12m_amount"]
    ) / spend_or_nan
    return table


@pytest.mark.parametrize(
    "kind", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres_demo)]
)
def test_channel_value_matches_the_definitions(request, kind):
    warehouse = request.getfixturevalue(f"demo_{kind}").warehouse
    frames = {name: warehouse.query(sql) for name, sql in INPUTS.items()}
    assert not frames["predictions"].empty, "the demo run wrote no customer-value predictions"
    expected = expected_channel_value(frames)
    mart = warehouse.query("select * from marts.mart_channel_value_monthly")
    mart["month_start_date"] = pd.to_datetime(mart["month_start_date"])
    merged = expected.merge(mart, on=KEYS, how="outer", suffixes=("_expected", ""), indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", KEYS]
    for column in (
        "spend_amount", "new_customers", "first_order_amount", "historical_net_amount",
        "predicted_clv_12m_amount", "cac_amount", "first_order_roas", "ltv_cac", "ltv_roas",
    ):  # fmt: skip
        actual = pd.to_numeric(merged[column]).astype(float).to_numpy()
        wanted = merged[f"{column}_expected"].astype(float).to_numpy()
        np.testing.assert_allclose(actual, wanted, rtol=1e-9, equal_nan=True, err_msg=column)
    paid = merged[merged["spend_amount"] > 0]
    assert paid["ltv_roas"].notna().any() and (paid["ltv_roas"] >= paid["first_order_roas"]).all()


@pytest.mark.parametrize(
    "kind", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres_demo)]
)
def test_daily_channel_value_keeps_the_sums_per_day(request, kind):
    warehouse = request.getfixturevalue(f"demo_{kind}").warehouse
    frames = {name: warehouse.query(sql) for name, sql in INPUTS.items()}
    expected = expected_channel_value(frames, _day, DAILY_KEYS)
    mart = warehouse.query("select * from marts.mart_channel_value_daily")
    mart["value_date"] = pd.to_datetime(mart["value_date"])
    merged = expected.merge(
        mart, on=DAILY_KEYS, how="outer", suffixes=("_expected", ""), indicator=True
    )
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", DAILY_KEYS]
    for column in SUMS:
        actual = pd.to_numeric(merged[column]).astype(float).to_numpy()
        wanted = merged[f"{column}_expected"].astype(float).to_numpy()
        np.testing.assert_allclose(actual, wanted, rtol=1e-9, err_msg=column)
