"""`cerebro security apply | create-tenant-role`: what they print, how they fail, and that no
password ever appears in their output."""

from __future__ import annotations

import secrets

import pytest
from click.testing import CliRunner

from cerebro.cli.main import main
from tests.cerebro.serving.security.tenant_marts import (
    CL,
    TENANT_TABLES,
    Role,
    rows_of,
    write_tenants_file,
)


def cerebro_environ(tenant_warehouse, **extra) -> dict[str, str]:
    """The environment that points `cerebro` at the crafted warehouse, as its owner."""
    server = tenant_warehouse.server
    return {
        "CEREBRO_WAREHOUSE": "postgres",
        "CEREBRO_PG_HOST": server.host,
        "CEREBRO_PG_PORT": str(server.port),
        "CEREBRO_PG_USER": tenant_warehouse.owner.name,
        "CEREBRO_PG_DATABASE": tenant_warehouse.database,
        "CEREBRO_PG_PASSWORD": tenant_warehouse.owner.password,
        **extra,
    }


def invoke(args: list[str], env: dict[str, str]):
    return CliRunner().invoke(main, ["security", *args], env=env)


def test_create_tenant_role_makes_a_reader_of_one_tenant_and_prints_no_password(
    shared_warehouse, tmp_path
):
    role = Role(f"cli_reader_{secrets.token_hex(3)}", f"cli-{secrets.token_urlsafe(16)}")
    result = invoke(
        ["create-tenant-role", "--tenant", CL, "--role", role.name,
         "--tenants-file", str(write_tenants_file(tmp_path / "tenants.yml"))],
        cerebro_environ(shared_warehouse, CEREBRO_TENANT_ROLE_PASSWORD=role.password),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"Created role {role.name}" in result.output
    assert f"reads the marts rows of {CL} only" in result.output
    assert role.password not in result.output
    assert shared_warehouse.owner.password not in result.output
    with shared_warehouse.connect(role) as connection:
        for table in TENANT_TABLES:
            (rows,) = connection.execute(f"select count(*) from marts.{table}").fetchone()
            assert rows == rows_of(table, CL), table


def test_an_unknown_tenant_is_refused_listing_the_tenants_of_the_file(tmp_path):
    tenants = write_tenants_file(tmp_path / "tenants.yml")
    result = invoke(
        ["create-tenant-role", "--tenant", "casafacil", "--role", "x_reader",
         "--tenants-file", str(tenants)],
        {"CEREBRO_TENANT_ROLE_PASSWORD": "a-long-enough-password"},
    )  # fmt: skip
    assert result.exit_code == 1
    assert (
        f"unknown tenant 'casafacil'; the tenants in {tenants} are: casafacil_cl, tiendita_pe"
        in (result.output)
    )


def test_the_password_has_no_command_line_option():
    result = invoke(["create-tenant-role", "--tenant", CL, "--role", "r", "--password", "x"], {})
    assert result.exit_code == 2
    assert "No such option '--password'" in result.output


def test_apply_prints_what_it_secured(shared_warehouse, shared_roles):
    result = invoke(["apply"], cerebro_environ(shared_warehouse))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "Tenant isolation on marts: 3 tables filtered by tenant (0 secured by this run).",
        "Readable by every tenant role (no tenant_id column): dim_rfm_segments.",
    ]


@pytest.mark.parametrize("command", [["apply"], ["create-tenant-role"]])
def test_a_refused_login_names_the_warehouse_but_never_the_password(
    shared_warehouse, tmp_path, command
):
    wrong = f"pg-FAKE-{secrets.token_hex(8)}"
    args = command
    if command == ["create-tenant-role"]:
        tenants = str(write_tenants_file(tmp_path / "tenants.yml"))
        args = [*command, "--tenant", CL, "--role", "r_reader", "--tenants-file", tenants]
    result = invoke(
        args,
        cerebro_environ(
            shared_warehouse,
            CEREBRO_PG_PASSWORD=wrong,
            CEREBRO_TENANT_ROLE_PASSWORD=f"role-FAKE-{secrets.token_hex(8)}",
        ),
    )
    server = shared_warehouse.server
    assert result.exit_code == 1
    assert (
        "cannot connect to the warehouse at "
        f"postgresql://{shared_warehouse.owner.name}@{server.host}:{server.port}/"
        f"{shared_warehouse.database}"
    ) in result.output
    assert "password authentication failed" in result.output
    assert wrong not in result.output and "role-FAKE-" not in result.output


def test_apply_on_duckdb_succeeds_saying_there_is_nothing_to_do(tmp_path):
    result = invoke(["apply"], {"CEREBRO_WAREHOUSE": "duckdb", "CEREBRO_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert "Tenant isolation not applied: the duckdb warehouse has no roles" in result.output
