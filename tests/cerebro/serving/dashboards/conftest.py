"""The dashboard specs and the session's demo warehouses (tests/conftest.py) they run on."""

from __future__ import annotations

import pytest

from cerebro.serving.dashboards.spec import load_dashboards

WAREHOUSE_KINDS = ("duckdb", "postgres")


@pytest.fixture(scope="session")
def dashboards():
    """Every spec under metabase/dashboards, by key."""
    return {dashboard.key: dashboard for dashboard in load_dashboards()}


@pytest.fixture(scope="session", params=WAREHOUSE_KINDS)
def demo_run(request):
    """The small demo platform run of one warehouse (each test runs once per warehouse; the
    session's `demo_duckdb` / `demo_postgres`, so `-k duckdb` needs no PostgreSQL run)."""
    return request.getfixturevalue(f"demo_{request.param}")
