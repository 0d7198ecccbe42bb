"""The benchmarks start PostgreSQL with the settings docker-compose.yml ships (decision 0043)."""

from __future__ import annotations

import pytest
import yaml

from benchmarks.pg_settings import COMPOSE_FILE, shipped_postgres_settings
from tests.support.throwaway_postgres import PG_BINDIR, throwaway_postgres


def test_the_settings_are_the_compose_servers_options(tmp_path):
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(
        yaml.safe_dump(
            {
                "services": {
                    "postgres": {"command": ["postgres", "-c", "work_mem=64MB", "-c", "jit=off"]},
                    "other": {"command": ["postgres", "-c", "work_mem=1MB"]},
                }
            }
        )
    )
    assert shipped_postgres_settings(compose) == {"work_mem": "64MB", "jit": "off"}


def test_a_server_starts_with_the_shipped_settings_and_applies_them():
    """Every option docker-compose.yml gives is one PostgreSQL accepts, with its value."""
    if not (PG_BINDIR / "initdb").exists():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BINDIR}")
    shipped = shipped_postgres_settings(COMPOSE_FILE)
    assert shipped, "docker-compose.yml gives the postgres service no -c options"
    with throwaway_postgres(shipped) as server, server.connect() as connection:
        for name, value in shipped.items():
            (applied,) = connection.execute(f"show {name}").fetchone()
            assert applied == value, (name, applied, value)
