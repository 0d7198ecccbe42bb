"""Every mart of one platform run compared with another's, on another warehouse.

The reference is a DuckDB run of the same demo; the other side is the same run on PostgreSQL
(tests/platform/test_platform_on_postgres.py) or on Spark
(tests/platform/test_platform_on_spark.py). Numbers are compared as decimals to 1e-6, and
equal when they differ by at most that or by a billionth of their value: engines add floats
in different orders, which moves a sum of millions in its sixth decimal.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from cerebro.warehouse import Warehouse

AMOUNT_PRECISION = Decimal("1e-6")
RELATIVE_PRECISION = Decimal("1e-9")
#: Rows are put in the same order by their values with numbers rounded to this, so that two
#: sides whose sums differ in the last digits still pair the same rows.
SORT_PRECISION = Decimal("1e-3")
#: Marts about the run itself (run ids, times, how late each source is when measured, which
#: is when read on a view and when built on Spark): the same columns, not the same rows.
RUN_RECORDS = {"mart_pipeline_runs", "mart_pipeline_reliability_daily", "mart_source_lag"}
#: Marts of the budget optimizer's plans. SLSQP from several starts turns last-bit
#: differences of its float inputs (sums computed in another order by each warehouse) into
#: other points of a flat optimum: measured on Spark, 1e-16 differences in the customers'
#: predicted value moved a scenario's channel by 0.17 % of the tenant's largest amount in that
#: column, for the same expected change to 4e-6. So these are compared to 0.5 % of their
#: column's scale in the tenant (``assert_close_rows``).
#: Their sentences (and the insights quoting a plan) carry those numbers as text: compared
#: with the digits masked, the numbers themselves being compared in the numeric columns.
OPTIMIZER_PLANS = {
    "mart_budget_scenarios", "mart_budget_scenario_summaries", "mart_budget_recommendation",
    "mart_executive_insights",
}  # fmt: skip
PLAN_PRECISION = Decimal("5e-3")
_DIGITS = re.compile(r"\d")


def comparable(value):
    """Numbers as decimals to 1e-6 (ints, exact decimals and floats alike), the rest as is."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return value if math.isinf(value) else Decimal(value).quantize(AMOUNT_PRECISION)
    if isinstance(value, int | Decimal):
        return Decimal(value).quantize(AMOUNT_PRECISION)
    return value


def sorted_rows(warehouse: Warehouse, table: str, *, skip_prefix: str = "_sdc_") -> tuple:
    """Column names and sorted rows, straight from the DB-API (no pandas type guessing)."""
    with warehouse.connect(read_only=True) as connection:
        cursor = connection.cursor()
        cursor.execute(f"select * from {table}")
        names = [d[0] for d in cursor.description]
        kept = [i for i, name in enumerate(names) if not name.startswith(skip_prefix)]
        rows = [tuple(comparable(row[i]) for i in kept) for row in cursor.fetchall()]
    rows.sort(key=_sort_key)
    return [names[i] for i in kept], rows


def _sort_key(row: tuple) -> tuple:
    return tuple(
        (
            value is None,
            str(value.quantize(SORT_PRECISION) if isinstance(value, Decimal) else value),
        )
        for value in row
    )


def same_value(expected, got) -> bool:
    if isinstance(expected, Decimal) and isinstance(got, Decimal):
        return abs(expected - got) <= max(AMOUNT_PRECISION, abs(expected) * RELATIVE_PRECISION)
    return expected == got


def assert_same_rows(reference: tuple, other: tuple, table: str, other_name: str) -> None:
    (ref_names, ref_rows), (names, rows) = reference, other
    assert names == ref_names, table
    assert len(rows) == len(ref_rows), table
    differences = [
        f"{name}: duckdb {expected!r} != {other_name} {got!r}"
        for ref_row, row in zip(ref_rows, rows, strict=True)
        for name, expected, got in zip(ref_names, ref_row, row, strict=True)
        if not same_value(expected, got)
    ]
    assert not differences, f"{table}: {len(differences)} values differ, e.g.\n" + "\n".join(
        differences[:10]
    )


def assert_close_rows(reference: tuple, other: tuple, table: str) -> None:
    """Numbers to 0.5 % of their column's largest value in the tenant (a plan's amounts are
    judged against the budget, not against a small change within it), sentences with their
    digits masked."""
    (ref_names, ref_rows), (names, rows) = reference, other
    assert names == ref_names and len(rows) == len(ref_rows), table
    tenant = ref_names.index("tenant_id")
    scale: dict[tuple, Decimal] = {}
    for row in ref_rows:
        for name, value in zip(ref_names, row, strict=True):
            if isinstance(value, Decimal):
                key = (row[tenant], name)
                scale[key] = max(scale.get(key, Decimal(0)), abs(value))
    for ref_row, row in zip(ref_rows, rows, strict=True):
        for name, expected, got in zip(ref_names, ref_row, row, strict=True):
            if isinstance(expected, Decimal) and isinstance(got, Decimal):
                tolerance = PLAN_PRECISION * max(scale[ref_row[tenant], name], Decimal(1))
                assert abs(expected - got) <= tolerance, (table, name, expected, got)
            elif isinstance(expected, str) and isinstance(got, str):
                assert _DIGITS.sub("#", got) == _DIGITS.sub("#", expected), (table, name)
            else:
                assert expected == got, (table, name)


def mart_tables(warehouse: Warehouse) -> set[str]:
    query = "select table_name from information_schema.tables where table_schema = 'marts'"
    return set(warehouse.query(query)["table_name"])


def assert_every_mart_matches(reference: Warehouse, other: Warehouse, other_name: str) -> None:
    """Both runs built the same marts with the same rows (run records: the same columns)."""
    tables = mart_tables(reference)
    assert mart_tables(other) == tables
    for name in sorted(tables):
        sides = [sorted_rows(warehouse, f"marts.{name}") for warehouse in (reference, other)]
        if name in RUN_RECORDS:
            assert sides[0][0] == sides[1][0] and sides[0][1] and sides[1][1], name
            continue
        if name in OPTIMIZER_PLANS:
            assert_close_rows(*sides, f"marts.{name}")
            continue
        assert_same_rows(*sides, f"marts.{name}", other_name)
