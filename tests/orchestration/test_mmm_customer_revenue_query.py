"""The budget brain's first-days revenue per channel (orchestration/mmm_assets.py) counts the
same orders on DuckDB and on PostgreSQL: valid orders on the signup's day and the 13 after,
for customers whose 14 days are all in the data."""

from __future__ import annotations

import re

import duckdb

from orchestration.mmm_assets import QUERIES

TABLES = (
    "create schema marts",
    "create table marts.dim_customers (tenant_id text, customer_id text, "
    "acquisition_channel text, signup_date date)",
    "create table marts.fct_orders (tenant_id text, customer_id text, is_valid boolean, "
    "created_date date, total_amount decimal(18, 2))",
    "insert into marts.dim_customers values ('t', 'a', 'Meta Ads', '2026-01-01'), "
    "('t', 'b', 'Meta Ads', '2026-01-10'), ('t', 'c', 'Google Ads', '2026-01-25'), "
    "('u', 'a', 'Meta Ads', '2026-01-01')",
    # a: day 0 and day 13 count, day 14 and day 29 do not; b: the invalid order does not;
    # c signed up less than 14 days before the last order: left out; tenant u is not asked.
    "insert into marts.fct_orders values ('t', 'a', true, '2026-01-01', 100), "
    "('t', 'a', true, '2026-01-14', 50), ('t', 'a', true, '2026-01-15', 999), "
    "('t', 'b', false, '2026-01-11', 7), ('t', 'b', true, '2026-01-12', 30), "
    "('t', 'c', true, '2026-01-26', 5), ('t', 'a', true, '2026-01-30', 1), "
    "('u', 'a', true, '2026-01-02', 500)",
)
EXPECTED = [("Meta Ads", 2, 180.0)]


def _plain(rows) -> list[tuple]:
    return sorted((channel, int(n), float(amount)) for channel, n, amount in rows)


def test_duckdb_counts_the_first_days_orders():
    connection = duckdb.connect()
    for statement in TABLES:
        connection.execute(statement)
    sql = re.sub(r"%\((\w+)\)s", r"$\1", QUERIES["customer_revenue"])
    assert _plain(connection.execute(sql, {"tenant_id": "t"}).fetchall()) == EXPECTED


def test_postgres_counts_the_same_orders(postgres_server):
    database = postgres_server.create_database("customer_revenue")
    with postgres_server.connect(database, autocommit=True) as connection:
        for statement in TABLES:
            connection.execute(statement)
        rows = connection.execute(QUERIES["customer_revenue"], {"tenant_id": "t"}).fetchall()
    assert _plain(rows) == EXPECTED
