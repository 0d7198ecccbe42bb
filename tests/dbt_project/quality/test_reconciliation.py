"""The reconciliation tests (dbt_project/tests/assert_*) pass on the demo warehouse and each
fails, naming the broken tenant, order or table, once a row of a copy of it is corrupted the
way a bug would: an order line written twice, an order total changed, a checkout and an ad
spend row lost between staging and the facts."""

from __future__ import annotations

import duckdb

#: dbt test name -> the columns that identify a failure (what the test names when it fails).
RECONCILIATIONS = {
    "assert_order_totals_reconcile_with_lines": ("tenant_id", "order_id"),
    "assert_revenue_reconciles_with_staging": ("tenant_id", "measure"),
    "assert_shopify_rows_preserved_from_staging": ("tenant_id", "table_name"),
    "assert_ad_spend_rows_preserved_from_staging": ("tenant_id", "platform"),
}
#: The grain test of fct_order_lines, which a duplicated line breaks too.
LINE_GRAIN = "fct_order_lines,test_name:unique_combination_of_columns"


def _test_results(copy) -> dict[str, dict]:
    return {result["unique_id"].split(".")[2]: result for result in copy.node_results()}


def _run_tests(copy) -> dict[str, dict]:
    copy.dbt("test", "--store-failures", "--select", *RECONCILIATIONS, LINE_GRAIN)
    results = _test_results(copy)
    assert set(RECONCILIATIONS) <= set(results), results.keys()
    assert len(results) == len(RECONCILIATIONS) + 1, results.keys()
    return results


def _corrupt(connection) -> dict[str, object]:
    """One corruption per protection, each in a place of its own; returns what was broken."""
    (line_order, line_id) = connection.execute(
        "select order_id, order_line_id from marts.fct_order_lines "
        "where tenant_id = 'test_cl' order by order_line_id limit 1"
    ).fetchone()
    connection.execute(
        "insert into marts.fct_order_lines select * from marts.fct_order_lines "
        "where tenant_id = 'test_cl' and order_line_id = ?",
        [line_id],
    )
    (changed_order,) = connection.execute(
        "select min(order_id) from marts.fct_orders where tenant_id = 'test_pe'"
    ).fetchone()
    connection.execute(
        "update marts.fct_orders set total_amount = total_amount + 10 "
        "where tenant_id = 'test_pe' and order_id = ?",
        [changed_order],
    )
    connection.execute(
        "delete from marts.fct_checkouts where tenant_id = 'test_cl' and checkout_id = "
        "(select min(checkout_id) from marts.fct_checkouts where tenant_id = 'test_cl')"
    )
    connection.execute(
        "delete from marts.fct_ad_spend_daily where tenant_id = 'test_pe' and platform = "
        "'meta_ads' and spend_date = (select min(spend_date) from marts.fct_ad_spend_daily "
        "where tenant_id = 'test_pe' and platform = 'meta_ads')"
    )
    return {"line_order": line_order, "line_id": line_id, "changed_order": changed_order}


def _failures(connection, result: dict, columns: tuple[str, ...]) -> set[tuple]:
    """The rows the failed test stored (--store-failures), as tuples of ``columns``."""
    rows = connection.execute(
        f"select distinct {', '.join(columns)} from {result['relation_name']}"
    ).fetchall()
    return set(rows)


def test_reconciliations_pass_on_the_demo_and_name_the_corrupted_rows(warehouse_copy):
    clean = _run_tests(warehouse_copy)
    assert {name: r["status"] for name, r in clean.items()} == dict.fromkeys(clean, "pass")

    with duckdb.connect(str(warehouse_copy.database)) as connection:
        broken = _corrupt(connection)
    results = _run_tests(warehouse_copy)
    assert {name: r["status"] for name, r in results.items()} == dict.fromkeys(results, "fail")

    with duckdb.connect(str(warehouse_copy.database), read_only=True) as connection:
        found = {
            name: _failures(connection, results[name], columns)
            for name, columns in RECONCILIATIONS.items()
        }
        (grain,) = (r for name, r in results.items() if name not in RECONCILIATIONS)
        duplicated = _failures(connection, grain, ("tenant_id", "order_line_id"))
    assert found == {
        "assert_order_totals_reconcile_with_lines": {
            ("test_cl", broken["line_order"]),
            ("test_pe", broken["changed_order"]),
        },
        "assert_revenue_reconciles_with_staging": {
            ("test_cl", "order_line_amount"),
            ("test_pe", "order_total_amount"),
        },
        "assert_shopify_rows_preserved_from_staging": {
            ("test_cl", "order_lines"),
            ("test_cl", "checkouts"),
        },
        "assert_ad_spend_rows_preserved_from_staging": {("test_pe", "meta_ads")},
    }
    assert duplicated == {("test_cl", broken["line_id"])}
