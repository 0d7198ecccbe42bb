"""The hourly run's dbt step (selector hourly_operations, decision 0034) on a copy of the demo
warehouse: orders landed this hour appear in today's operational marts at their hour and
comuna, and the daily models are left exactly as the daily run wrote them."""

from __future__ import annotations

import datetime as dt

import duckdb
from partitioned_dbt import DEMO_LAST_DAY, table_differences

from orchestration.partitions import PartitionWindow

TENANT = "test_cl"
TODAY = DEMO_LAST_DAY + dt.timedelta(days=1)
#: 10:20 on 1 November in Santiago (UTC-3): the hour of the new orders is 10.
CREATED_AT = dt.datetime(2026, 11, 1, 13, 20)
#: Daily models (revenue per customer and day, acquisition, RFM): the hourly run reads none of
#: them, so none may change.
DAILY_MODELS = (
    "marts.mart_customer_orders_daily",
    "marts.mart_acquisition_daily",
    "marts.mart_rfm_customers",
    "marts.dim_customers",
)


def _copy_rows(connection, table: str, key: str, template: str, updates: dict) -> None:
    """Copy the template order's rows of ``table`` (keyed by ``key``), changed by ``updates``;
    a key of their own, ``<new order>-<old key>``, for rows of their own (transactions)."""
    connection.execute(
        f"create or replace temp table copied as select * from {table}"
        " where tenant_id = ? and order_id = ?",
        [TENANT, template],
    )
    assignments = ", ".join(f"{column} = ?" for column in updates)
    connection.execute(f"update copied set {assignments}", list(updates.values()))
    if key != "order_id":
        connection.execute(f"update copied set {key} = order_id || '-' || {key}")
    connection.execute(f"insert into {table} select * from copied")


def _land_new_orders(database) -> str:
    """Two orders of the hour as the Shopify target writes them, copied from a paid, valid order
    of the tenant (its customer, address, lines and payments): one valid, one cancelled.
    Returns their comuna."""
    with duckdb.connect(str(database)) as connection:
        template = connection.execute(
            # Without refunds: the copies carry no refund rows to reconcile with.
            "select order_id from marts.fct_orders where tenant_id = ? and is_valid"
            " and order_id not in (select order_id from raw_shopify.refunds)"
            " order by order_id limit 1",
            [TENANT],
        ).fetchone()[0]
        for order_id, cancelled in (("hourly-1", None), ("hourly-2", CREATED_AT)):
            times = {"created_at": CREATED_AT, "_sdc_batched_at": CREATED_AT}
            _copy_rows(
                connection, "raw_shopify.orders", "order_id", template,
                {"order_id": order_id, "processed_at": CREATED_AT, "updated_at": CREATED_AT,
                 "cancelled_at": cancelled, "closed_at": None, **times},
            )  # fmt: skip
            # Its lines too: the reconciliation of order totals with lines runs in the build.
            _copy_rows(
                connection, "raw_shopify.order_lines", "order_line_id", template,
                {"order_id": order_id, "order_updated_at": CREATED_AT,
                 "_sdc_batched_at": CREATED_AT},
            )  # fmt: skip
            _copy_rows(
                connection, "raw_shopify.transactions", "transaction_id", template,
                {"order_id": order_id, "order_updated_at": CREATED_AT,
                 "processed_at": CREATED_AT, **times},
            )  # fmt: skip
        return connection.execute(
            "select comuna from marts.fct_orders where tenant_id = ? and order_id = ?",
            [TENANT, template],
        ).fetchone()[0]


def test_an_hourly_run_shows_the_hours_orders_and_leaves_daily_models_alone(dbt_on_copy, tmp_path):
    before = tmp_path / "before.duckdb"
    before.write_bytes(dbt_on_copy.database.read_bytes())
    comuna = _land_new_orders(dbt_on_copy.database)
    window = PartitionWindow((TENANT,), TODAY, TODAY)
    dbt_on_copy.invoke(
        "build", "--selector", "hourly_operations", "--exclude-resource-type", "unit_test",
        env=window.dbt_env(),
    )  # fmt: skip

    with duckdb.connect(str(dbt_on_copy.database), read_only=True) as connection:
        hour = connection.execute(
            "select sum(orders_created), sum(cancelled_orders), sum(valid_orders)"
            " from marts.mart_orders_daily"
            " where tenant_id = ? and created_date = ? and created_hour = 10 and comuna = ?",
            [TENANT, TODAY, comuna],
        ).fetchone()
        other_days = connection.execute(
            "select count(*) from marts.mart_orders_daily where tenant_id = ? and created_date = ?"
            " and created_hour <> 10",
            [TENANT, TODAY],
        ).fetchone()[0]
    assert tuple(int(value) for value in hour) == (2, 1, 1)
    assert other_days == 0
    assert table_differences(before, dbt_on_copy.database, DAILY_MODELS) == {}
