"""The KPI functions against the raw-data oracle, on the small demo of every warehouse.

The demo itself is `demo_warehouses` from ``tests/conftest.py``: one session run of the
platform per warehouse, shared with every other test that needs it. Here each warehouse's raw
tables are read once per session and each tenant's data prepared once for the oracle.
"""

from __future__ import annotations

import datetime as dt

import pytest
from kpi_oracle import OracleDemo, load_oracle_demo
from kpi_oracle_reference import load_reference, tenant_timezones

WAREHOUSE_KINDS = ("duckdb", "postgres")
TENANTS = ("test_cl", "test_pe")
#: The demo's data ends on 2026-10-31 (local), after 180 days of history.
PERIODS = {
    "last_30_days": (dt.date(2026, 10, 2), dt.date(2026, 10, 31)),
    # Chile moves its clocks forward at 24:00 on the first Saturday of September (2026-09-05).
    "across_chile_dst_change": (dt.date(2026, 9, 1), dt.date(2026, 9, 15)),
    "across_a_month_boundary": (dt.date(2026, 7, 20), dt.date(2026, 8, 10)),
    # A single day, and the 23-hour day on which Chile's clocks jump.
    "single_day": (dt.date(2026, 9, 6), dt.date(2026, 9, 6)),
    "full_history": (dt.date(2026, 5, 1), dt.date(2026, 10, 31)),
    # Before the first order: every rate has a zero denominator (None, never 0).
    "before_any_data": (dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
}


@pytest.fixture(scope="session")
def oracle_demos(request) -> dict[str, OracleDemo]:
    """The demo on every warehouse, each one's raw tables loaded once for the oracle."""
    try:
        demo = request.getfixturevalue("demo_warehouses")
    except pytest.FixtureLookupError:
        pytest.skip("no `demo_warehouses` fixture in tests/conftest.py: nothing to compare")
    reference = load_reference()
    timezones = tenant_timezones(demo.tenants_file)
    return {run.kind: load_oracle_demo(run.warehouse, reference, timezones) for run in demo}


@pytest.fixture(scope="session", params=WAREHOUSE_KINDS)
def oracle_demo(request, oracle_demos) -> OracleDemo:
    """The demo on one warehouse (each test runs once per warehouse)."""
    return oracle_demos[request.param]


@pytest.fixture(params=TENANTS)
def tenant(request) -> str:
    return request.param


@pytest.fixture(params=list(PERIODS.values()), ids=list(PERIODS))
def period(request) -> tuple[dt.date, dt.date]:
    return request.param
