"""Private copies of the session's DuckDB demo warehouse for the tests that change rows (the
session's warehouse is shared: never written)."""

from __future__ import annotations

import pytest

from tests.support.dbt_in_process import WarehouseCopy


@pytest.fixture
def warehouse_copy(dbt_project_parsed, demo_duckdb, tmp_path) -> WarehouseCopy:
    return WarehouseCopy.of(dbt_project_parsed, demo_duckdb.settings.duckdb_path, tmp_path)
