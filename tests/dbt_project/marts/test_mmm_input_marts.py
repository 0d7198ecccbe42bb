"""The budget brain's input marts (models/marts/ml_inputs) against an independent pandas
computation of their doc block (mmm_inputs) on crafted facts, built by the real dbt project on
DuckDB and on PostgreSQL; then a partition run of one tenant and a few days, which must leave
both marts as they were.

The facts are written as the marts schema holds them (only the columns the two marts read),
and dbt builds just the two marts on them. Hand-worked cases for the first days, with the
project's `mmm_first_days` of 14: customer a's orders on the signup's day and 13 days later
count, 14 days later do not; b's invalid order does not; c signed up fewer than 14 days
before the tenant's last order and is left out; so is u's customer, one day before u's
last order (each tenant has its own last order day), and d, with no order, counts with 0."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from cerebro.settings import DBT_PROJECT_DIR
from cerebro.warehouse import Warehouse
from tests.dbt_project.marts.crafted_dbt import build_models, crafted_warehouse, warehouse_environ

MODELS = ("mart_mmm_inputs_daily", "mart_mmm_first_days_revenue")
FACTS = (
    "create schema if not exists marts",
    "create table marts.dim_customers (tenant_id text, customer_id text, "
    "acquisition_channel text, signup_date date)",
    "create table marts.fct_orders (tenant_id text, customer_id text, is_valid boolean, "
    "created_date date, total_amount decimal(18, 2))",
    "create table marts.mart_orders_daily (tenant_id text, created_date date, "
    "channel_group text, valid_orders_amount decimal(18, 2))",
    "create table marts.mart_acquisition_daily (tenant_id text, signup_date date, "
    "acquisition_channel text, new_users integer)",
    "create table marts.fct_organic_search_daily (tenant_id text, search_date date, "
    "site_url text, clicks integer)",
    "insert into marts.dim_customers values ('t', 'a', 'Meta Ads', '2026-01-01'), "
    "('t', 'b', 'Meta Ads', '2026-01-10'), ('t', 'c', 'Google Ads', '2026-01-25'), "
    "('t', 'd', 'Google Ads', '2026-01-02'), ('u', 'a', 'Meta Ads', '2026-01-01')",
    # d has no order at all: counted as a customer with no first-days revenue.
    "insert into marts.fct_orders values ('t', 'a', true, '2026-01-01', 100), "
    "('t', 'a', true, '2026-01-14', 50), ('t', 'a', true, '2026-01-15', 999), "
    "('t', 'b', false, '2026-01-11', 7), ('t', 'b', true, '2026-01-12', 30), "
    "('t', 'c', true, '2026-01-26', 5), ('t', 'a', true, '2026-01-30', 1), "
    "('t', null, false, '2026-01-31', 2), ('u', 'a', true, '2026-01-02', 500)",
    # Two channels on a day are summed; 3 Jan has only invalid orders (a row of 0, not null).
    "insert into marts.mart_orders_daily values ('t', '2026-01-01', 'Meta Ads', 100), "
    "('t', '2026-01-01', 'Directo', 20.5), ('t', '2026-01-03', 'Directo', 0), "
    "('t', '2026-01-05', 'Meta Ads', 40), ('u', '2026-01-02', 'Meta Ads', 500)",
    "insert into marts.mart_acquisition_daily values ('t', '2026-01-01', 'Meta Ads', 2), "
    "('t', '2026-01-01', 'Google Ads', 1), ('t', '2026-01-04', 'Meta Ads', 1), "
    "('u', '2026-01-01', 'Meta Ads', 1)",
    # Two properties on 1 Jan; 2 Jan reports zero clicks (a row, not a gap); 6 Jan clicks only.
    "insert into marts.fct_organic_search_daily values ('t', '2026-01-01', 'a.cl', 7), "
    "('t', '2026-01-01', 'b.cl', 3), ('t', '2026-01-02', 'a.cl', 0), "
    "('t', '2026-01-06', 'a.cl', 9)",
)
#: First days per tenant and channel, worked out by hand (see the module's docstring).
HAND_WORKED = {("t", "Meta Ads"): (2, 180.0), ("t", "Google Ads"): (1, 0.0)}
#: A partition run of tenant t on these days (and the model's lookback before them).
WINDOW = {"partition_tenants": ["t"], "partition_start_date": "2026-01-04",
          "partition_end_date": "2026-01-06"}  # fmt: skip


def _first_days() -> int:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return int(project["vars"]["mmm_first_days"])


def _facts(warehouse: Warehouse) -> dict[str, pd.DataFrame]:
    names = ("dim_customers", "fct_orders", "mart_orders_daily", "mart_acquisition_daily",
             "fct_organic_search_daily")  # fmt: skip
    frames = {name: warehouse.query(f"select * from marts.{name}") for name in names}
    for frame in frames.values():
        for column in frame.columns:
            if column.endswith("_date"):
                frame[column] = pd.to_datetime(frame[column])
            elif column in ("total_amount", "valid_orders_amount", "new_users", "clicks"):
                frame[column] = pd.to_numeric(frame[column]).astype(float)
    return frames


def expected_daily(facts: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per tenant and day: each source's sum over its rows, missing where it has none."""
    sums = [
        facts[name].rename(columns={date: "activity_date"})
        .groupby(["tenant_id", "activity_date"])[value].sum().rename(column)
        for name, date, value, column in (
            ("mart_orders_daily", "created_date", "valid_orders_amount", "revenue_amount"),
            ("mart_acquisition_daily", "signup_date", "new_users", "new_customers"),
            ("fct_organic_search_daily", "search_date", "clicks", "organic_search_clicks"),
        )
    ]  # fmt: skip
    return pd.concat(sums, axis=1, join="outer").reset_index()


def expected_first_days(facts: dict[str, pd.DataFrame], days: int) -> pd.DataFrame:
    """Per tenant and channel: customers whose first ``days`` days end by the tenant's last
    order day, and the total of their valid orders in those days."""
    orders = facts["fct_orders"]
    last = orders.groupby("tenant_id")["created_date"].max().rename("last_order_date")
    customers = facts["dim_customers"].merge(last.reset_index(), on="tenant_id")
    customers = customers[
        (customers["last_order_date"] - customers["signup_date"]).dt.days >= days - 1
    ]
    placed = orders[orders["is_valid"].astype(bool)].merge(
        customers[["tenant_id", "customer_id", "signup_date"]], on=["tenant_id", "customer_id"]
    )
    offset = (placed["created_date"] - placed["signup_date"]).dt.days
    placed = placed[(offset >= 0) & (offset < days)]
    amounts = placed.groupby(["tenant_id", "customer_id"])["total_amount"].sum()
    customers = customers.join(amounts, on=["tenant_id", "customer_id"])
    return (
        customers.fillna({"total_amount": 0.0})
        .groupby(["tenant_id", "acquisition_channel"])
        .agg(new_customers=("customer_id", "size"),
             first_days_revenue_amount=("total_amount", "sum"))
        .reset_index()
    )  # fmt: skip


def _marts(warehouse: Warehouse) -> dict[str, pd.DataFrame]:
    marts = {name: warehouse.query(f"select * from marts.{name}") for name in MODELS}
    daily = marts["mart_mmm_inputs_daily"]
    daily["activity_date"] = pd.to_datetime(daily["activity_date"])
    for frame in marts.values():
        for column in frame.columns:
            if column not in ("tenant_id", "activity_date", "acquisition_channel"):
                frame[column] = pd.to_numeric(frame[column]).astype(float)
    return {
        name: frame.sort_values(list(frame.columns[:2]), ignore_index=True)
        for name, frame in marts.items()
    }


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def built(request, tmp_path_factory) -> tuple[Warehouse, dict, dict]:
    """The two marts built on FACTS, then rebuilt for WINDOW: the warehouse, the facts and
    the marts after the first build."""
    directory = tmp_path_factory.mktemp(f"mmm_inputs_{request.param}")
    environ = warehouse_environ(request, request.param, directory)
    warehouse = crafted_warehouse(environ)
    with warehouse.connect() as connection:
        for statement in FACTS:
            connection.execute(statement)
    seconds = build_models(environ, directory, *MODELS)
    print(f"dbt build of the MMM input marts on {request.param}: {seconds:.1f} s")
    first = _marts(warehouse)
    build_models(
        {**environ, "CEREBRO_DBT_PARTITION_WINDOW": json.dumps(WINDOW)}, directory, *MODELS
    )
    return warehouse, _facts(warehouse), first


def _assert_equal(mart: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    merged = expected.merge(mart, on=keys, how="outer", suffixes=("_expected", ""), indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", keys]
    for column in expected.columns.difference(keys):
        np.testing.assert_allclose(
            merged[column].to_numpy(dtype=float),
            merged[f"{column}_expected"].to_numpy(dtype=float),
            rtol=1e-12, equal_nan=True, err_msg=column,
        )  # fmt: skip


def test_daily_inputs_equal_the_pandas_sums_with_gaps_left_null(built):
    _, facts, marts = built
    daily = marts["mart_mmm_inputs_daily"]
    _assert_equal(daily, expected_daily(facts), ["tenant_id", "activity_date"])
    days = daily[daily["tenant_id"] == "t"].set_index("activity_date")
    columns = ["revenue_amount", "new_customers", "organic_search_clicks"]
    assert days.loc["2026-01-01", columns].tolist() == [120.5, 3.0, 10.0]
    # A day of invalid orders only is revenue 0; a day without a source's row is null.
    assert days.loc["2026-01-03", "revenue_amount"] == 0
    assert days.loc["2026-01-03", ["new_customers", "organic_search_clicks"]].isna().all()
    assert days.loc["2026-01-06", ["revenue_amount", "new_customers"]].isna().all()


def test_first_days_revenue_equals_the_pandas_computation_and_the_hand_worked_cases(built):
    _, facts, marts = built
    days = _first_days()
    mart = marts["mart_mmm_first_days_revenue"]
    _assert_equal(mart, expected_first_days(facts, days), ["tenant_id", "acquisition_channel"])
    assert days == 14, "the hand-worked cases assume the project's 14 first days"
    found = {
        (row.tenant_id, row.acquisition_channel): (row.new_customers, row.first_days_revenue_amount)
        for row in mart.itertuples()
    }
    assert found == HAND_WORKED


def test_a_partition_run_leaves_both_marts_as_they_were(built):
    warehouse, _, first = built
    again = _marts(warehouse)
    for name in MODELS:
        pd.testing.assert_frame_equal(again[name], first[name], check_dtype=False, obj=name)
