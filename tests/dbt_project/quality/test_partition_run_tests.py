"""A partition run's data tests read its window (decisions 0015 and 0016): a fault inside the
window fails the run that wrote it, a fault in older history is left to the full build, which
still finds it. Covered: a generic test of a staging view (its `partition_timestamp_column`, or
the `partition_date_column` of a view of daily figures) and the reconciliations
(tests/assert_*), which compare the window's staged and fact rows."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from orchestration.partitions import PartitionWindow

#: The demo of tests/conftest.py ends on this day, for both tenants.
LAST_DAY = dt.date(2026, 10, 31)
#: The last day's partition run; with the 30-day lookback it re-reads 2026-10-01 onwards.
WINDOW = PartitionWindow(("test_cl", "test_pe"), LAST_DAY, LAST_DAY).dbt_env()
INSIDE_FROM = dt.datetime(2026, 10, 10)  # well inside the window, whatever the timezone
OUTSIDE_BEFORE = dt.datetime(2026, 8, 1)  # well before it

CHECKOUT_GRAIN = "stg_shopify__checkouts,test_name:unique_combination_of_columns"
SEARCH_GRAIN = "stg_search_console__performance_by_query,test_name:unique_combination_of_columns"
RECONCILIATIONS = (
    "assert_order_totals_reconcile_with_lines",
    "assert_revenue_reconciles_with_staging",
    "assert_shopify_rows_preserved_from_staging",
)


def _statuses(copy, *selection: str, env=None) -> dict[str, str]:
    """dbt test on the selection (failures stored); test name -> status."""
    copy.dbt("test", "--store-failures", "--select", *selection, env=env)
    results = copy.node_results()
    return {result["unique_id"].split(".")[2]: result["status"] for result in results}


def _failing_orders(copy) -> set[tuple]:
    """(tenant, order) rows the last run of the order totals reconciliation stored."""
    (result,) = (
        r
        for r in copy.node_results()
        if r["unique_id"].split(".")[2] == "assert_order_totals_reconcile_with_lines"
    )
    with duckdb.connect(str(copy.database), read_only=True) as connection:
        return set(
            connection.execute(
                f"select tenant_id, order_id from {result['relation_name']}"
            ).fetchall()
        )


def _one(connection, sql: str, parameters: list) -> str:
    row = connection.execute(sql, parameters).fetchone()
    assert row is not None and row[0] is not None, (sql, parameters)
    return row[0]


def _duplicate_raw_checkout(connection, tenant_id: str, *, inside: bool) -> None:
    """Land one checkout twice: what a target that lost its upsert would do."""
    condition = "created_at >= ?" if inside else "created_at < ?"
    checkout_id = _one(
        connection,
        f"select min(checkout_id) from raw_shopify.checkouts where tenant_id = ? and {condition}",
        [tenant_id, INSIDE_FROM if inside else OUTSIDE_BEFORE],
    )
    connection.execute(
        "insert into raw_shopify.checkouts select * from raw_shopify.checkouts "
        "where tenant_id = ? and checkout_id = ?",
        [tenant_id, checkout_id],
    )


def _duplicate_raw_search_row(connection, tenant_id: str, *, inside: bool) -> None:
    """Land one day's figures for a query twice, inside the window or well before it."""
    condition = "cast(date as date) >= ?" if inside else "cast(date as date) < ?"
    landed = connection.execute(
        "insert into raw_search_console.performance_by_query"
        " select * from raw_search_console.performance_by_query"
        f" where tenant_id = ? and {condition} order by date, query, site_url, search_type limit 1",
        [tenant_id, (INSIDE_FROM if inside else OUTSIDE_BEFORE).date()],
    ).fetchone()[0]
    assert landed == 1


def _corrupt_order_total(connection, tenant_id: str, *, inside: bool) -> str:
    """Change one fact order's total: what a bug in fct_orders would do."""
    condition = "created_date >= ?" if inside else "created_date < ?"
    order_id = _one(
        connection,
        f"select min(order_id) from marts.fct_orders where tenant_id = ? and {condition}",
        [tenant_id, (INSIDE_FROM if inside else OUTSIDE_BEFORE).date()],
    )
    connection.execute(
        "update marts.fct_orders set total_amount = total_amount + 10 "
        "where tenant_id = ? and order_id = ?",
        [tenant_id, order_id],
    )
    return order_id


#: A staging view's grain test and how to land one of its rows twice: the checkouts (their
#: UTC `partition_timestamp_column`) and Search Console's queries (the day of daily figures,
#: their `partition_date_column`).
GRAIN_TESTS = {
    "timestamp": (CHECKOUT_GRAIN, _duplicate_raw_checkout),
    "day": (SEARCH_GRAIN, _duplicate_raw_search_row),
}


@pytest.mark.parametrize("inside", [False, True], ids=["older_history", "inside_window"])
@pytest.mark.parametrize("dated_by", sorted(GRAIN_TESTS))
def test_a_staging_grain_test_reads_the_window_of_its_time_column(warehouse_copy, dated_by, inside):
    selection, duplicate_a_raw_row = GRAIN_TESTS[dated_by]
    assert set(_statuses(warehouse_copy, selection, env=WINDOW).values()) == {"pass"}
    with duckdb.connect(str(warehouse_copy.database)) as connection:
        duplicate_a_raw_row(connection, "test_cl", inside=inside)

    in_partition_run = _statuses(warehouse_copy, selection, env=WINDOW)
    in_full_build = _statuses(warehouse_copy, selection)
    assert set(in_partition_run.values()) == {"fail" if inside else "pass"}
    assert set(in_full_build.values()) == {"fail"}


def test_reconciliations_in_a_partition_run_check_the_window_only(warehouse_copy):
    with duckdb.connect(str(warehouse_copy.database)) as connection:
        outside_order = _corrupt_order_total(connection, "test_cl", inside=False)
        inside_order = _corrupt_order_total(connection, "test_pe", inside=True)
        checkout_id = _one(
            connection,
            "select min(checkout_id) from marts.fct_checkouts "
            "where tenant_id = 'test_cl' and created_date < ?",
            [OUTSIDE_BEFORE.date()],
        )
        connection.execute(
            "delete from marts.fct_checkouts where tenant_id = 'test_cl' and checkout_id = ?",
            [checkout_id],
        )

    assert _statuses(warehouse_copy, *RECONCILIATIONS, env=WINDOW) == {
        "assert_order_totals_reconcile_with_lines": "fail",
        "assert_revenue_reconciles_with_staging": "fail",
        # The lost checkout is older than the window.
        "assert_shopify_rows_preserved_from_staging": "pass",
    }
    assert _failing_orders(warehouse_copy) == {("test_pe", inside_order)}

    assert set(_statuses(warehouse_copy, *RECONCILIATIONS).values()) == {"fail"}
    assert _failing_orders(warehouse_copy) == {
        ("test_cl", outside_order),
        ("test_pe", inside_order),
    }
