"""The subscription MRR mart built on Spark and served from the DuckDB file (decision 0040),
first without a subscription, then with the crafted store's (test_subscription_mrr_mart.py).

Spark writes no file for a partitioned table without rows, and the serving views read the
tables' files: the mart, empty on a store without Stripe subscriptions (the demo), must still
be served with its columns, as DuckDB's build gives an empty table; the next run, with
subscriptions, must give the pandas oracle's rows. Oracle: the mart's columns in its SQL order
and the oracle of test_subscription_mrr_mart.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cerebro.settings import Settings, load_settings
from cerebro.spark.dbt_command import run_dbt
from cerebro.spark.serving import expose_spark_tables, land_for_dbt, registration_env
from cerebro.warehouse import Warehouse
from tests.dbt_project.marts.test_subscription_mrr_mart import (
    COUNTS,
    MONEY,
    RATES,
    TENANTS,
    assert_matches_the_oracle,
    built_mart,
    land,
)

pytestmark = pytest.mark.spark

MART = "mart_subscription_mrr_monthly"


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    pytest.importorskip("pyspark", reason="the Spark extra is not installed (make setup-spark)")
    directory = tmp_path_factory.mktemp("subscription_mrr_spark")
    return load_settings(
        {**os.environ, "CEREBRO_DATA_DIR": str(directory), "CEREBRO_WAREHOUSE": "spark"}
    )


def _build_and_serve(settings: Settings, log: Path) -> None:
    """What a platform step on Spark does for the mart: land, `dbt run` the mart and its
    parents on Spark (their data tests run on DuckDB and PostgreSQL), serve the marts."""
    landed = land_for_dbt(settings)
    env = {**os.environ, **settings.dbt_env(), **registration_env(landed)}
    run_dbt("dbt run", ["run", "--select", f"+{MART}"], env, log)
    expose_spark_tables(settings)


@pytest.fixture(scope="module")
def empty_then_filled(settings) -> tuple[list[str], int, Warehouse]:
    """The mart's served columns and rows without subscriptions, then the warehouse after a
    second run with the crafted store's."""
    warehouse = Warehouse(settings)
    log = settings.logs_dir / "spark-dbt.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    land(warehouse, subscriptions=[])
    _build_and_serve(settings, log)
    empty = warehouse.query(f"select * from marts.{MART}")
    land(warehouse)
    _build_and_serve(settings, log)
    return list(empty.columns), len(empty), warehouse


def test_a_store_without_subscriptions_is_served_an_empty_mart_with_its_columns(
    empty_then_filled,
):
    columns, rows, _ = empty_then_filled
    assert columns == ["tenant_id", "mrr_month", *MONEY, *COUNTS, *RATES]
    assert rows == 0


@pytest.mark.parametrize("tenant", sorted(TENANTS))
def test_the_next_run_with_subscriptions_gives_the_oracles_waterfall(empty_then_filled, tenant):
    _, _, warehouse = empty_then_filled
    assert_matches_the_oracle(built_mart(warehouse, tenant), tenant)
