"""Connection failures `Warehouse.connect` turns into one line saying what to do, on a real
PostgreSQL server (the catalogue, tests/platform/bad_inputs, covers a refused port, an unknown
host and DuckDB files held by another process or not DuckDB at all)."""

from __future__ import annotations

import pytest

from cerebro.settings import PostgresSettings, Settings
from cerebro.warehouse import Warehouse, WarehouseUnreachableError


def _warehouse(server, tmp_path, database: str) -> Warehouse:
    return Warehouse(
        Settings(
            data_dir=tmp_path,
            tenants_file=tmp_path / "tenants.yml",
            warehouse="postgres",
            postgres=PostgresSettings(
                host=server.host, port=server.port, user=server.user, database=database
            ),
        )
    )


def test_a_missing_database_is_named_with_what_to_do(postgres_server, tmp_path):
    warehouse = _warehouse(postgres_server, tmp_path, "no_such_db")
    with pytest.raises(WarehouseUnreachableError) as error, warehouse.connect():
        pass
    message = str(error.value)
    assert message == (
        f"cannot connect to the warehouse at {warehouse.location} "
        '(database "no_such_db" does not exist): create it or check CEREBRO_PG_*'
    )


def test_a_wrong_password_names_the_variable_and_never_the_password(
    postgres_server, tmp_path, monkeypatch
):
    wrong = "pg-WRONG-3f9a"
    monkeypatch.setenv("CEREBRO_PG_PASSWORD", wrong)
    warehouse = _warehouse(postgres_server, tmp_path, postgres_server.create_database("errs"))
    with pytest.raises(WarehouseUnreachableError) as error, warehouse.connect():
        pass
    message = str(error.value)
    assert message.startswith(f"cannot connect to the warehouse at {warehouse.location} ")
    assert message.endswith(
        f'(password authentication failed for user "{postgres_server.user}"): '
        "check CEREBRO_PG_PASSWORD"
    )
    assert wrong not in message and "\n" not in message
