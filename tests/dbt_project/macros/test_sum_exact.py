"""sum_exact (dbt_project/macros/sum_exact.sql): a sum of doubles that does not depend on the
order the rows arrive in, on DuckDB and PostgreSQL. The macro is rendered with Jinja, the engine
dbt uses (it needs nothing from dbt's context).

Oracle: the values' exact sum (Python's ``math.fsum``), and the plain ``sum`` of the same
values, which does change with the order: without that the test would prove nothing.
"""

from __future__ import annotations

import math
import random

import duckdb
import pytest

from tests.support.portable_macros import macro_module

#: Predicted values of very different sizes: their float sum depends on the order.
VALUES = [1e12 / 3, 0.1, -7.7e-3, 2.0 / 3, 123456.789, 1e-7, 9.99e8, 0.3] * 25
ORDERS = 12


def render(expression: str, **arguments) -> str:
    return str(macro_module("sum_exact.sql").sum_exact(expression, **arguments))


def _shuffled(seed: int) -> list[float]:
    values = list(VALUES)
    random.Random(seed).shuffle(values)
    return values


def _sums(connection, sql: str, table_sql: str, execute) -> set[float]:
    """The query's single value over the VALUES table filled in ORDERS different orders."""
    results = set()
    for seed in range(ORDERS):
        execute(connection, table_sql, _shuffled(seed))
        results.add(execute(connection, sql, None))
    return results


def _duckdb_execute(connection, sql, values):
    if values is None:
        return connection.execute(sql).fetchone()[0]
    connection.execute("create or replace table v as select unnest(?) as x", [values])
    return None


def _postgres_execute(connection, sql, values):
    with connection.cursor() as cursor:
        if values is None:
            cursor.execute(sql)
            return cursor.fetchone()[0]
        cursor.execute("drop table if exists v; create table v (x double precision)")
        cursor.executemany("insert into v values (%s)", [(x,) for x in values])
    return None


@pytest.fixture
def duckdb_connection():
    with duckdb.connect() as connection:
        connection.execute("set threads = 1")  # row order is the table's
        yield connection


@pytest.fixture
def postgres_connection(postgres_server):
    database = postgres_server.create_database("sum_exact")
    with postgres_server.connect(database, autocommit=True) as connection:
        yield connection


@pytest.mark.parametrize("warehouse", ["duckdb", "postgres"])
def test_the_sum_is_the_same_in_every_order_and_the_plain_sum_is_not(request, warehouse):
    connection = request.getfixturevalue(f"{warehouse}_connection")
    execute = _duckdb_execute if warehouse == "duckdb" else _postgres_execute
    exact = math.fsum(VALUES)

    plain = _sums(connection, "select sum(x) from v", "", execute)
    ours = _sums(connection, f"select {render('x')} from v", "", execute)

    assert len(plain) > 1, "the plain sum did not change with the order: a weak oracle"
    assert len(ours) == 1
    # Each value is rounded before the exact sum: to 9 decimals, and on PostgreSQL also to the
    # 15 significant digits its cast from double to numeric keeps.
    assert ours.pop() == pytest.approx(exact, rel=1e-14)


def test_the_window_form_sums_per_partition(duckdb_connection):
    duckdb_connection.execute(
        "create table w as select * from (values ('a', 0.1), ('a', 0.2), ('b', 1e12 / 3)) "
        "as t(k, x)"
    )
    rows = duckdb_connection.execute(
        f"select k, {render('x', over='partition by k')} from w order by k, x"
    ).fetchall()
    # 0.1 + 0.2 is 0.30000000000000004 in doubles; rounded to 9 decimals first, 0.3.
    assert rows == [("a", 0.3), ("a", 0.3), ("b", pytest.approx(1e12 / 3, rel=1e-15))]
