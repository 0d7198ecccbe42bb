"""The KPI functions against the raw-data oracle, on the small demo of every warehouse.

The demo itself is `demo_duckdb` / `demo_postgres` from ``tests/conftest.py``: one session run
of the platform per warehouse, shared with every other test that needs it. Here each warehouse's raw
tables are read once per session and each tenant's data prepared once for the oracle.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cerebro.serving.kpis.kpi_oracle import OracleDemo, load_oracle_demo
from tests.cerebro.serving.kpis.kpi_oracle_reference import load_reference, tenant_timezones
from tests.support.demo_platform import DEMO_TENANTS

WAREHOUSE_KINDS = ("duckdb", "postgres")
TENANTS = DEMO_TENANTS
#: The demo's data ends on 2026-10-31 (local), after 365 days of history (from 2025-11-01).
PERIODS = {
    "last_30_days": (dt.date(2026, 10, 2), dt.date(2026, 10, 31)),
    # Chile moves its clocks forward at 24:00 on the first Saturday of September (2026-09-05).
    "across_chile_dst_change": (dt.date(2026, 9, 1), dt.date(2026, 9, 15)),
    "across_a_month_boundary": (dt.date(2026, 7, 20), dt.date(2026, 8, 10)),
    # A single day, and the 23-hour day on which Chile's clocks jump.
    "single_day": (dt.date(2026, 9, 6), dt.date(2026, 9, 6)),
    "full_history": (dt.date(2025, 11, 1), dt.date(2026, 10, 31)),
    # Before the first order: every rate has a zero denominator (None, never 0).
    "before_any_data": (dt.date(2025, 9, 1), dt.date(2025, 9, 30)),
}


class OracleDemos:
    """The demo of each warehouse, each one's raw tables loaded once for the oracle when first
    asked for, so DuckDB-only tests never start the PostgreSQL run."""

    def __init__(self, request):
        self._request = request
        self._loaded: dict[str, OracleDemo] = {}

    def __getitem__(self, kind: str) -> OracleDemo:
        if kind not in self._loaded:
            run = self._request.getfixturevalue(f"demo_{kind}")
            tenants_file = self._request.getfixturevalue("demo_root") / "tenants.yml"
            self._loaded[kind] = load_oracle_demo(
                run.warehouse, load_reference(), tenant_timezones(tenants_file)
            )
        return self._loaded[kind]


@pytest.fixture(scope="session")
def oracle_demos(request) -> OracleDemos:
    """The demo on every warehouse, loaded on first use (see OracleDemos)."""
    return OracleDemos(request)


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
