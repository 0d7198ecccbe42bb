"""A private copy of the session's DuckDB demo warehouse for each test."""

from __future__ import annotations

import shutil

import pytest

from tests.dbt_project.incremental.partitioned_dbt import DbtOnCopy


@pytest.fixture
def dbt_on_copy(demo_duckdb, tmp_path) -> DbtOnCopy:
    database = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_duckdb.settings.duckdb_path, database)
    return DbtOnCopy(database=database, target_path=tmp_path / "target")
