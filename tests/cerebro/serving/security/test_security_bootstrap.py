"""`cerebro security bootstrap` (issue 57): the compose stack gives every tenant its reader
role with no one choosing a password, Metabase's provisioning reads the passwords from the
file it keeps, and a tenant taken out of the tenants file can no longer log in."""

from __future__ import annotations

import os
import secrets
import stat

import psycopg
import pytest
from click.testing import CliRunner

from cerebro.cli.main import main
from cerebro.serving.metabase.access import load_access
from cerebro.serving.metabase.settings import (
    group_login_variables,
    offline_settings,
    tenant_login_variables,
)
from cerebro.serving.security.bootstrap import bootstrap_tenant_roles
from cerebro.settings import read_env_file
from tests.cerebro.serving.security.tenant_marts import CL, PE, Role, rows_of
from tests.cerebro.serving.security.test_security_cli import cerebro_environ


def _bootstrap(crafted, tenant_ids, secrets_file, suffix):
    return bootstrap_tenant_roles(
        crafted.warehouse, tenant_ids, secrets_file,
        role_name=lambda tenant_id: f"{tenant_id}_{suffix}",
        password_variable=lambda tenant_id: tenant_login_variables(tenant_id)[1],
    )  # fmt: skip


def test_every_tenant_gets_a_reader_with_a_kept_password_and_a_removed_one_is_revoked(
    tenant_warehouse, tmp_path, monkeypatch
):
    for tenant_id in (CL, PE):  # none set: every password is generated and kept
        monkeypatch.delenv(tenant_login_variables(tenant_id)[1], raising=False)
    suffix = secrets.token_hex(3)
    secrets_file = tmp_path / "secrets" / "tenant-readers.env"

    first = _bootstrap(tenant_warehouse, [CL, PE], secrets_file, suffix)

    assert first.created == [f"{CL}_{suffix}", f"{PE}_{suffix}"]
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    kept = read_env_file(secrets_file)
    assert set(kept) == {tenant_login_variables(t)[1] for t in (CL, PE)}
    cl_reader = Role(f"{CL}_{suffix}", kept[tenant_login_variables(CL)[1]])
    with tenant_warehouse.connect(cl_reader) as connection:
        (rows,) = connection.execute("select count(*) from marts.fct_orders").fetchone()
    assert rows == rows_of("fct_orders", CL)

    # Metabase's provisioning logs in with the kept passwords.
    logins = offline_settings({"METABASE_TENANT_LOGINS_FILE": str(secrets_file)})
    assert logins.tenant_connection(CL).password == cl_reader.password

    again = _bootstrap(tenant_warehouse, [CL, PE], secrets_file, suffix)
    assert (again.created, again.new_passwords) == ([], [])
    assert read_env_file(secrets_file) == kept, "a second run keeps every password"

    removed = _bootstrap(tenant_warehouse, [CL], secrets_file, suffix)
    assert removed.revoked == [f"{PE}_{suffix}"]
    assert set(read_env_file(secrets_file)) == {tenant_login_variables(CL)[1]}
    pe_reader = Role(f"{PE}_{suffix}", kept[tenant_login_variables(PE)[1]])
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        tenant_warehouse.connect(pe_reader)


def test_the_command_prints_the_roles_and_never_a_password(tenant_warehouse, tmp_path):
    tenant_id = f"boot_{secrets.token_hex(3)}"
    tenants = tmp_path / "tenants.yml"
    tenants.write_text(
        f"tenants:\n  - {{tenant_id: {tenant_id}, name: T, timezone: America/Santiago, "
        "currency: CLP, country_code: CL}\n",
        encoding="utf-8",
    )
    secrets_file = tmp_path / "tenant-readers.env"
    environ = cerebro_environ(tenant_warehouse)
    result = CliRunner().invoke(
        main,
        ["security", "bootstrap", "--secrets-file", str(secrets_file), "--tenants-file",
         str(tenants)],
        env={**environ, tenant_login_variables(tenant_id)[1]: ""},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    kept = read_env_file(secrets_file)
    # The reader, then one login per role of metabase/access.yml that asks requests.
    groups = list(load_access().request_kinds())
    variables = [tenant_login_variables(tenant_id)[1],
                 *(group_login_variables(tenant_id, group)[1] for group in groups)]  # fmt: skip
    assert sorted(kept) == sorted(variables)
    assert result.output.splitlines() == [
        "created: " + ", ".join([f"{tenant_id}_reader", *(f"{tenant_id}_{g}" for g in groups)]),
        f"new passwords written to {secrets_file}: {', '.join(variables)}",
    ]
    for password in kept.values():
        assert password not in result.output and len(password) >= 24
    assert os.environ.get(tenant_login_variables(tenant_id)[1]) is None
