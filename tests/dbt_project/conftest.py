"""The dbt project parsed once per session (per xdist worker), for the folders' tests that
run dbt on copies of the demo warehouse."""

from __future__ import annotations

import pytest

from tests.support.dbt_in_process import ParsedProject, parsed_project


@pytest.fixture(scope="session")
def dbt_project_parsed() -> ParsedProject:
    return parsed_project("duckdb")
