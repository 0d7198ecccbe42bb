"""Tenant login roles (cerebro.serving.security.roles): what a role may do, how it is refused, and
that
its password reaches neither an error message nor the server's statement log."""

from __future__ import annotations

import secrets
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from cerebro.serving.security import (
    TenantIsolationError,
    apply_tenant_isolation,
    create_tenant_role,
)
from cerebro.serving.security.rls import TENANT_READER_GROUP
from cerebro.settings import PostgresSettings, Settings, load_settings
from cerebro.warehouse import Warehouse
from tests.cerebro.serving.security.tenant_marts import CL, PE, Role, rows_of

ROLE_ATTRIBUTES = """
select rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls,
       rolinherit, rolconfig,
       array(select g.rolname::text from pg_auth_members m join pg_roles g on g.oid = m.roleid
             where m.member = r.oid) as member_of,
       (select count(*) from pg_class c where c.relowner = r.oid) as owned
from pg_roles r where rolname = %s
"""


def attributes_of(crafted, role_name: str) -> tuple:
    with crafted.as_owner() as connection:
        return connection.execute(ROLE_ATTRIBUTES, (role_name,)).fetchone()


def test_a_new_tenant_role_logs_in_reads_its_tenant_and_holds_no_power(
    shared_warehouse, new_tenant_role
):
    role = new_tenant_role(shared_warehouse, PE)
    assert attributes_of(shared_warehouse, role.name) == (
        True, False, False, False, False, False, True,
        None, [TENANT_READER_GROUP], 0,  # not read-only: it inserts requests (0063)
    )  # fmt: skip
    with shared_warehouse.connect(role) as connection:
        assert connection.execute("select count(*) from marts.fct_orders").fetchone() == (
            rows_of("fct_orders", PE),
        )
    with shared_warehouse.as_superuser() as connection:
        (stored,) = connection.execute(
            "select rolpassword from pg_authid where rolname = %s", (role.name,)
        ).fetchone()
    assert stored.startswith("SCRAM-SHA-256$") and role.password not in stored


def test_running_again_for_the_same_tenant_sets_the_new_password(
    shared_warehouse, new_tenant_role, monkeypatch
):
    role = new_tenant_role(shared_warehouse, CL)
    new = Role(role.name, f"new-{secrets.token_urlsafe(16)}")
    monkeypatch.setenv("NEW_READER_PASSWORD", new.password)
    again = create_tenant_role(shared_warehouse.warehouse, CL, role.name, "NEW_READER_PASSWORD")
    assert not again.created
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        shared_warehouse.connect(role)
    with shared_warehouse.connect(new) as connection:
        assert connection.execute("select count(*) from marts.fct_orders").fetchone() == (
            rows_of("fct_orders", CL),
        )


def test_a_tenant_role_cannot_be_moved_to_another_tenant(shared_warehouse, new_tenant_role):
    role = new_tenant_role(shared_warehouse, CL)
    with pytest.raises(TenantIsolationError, match=f"already reads tenant {CL}"):
        create_tenant_role(
            shared_warehouse.warehouse, PE, role.name, f"TEST_ROLE_PASSWORD_{role.name.upper()}"
        )
    with shared_warehouse.connect(role) as connection:
        assert connection.execute("select count(*) from marts.fct_orders").fetchone() == (
            rows_of("fct_orders", CL),
        )


def test_an_existing_role_that_is_not_a_tenant_role_is_refused_and_left_as_it_was(
    shared_warehouse, monkeypatch
):
    owner = shared_warehouse.owner.name
    before = attributes_of(shared_warehouse, owner)
    monkeypatch.setenv("SOME_PASSWORD", "a-long-enough-password")
    with pytest.raises(TenantIsolationError, match=f"role {owner} already exists and is not"):
        create_tenant_role(shared_warehouse.warehouse, CL, owner, "SOME_PASSWORD")
    assert attributes_of(shared_warehouse, owner) == before
    shared_warehouse.as_owner().close()  # its password still works


def _nowhere_warehouse(tmp_path: Path) -> Warehouse:
    """A PostgreSQL warehouse on a closed port: the checks below must fail before connecting."""
    return Warehouse(
        Settings(data_dir=tmp_path, tenants_file=tmp_path / "t.yml", warehouse="postgres",
                 postgres=PostgresSettings(host="127.0.0.1", port=1))
    )  # fmt: skip


@pytest.mark.parametrize(
    ("tenant_id", "role_name", "variable", "value", "message"),
    [
        ("Casa Fácil", "cl_reader", "PW", "x" * 20, "tenant id 'Casa Fácil' must be lowercase"),
        (CL, "cl_reader; drop role x", "PW", "x" * 20, "role name 'cl_reader; drop role x' must"),
        (CL, "pg_reader", "PW", "x" * 20, "not starting with a digit or pg_"),
        (CL, "public", "PW", "x" * 20, "and not public"),
        (CL, "cl_reader", "hunter2 is my password", None, "must be an environment variable's"),
        (CL, "cl_reader", "UNSET_PASSWORD_VARIABLE", None, "UNSET_PASSWORD_VARIABLE is not set"),
        (CL, "cl_reader", "PW", "short-pw", "shorter than 12 characters"),
    ],
)
def test_bad_input_is_refused_with_a_message_that_names_the_problem_and_no_secret(
    tmp_path, monkeypatch, tenant_id, role_name, variable, value, message
):
    monkeypatch.delenv("UNSET_PASSWORD_VARIABLE", raising=False)
    if value is not None:
        monkeypatch.setenv(variable, value)
    with pytest.raises(TenantIsolationError) as raised:
        create_tenant_role(_nowhere_warehouse(tmp_path), tenant_id, role_name, variable)
    assert message in str(raised.value)
    assert "hunter2" not in str(raised.value)
    if value is not None:
        assert value not in str(raised.value)


def test_tenant_roles_on_duckdb_are_refused_saying_postgresql_is_needed(tmp_path, monkeypatch):
    monkeypatch.setenv("PW", "a-long-enough-password")
    warehouse = Warehouse(load_settings({"CEREBRO_DATA_DIR": str(tmp_path)}))
    with pytest.raises(TenantIsolationError, match="need the PostgreSQL warehouse"):
        create_tenant_role(warehouse, CL, "cl_reader", "PW")


def _server_log(tenant_warehouse) -> Path:
    """tests/conftest.py's server writes its log beside its data directory."""
    with tenant_warehouse.as_superuser() as connection:
        (data_directory,) = connection.execute("show data_directory").fetchone()
    return Path(data_directory).parent / "server.log"


def test_the_password_reaches_the_server_only_as_a_scram_verifier_even_when_logged(
    tenant_warehouse, monkeypatch
):
    with tenant_warehouse.as_superuser(autocommit=True) as connection:
        connection.execute(
            sql.SQL("alter database {} set log_statement = 'all'").format(
                sql.Identifier(tenant_warehouse.database)
            )
        )
    role_name, password = f"logged_{secrets.token_hex(3)}", f"pw-{secrets.token_urlsafe(16)}"
    monkeypatch.setenv("LOGGED_ROLE_PASSWORD", password)
    create_tenant_role(tenant_warehouse.warehouse, CL, role_name, "LOGGED_ROLE_PASSWORD")
    log = _server_log(tenant_warehouse).read_text(errors="replace")
    # The oracle that statements were logged: the role's creation is there, with a verifier.
    creation = [line for line in log.splitlines() if f'create role "{role_name}"' in line]
    assert len(creation) == 1 and "SCRAM-SHA-256$" in creation[0]
    assert password not in log


def test_a_superuser_may_create_tenant_roles_and_the_marts_owner_still_reapplies_alone(
    tenant_warehouse, new_tenant_role, monkeypatch
):
    superuser = Warehouse(
        load_settings(
            {**tenant_warehouse.server.cerebro_environ(tenant_warehouse.database),
             "CEREBRO_DATA_DIR": str(tenant_warehouse.warehouse.settings.data_dir)}
        )
    )  # fmt: skip
    role = Role(f"by_superuser_{secrets.token_hex(3)}", f"pw-{secrets.token_urlsafe(16)}")
    monkeypatch.setenv("SUPERUSER_MADE_PASSWORD", role.password)
    create_tenant_role(superuser, PE, role.name, "SUPERUSER_MADE_PASSWORD")
    with tenant_warehouse.as_owner() as owner:
        owners = owner.execute(
            "select pg_get_userbyid(relowner) from pg_class"
            " where oid = 'ops.tenant_roles'::regclass"
            " union select pg_get_userbyid(proowner) from pg_proc where proname = 'tenant_ids_of'"
            " union select pg_get_userbyid(nspowner) from pg_namespace"
            " where nspname = 'tenant_access'"
        ).fetchall()
        # dbt rebuilds a mart, as the owner (ml.secret_rows holds the same rows).
        owner.execute("drop table marts.fct_orders cascade")
        owner.execute("create table marts.fct_orders as select * from ml.secret_rows")
    assert owners == [(tenant_warehouse.owner.name,)]
    report = apply_tenant_isolation(tenant_warehouse.warehouse)  # as the owner
    assert report.newly_secured == ("fct_orders",)
    with tenant_warehouse.connect(role) as connection:
        assert connection.execute("select count(*) from marts.fct_orders").fetchone() == (
            rows_of("fct_orders", PE),
        )


def test_tenant_roles_wait_for_the_marts_and_apply_says_they_are_missing(
    postgres_server, warehouse_owner, tenant_warehouse, monkeypatch
):
    empty = postgres_server.create_database("no_marts")
    settings = tenant_warehouse.warehouse.settings
    warehouse = Warehouse(
        Settings(data_dir=settings.data_dir, tenants_file=settings.tenants_file,
                 warehouse="postgres",
                 postgres=PostgresSettings(**{**vars(settings.postgres), "database": empty}))
    )  # fmt: skip
    monkeypatch.setenv("PW", "a-long-enough-password")
    with pytest.raises(TenantIsolationError, match="no marts schema yet: build the marts first"):
        create_tenant_role(warehouse, CL, "early_reader", "PW")
    report = apply_tenant_isolation(warehouse)
    assert report.skipped_reason == "the warehouse has no marts schema yet (dbt builds it)"
