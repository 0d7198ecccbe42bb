"""A private copy of the session's DuckDB demo warehouse for each test."""

from __future__ import annotations

import pytest

from tests.dbt_project.incremental.partitioned_dbt import PartitionedCopy


@pytest.fixture
def dbt_on_copy(dbt_project_parsed, demo_duckdb, tmp_path) -> PartitionedCopy:
    return PartitionedCopy.of(dbt_project_parsed, demo_duckdb.settings.duckdb_path, tmp_path)
