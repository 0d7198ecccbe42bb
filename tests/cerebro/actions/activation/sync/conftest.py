"""A crafted DuckDB warehouse per test and a tenant whose ``klaviyo`` destination the tests
replace with the in-memory ``FakeList``."""

from __future__ import annotations

import pytest

from cerebro.settings import Settings
from cerebro.tenants import DestinationConfig, Tenant
from cerebro.warehouse import Warehouse
from tests.cerebro.actions.activation.sync.activation_crafted_marts import TENANT


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    """An empty DuckDB warehouse of the test's own."""
    return Warehouse(
        Settings(
            data_dir=tmp_path,
            tenants_file=tmp_path / "tenants.yml",
            duckdb_path=tmp_path / "cerebro.duckdb",
        )
    )


@pytest.fixture
def tenant() -> Tenant:
    return Tenant(
        TENANT, "Tienda", "America/Santiago", "CLP", "CL", sources={},
        destinations={"klaviyo": DestinationConfig("klaviyo", secrets={"api_key": "FAKE_KEY"})},
    )  # fmt: skip
