"""Fixtures for provisioning tests: the fake Metabase, a copy of the specs, settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cerebro.serving.dashboards.spec import SPECS_DIR, load_dashboards
from cerebro.serving.metabase.settings import MetabaseSettings, WarehouseConnection
from tests.cerebro.serving.metabase.fake_metabase import FakeMetabase
from tests.cerebro.serving.metabase.provisioning_support import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    READER_PASSWORD,
    WAREHOUSE,
    make_context,
    spec_tables,
    tenant_logins,
)


@pytest.fixture
def specs_dir(tmp_path) -> Path:
    """A copy of the real specs that a test may edit."""
    target = tmp_path / "dashboards"
    shutil.copytree(SPECS_DIR, target)
    return target


@pytest.fixture
def dashboards(specs_dir):
    return load_dashboards(specs_dir)


@pytest.fixture
def context(dashboards):
    return make_context(dashboards)


@pytest.fixture
def fake(dashboards):
    """A fresh Metabase (no admin yet) that reaches the warehouse, which holds every mart the
    specs read."""
    server = FakeMetabase(
        warehouse_tables=tuple(sorted(spec_tables(dashboards))), warehouse=WAREHOUSE
    ).start()
    yield server
    server.stop()


@pytest.fixture
def settings(fake, tmp_path) -> MetabaseSettings:
    return MetabaseSettings(
        url=fake.url,
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        api_key_file=tmp_path / "secrets" / "metabase_api_key",
        warehouse=WarehouseConnection(
            host="postgres",
            port=5432,
            database="cerebro",
            user="metabase_reader",
            password=READER_PASSWORD,
        ),
        sync_timeout_seconds=10,
        tenant_logins=tenant_logins(),
    )
