"""`Warehouse` on PostgreSQL: bound parameters, table helpers, UTC sessions, and the Singer
target and dbt settings it hands out (secrets only where they must be)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy

from cerebro.settings import PostgresSettings, Settings, load_settings
from cerebro.warehouse import Warehouse


@pytest.fixture
def warehouse(postgres_server, tmp_path) -> Warehouse:
    """A warehouse on a fresh, empty database of the session's server."""
    settings = Settings(
        data_dir=tmp_path,
        tenants_file=tmp_path / "tenants.yml",
        warehouse="postgres",
        postgres=PostgresSettings(
            host=postgres_server.host,
            port=postgres_server.port,
            user=postgres_server.user,
            database=postgres_server.create_database("warehouse"),
        ),
    )
    return Warehouse(settings)


def test_query_binds_named_parameters_instead_of_formatting_them(warehouse):
    tricky = "O'Higgins'; drop table x; --"
    frame = warehouse.query(
        "select %(text)s as text, %(number)s::int + 1 as next", {"text": tricky, "number": 41}
    )
    assert frame.to_dict("records") == [{"text": tricky, "next": 42}]


def test_replace_table_creates_then_replaces_and_table_exists_sees_it(warehouse):
    assert not warehouse.table_exists("cerebro_config", "tenants")
    first = pd.DataFrame(
        {
            "tenant_id": ["a", "b"],
            "is_active": [True, False],
            "orders": [3, 4],
            "share": [0.25, None],
            "loaded_at": pd.to_datetime(["2026-01-01 03:00:00", "2026-07-01 23:30:00"]),
        }
    )
    warehouse.replace_table("cerebro_config", "tenants", first)
    assert warehouse.table_exists("cerebro_config", "tenants")
    back = warehouse.query(
        "select * from cerebro_config.tenants where orders >= %(least)s order by tenant_id",
        {"least": 0},
    )
    assert back["tenant_id"].tolist() == ["a", "b"]
    assert back["is_active"].tolist() == [True, False]
    assert back["orders"].tolist() == [3, 4]
    assert back["share"].iloc[0] == 0.25 and pd.isna(back["share"].iloc[1])
    assert [t.to_pydatetime() for t in back["loaded_at"]] == [
        dt.datetime(2026, 1, 1, 3),
        dt.datetime(2026, 7, 1, 23, 30),
    ]

    warehouse.replace_table("cerebro_config", "tenants", pd.DataFrame({"tenant_id": ["c"]}))
    assert warehouse.query("select * from cerebro_config.tenants").to_dict("records") == [
        {"tenant_id": "c"}
    ]


def test_replace_table_keeps_the_views_over_a_table_of_the_same_shape(warehouse):
    """dbt's staging views read the tables Cerebro writes (the tenants table, the ML outputs):
    a second write of the same columns replaces the rows under the view, which keeps working;
    a write of other columns replaces the table, and the view over the old shape goes with it
    (dbt's next step makes it again)."""
    first = pd.DataFrame({"tenant_id": ["a"], "orders": [1], "at": pd.to_datetime(["2026-01-01"])})
    warehouse.replace_table("cerebro_config", "tenants", first)
    warehouse.execute(
        ("create schema staging", None),
        ("create view staging.tenants as select * from cerebro_config.tenants", None),
    )
    second = pd.DataFrame(
        {"tenant_id": ["b", "c"], "orders": [2, 3], "at": pd.to_datetime(["2026-02-01"] * 2)}
    )
    warehouse.replace_table("cerebro_config", "tenants", second)
    assert warehouse.query("select tenant_id, orders from staging.tenants order by 1").to_dict(
        "records"
    ) == [{"tenant_id": "b", "orders": 2}, {"tenant_id": "c", "orders": 3}]

    warehouse.replace_table("cerebro_config", "tenants", pd.DataFrame({"tenant_id": ["d"]}))
    assert warehouse.query("select * from cerebro_config.tenants").to_dict("records") == [
        {"tenant_id": "d"}
    ]
    assert not warehouse.table_exists("staging", "tenants")


def test_replace_table_rejects_names_that_are_not_plain_identifiers(warehouse):
    with pytest.raises(ValueError, match="not a valid identifier"):
        warehouse.replace_table("raw", "x; drop table y", pd.DataFrame({"a": [1]}))


def test_sessions_are_utc_even_when_the_server_is_not(warehouse, postgres_server):
    with postgres_server.connect() as connection:
        (server_zone,) = connection.execute("show timezone").fetchone()
    (session_zone,) = warehouse.query("select current_setting('TimeZone') as zone")["zone"]
    assert server_zone != "UTC"
    assert session_zone == "UTC"


def test_singer_target_is_target_postgres_with_a_utc_session_url(warehouse, postgres_server):
    command, config = warehouse.singer_target("raw_shopify")
    assert command[0].endswith("target-postgres")
    assert config["default_target_schema"] == "raw_shopify"
    assert config["add_record_metadata"] is True
    # One URL carries the connection, so the password appears once, escaped.
    assert "password" not in config
    url = sqlalchemy.make_url(config["sqlalchemy_url"])
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.host, url.port, url.database) == (
        postgres_server.user,
        postgres_server.host,
        postgres_server.port,
        warehouse.settings.postgres.database,
    )
    assert url.password == postgres_server.password
    assert url.query["options"] == "-c TimeZone=UTC"


def test_dbt_gets_connection_and_utc_settings_but_the_password_stays_in_its_variable(tmp_path):
    environ = {
        "CEREBRO_DATA_DIR": str(tmp_path),
        "CEREBRO_WAREHOUSE": "postgres",
        "CEREBRO_PG_HOST": "db.internal",
        "CEREBRO_PG_PORT": "6543",
        "CEREBRO_PG_USER": "metabase",
        "CEREBRO_PG_DATABASE": "analytics",
        "CEREBRO_PG_PASSWORD": "not-copied",
    }
    env = load_settings(environ).dbt_env()
    assert env["CEREBRO_WAREHOUSE"] == "postgres"
    assert (env["CEREBRO_PG_HOST"], env["CEREBRO_PG_PORT"]) == ("db.internal", "6543")
    assert (env["CEREBRO_PG_USER"], env["CEREBRO_PG_DATABASE"]) == ("metabase", "analytics")
    assert env["PGTZ"] == "UTC"
    assert "not-copied" not in env.values()
    duckdb_env = load_settings({"CEREBRO_DATA_DIR": str(tmp_path)}).dbt_env()
    assert "PGTZ" not in duckdb_env
