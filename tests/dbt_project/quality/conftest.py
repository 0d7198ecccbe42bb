"""The dbt project parsed once per session, and private copies of the session's DuckDB demo
warehouse for the tests that change rows (the session's warehouse is shared: never written)."""

from __future__ import annotations

import pytest

from tests.dbt_project.quality.dbt_in_process import ParsedProject, WarehouseCopy, parse_project


@pytest.fixture(scope="session")
def dbt_project_parsed(tmp_path_factory) -> ParsedProject:
    return parse_project(tmp_path_factory.mktemp("dbt_parsed"))


@pytest.fixture
def warehouse_copy(dbt_project_parsed, demo_duckdb, tmp_path) -> WarehouseCopy:
    return WarehouseCopy.of(dbt_project_parsed, demo_duckdb.settings.duckdb_path, tmp_path)
