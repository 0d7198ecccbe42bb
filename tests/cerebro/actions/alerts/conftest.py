"""Fixtures for the alert tests: the crafted marts in a DuckDB file (built once, copied per
test), alerts files written per test, a local webhook receiver (pytest-httpserver's
``httpserver``) and a local SMTP server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from cerebro.actions.alerts import load_alerts_config
from cerebro.settings import Settings
from cerebro.warehouse import Warehouse
from tests.cerebro.actions.alerts.alert_helpers import (
    SMTP_PASSWORD,
    WEBHOOK_ENV,
    WEBHOOK_PATH,
    Mailbox,
    free_port,
    start_smtp,
)
from tests.cerebro.actions.alerts.crafted_marts import TENANTS, duckdb_warehouse


@pytest.fixture(scope="session")
def crafted_file(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("alerts_marts")
    return Path(duckdb_warehouse(directory).location)


@pytest.fixture
def warehouse(crafted_file, tmp_path) -> Warehouse:
    """A private copy of the crafted marts (tests write ops tables and replace marts)."""
    path = tmp_path / "alerts.duckdb"
    shutil.copy(crafted_file, path)
    tenants_file = tmp_path / "tenants.yml"
    shutil.copy(crafted_file.parent / "tenants.yml", tenants_file)
    return Warehouse(Settings(data_dir=tmp_path, tenants_file=tenants_file, duckdb_path=path))


@pytest.fixture
def write_config(tmp_path):
    """Write an alerts document to ``alerts.yml`` and load it (the crafted tenant ids)."""

    def write(document: dict):
        path = tmp_path / "alerts.yml"
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        return load_alerts_config(path, tenant_ids=[t.tenant_id for t in TENANTS])

    return write


@pytest.fixture
def webhook_environ(httpserver) -> dict[str, str]:
    return {WEBHOOK_ENV: httpserver.url_for(WEBHOOK_PATH)}


@pytest.fixture
def smtp_password(monkeypatch) -> str:
    """SmtpSettings reads the password from the process environment when it sends."""
    monkeypatch.setenv("CEREBRO_SMTP_PASSWORD", SMTP_PASSWORD)
    return SMTP_PASSWORD


@pytest.fixture
def mailbox(smtp_password) -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = start_smtp(box)
    try:
        yield box
    finally:
        controller.stop()
