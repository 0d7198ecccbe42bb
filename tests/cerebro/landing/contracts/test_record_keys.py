"""The record key Python gives a raw row equals the one SQL computes from the same values
(the quarantine is written with the first and matched by dbt with the second), on DuckDB and
on PostgreSQL; dates are ISO text and a missing part leaves no key in either."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from cerebro.landing.contracts.keys import primary_keys_from_manifest, record_key, record_key_sql
from cerebro.settings import load_settings
from cerebro.warehouse import Warehouse

ROWS = [
    ("a-1", dt.date(2026, 1, 2), "Fiestas Patrias | 18"),
    ("gid://shopify/Order/42", dt.date(1999, 12, 31), "ñandú"),
    ("x", None, "y"),
]
SELECT = "select {key} as record_key from (values {values}) as raw(site, day, name) order by site"


def _values(placeholder: str) -> str:
    return ", ".join(f"({placeholder}, cast({placeholder} as date), {placeholder})" for _ in ROWS)


def _python_keys() -> list[str | None]:
    return [record_key(row) for row in sorted(ROWS)]


def test_duckdb_record_keys_equal_pythons():
    sql = SELECT.format(key=record_key_sql(["site", "day", "name"]), values=_values("?"))
    params = [part for row in ROWS for part in row]

    keys = [row[0] for row in duckdb.connect().execute(sql, params).fetchall()]

    assert keys == _python_keys()
    assert keys[0] == "a-1|2026-01-02|Fiestas Patrias | 18"


@pytest.mark.slow  # starts the session's PostgreSQL server
def test_postgres_record_keys_equal_pythons(postgres_server):
    database = postgres_server.create_database("record_keys")
    warehouse = Warehouse(load_settings(postgres_server.cerebro_environ(database)))
    sql = SELECT.format(key=record_key_sql(["site", "day", "name"]), values=_values("%s"))
    params = [None if part is None else str(part) for row in ROWS for part in row]
    with warehouse.connect() as connection:
        keys = [row[0] for row in connection.execute(sql, params)]

    assert keys == _python_keys()


def test_a_singer_source_without_primary_key_is_refused():
    manifest = {
        "sources": {
            "s": {"source_name": "shopify", "name": "orders", "meta": {"landed_by": "singer"}}
        }
    }
    with pytest.raises(ValueError, match=r"shopify\.orders .* no `config: meta: primary_key`"):
        primary_keys_from_manifest(manifest)
