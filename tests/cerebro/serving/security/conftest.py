"""Fixtures of the security tests: the crafted warehouse (tenant_marts.py) in a database of the
session's PostgreSQL server, built by a non-superuser owner as dbt's role is in production,
and tenant roles made through Cerebro's API. No dbt build.

A database costs a few tenths of a second, so tests that only read share one per module
(``shared_*``); tests that change the warehouse get their own (``tenant_warehouse``)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from psycopg import sql

from cerebro.serving.security import create_tenant_role
from cerebro.settings import PostgresSettings, Settings
from cerebro.warehouse import Warehouse
from tests.cerebro.serving.security.tenant_marts import CL, PE, Role, TenantWarehouse, build_marts

OWNER_PASSWORD_ENV = "CEREBRO_TEST_OWNER_PASSWORD"


@pytest.fixture(scope="session")
def warehouse_owner(postgres_server) -> Role:
    """Owns the warehouse databases and builds their tables: CREATEROLE, not superuser (what
    compose's `cerebro` role is after `ALTER ROLE cerebro CREATEROLE`). One per session: the
    tenant group role is cluster-wide, and on PostgreSQL 16+ only its creator may grant it."""
    owner = Role(f"owner_{secrets.token_hex(3)}", secrets.token_urlsafe(18))
    with postgres_server.connect(autocommit=True) as connection:
        connection.execute(
            sql.SQL("create role {} login createrole password {}").format(
                sql.Identifier(owner.name), sql.Literal(owner.password)
            )
        )
    return owner


def _crafted_warehouse(server, owner: Role, data_dir: Path) -> TenantWarehouse:
    database = server.create_database("tenants")
    with server.connect(autocommit=True) as connection:
        connection.execute(
            sql.SQL("alter database {} owner to {}").format(
                sql.Identifier(database), sql.Identifier(owner.name)
            )
        )
    settings = Settings(
        data_dir=data_dir,
        tenants_file=data_dir / "tenants.yml",
        warehouse="postgres",
        postgres=PostgresSettings(
            host=server.host,
            port=server.port,
            user=owner.name,
            database=database,
            password_env_var=OWNER_PASSWORD_ENV,
        ),
    )
    crafted = TenantWarehouse(server, database, owner, Warehouse(settings))
    with crafted.as_owner() as connection:
        build_marts(connection)
    return crafted


def _tenant_role(crafted: TenantWarehouse, monkeypatch, tenant_id: str, prefix: str) -> Role:
    """A tenant role with a unique name (roles are cluster-wide), through Cerebro's API."""
    role = Role(f"{prefix}_{secrets.token_hex(3)}", f"pw-{secrets.token_urlsafe(16)}")
    variable = f"TEST_ROLE_PASSWORD_{role.name.upper()}"
    monkeypatch.setenv(variable, role.password)
    create_tenant_role(crafted.warehouse, tenant_id, role.name, variable)
    return role


@pytest.fixture
def tenant_warehouse(postgres_server, warehouse_owner, monkeypatch, tmp_path) -> TenantWarehouse:
    """A fresh crafted warehouse, for a test that changes it."""
    monkeypatch.setenv(OWNER_PASSWORD_ENV, warehouse_owner.password)
    return _crafted_warehouse(postgres_server, warehouse_owner, tmp_path / "data")


@pytest.fixture
def new_tenant_role(monkeypatch) -> Callable[..., Role]:
    """Make a tenant role in a crafted warehouse: ``new_tenant_role(warehouse, tenant_id)``."""

    def make(crafted: TenantWarehouse, tenant_id: str, prefix: str = "reader") -> Role:
        return _tenant_role(crafted, monkeypatch, tenant_id, prefix)

    return make


@pytest.fixture
def tenant_roles(tenant_warehouse, new_tenant_role) -> dict[str, Role]:
    """One reader per crafted tenant, in ``tenant_warehouse``."""
    return {
        CL: new_tenant_role(tenant_warehouse, CL, "cl_reader"),
        PE: new_tenant_role(tenant_warehouse, PE, "pe_reader"),
    }


@pytest.fixture(scope="module")
def shared_setup(
    postgres_server, warehouse_owner, tmp_path_factory
) -> Iterator[tuple[TenantWarehouse, dict[str, Role]]]:
    """One crafted warehouse and one reader per tenant for a module's read-only tests."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv(OWNER_PASSWORD_ENV, warehouse_owner.password)
        crafted = _crafted_warehouse(
            postgres_server, warehouse_owner, tmp_path_factory.mktemp("shared") / "data"
        )
        roles = {
            CL: _tenant_role(crafted, monkeypatch, CL, "cl_reader"),
            PE: _tenant_role(crafted, monkeypatch, PE, "pe_reader"),
        }
        yield crafted, roles


@pytest.fixture
def shared_warehouse(shared_setup, warehouse_owner, monkeypatch) -> TenantWarehouse:
    """The module's crafted warehouse. Tests using it may add tenant roles of their own, but
    change nothing the module's other tests read."""
    monkeypatch.setenv(OWNER_PASSWORD_ENV, warehouse_owner.password)
    return shared_setup[0]


@pytest.fixture
def shared_roles(shared_setup) -> dict[str, Role]:
    return shared_setup[1]
