"""``cerebro security apply | create-tenant-role``: tenant isolation on the PostgreSQL warehouse.

Connection settings come from ``CEREBRO_PG_*`` (run as the warehouse owner); passwords only
from environment variables, never from arguments, and no secret is ever printed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

DEFAULT_PASSWORD_ENV_VAR = "CEREBRO_TENANT_ROLE_PASSWORD"


def _warehouse():
    from cerebro.settings import load_settings
    from cerebro.warehouse import Warehouse

    return Warehouse(load_settings())


def _run(action, warehouse):
    """Run ``action`` and turn the errors a user can fix into one clear line."""
    import psycopg

    from cerebro.serving.security import TenantIsolationError

    try:
        return action()
    except TenantIsolationError as error:
        raise click.ClickException(str(error)) from error
    except psycopg.OperationalError as error:  # psycopg's messages never hold the password
        # No SQLSTATE: the connection itself failed (server down, login refused).
        what = "cannot connect to" if error.sqlstate is None else "failed on"
        raise click.ClickException(
            f"{what} the warehouse at {warehouse.location}: {error}"
        ) from error


def _check_tenant(tenant_id: str, tenants_file: Path | None) -> None:
    from cerebro.settings import load_settings
    from cerebro.tenants import TenantConfigError, load_tenants

    environ = dict(os.environ)
    if tenants_file:
        environ["CEREBRO_TENANTS_FILE"] = str(tenants_file)
    path = load_settings(environ).tenants_file
    try:
        known = [tenant.tenant_id for tenant in load_tenants(path)]
    except TenantConfigError as error:
        raise click.ClickException(str(error)) from error
    if tenant_id not in known:
        raise click.ClickException(
            f"unknown tenant {tenant_id!r}; the tenants in {path} are: {', '.join(known)}"
        )


@click.group()
def security() -> None:
    """Tenant isolation on PostgreSQL: row-level security and per-tenant read-only roles."""


@security.command("apply")
@click.option("--schema", default="marts", show_default=True, help="Schema to secure.")
def apply(schema: str) -> None:
    """Enable row-level security and tenant policies on the marts (after every dbt build).

    Exits 1 when a tenant role could escape the policies (superuser, BYPASSRLS, owner of a
    mart, or member of another role)."""
    from cerebro.serving.security import apply_tenant_isolation

    warehouse = _warehouse()
    report = _run(lambda: apply_tenant_isolation(warehouse, schema), warehouse)
    click.echo(report.summary())
    if report.bypassing_roles:
        sys.exit(1)


@security.command("create-tenant-role")
@click.option("--tenant", "tenant_id", required=True, help="Tenant id, e.g. casafacil_cl.")
@click.option("--role", "role_name", required=True, help="Login role to create, e.g. cl_reader.")
@click.option(
    "--password-env",
    "password_env_var",
    default=DEFAULT_PASSWORD_ENV_VAR,
    show_default=True,
    help="Environment variable that holds the role's password (never an argument).",
)
@click.option("--tenants-file", type=click.Path(path_type=Path), help="Tenants configuration file.")
def create_tenant_role_command(tenant_id, role_name, password_env_var, tenants_file) -> None:
    """Create a read-only LOGIN role that sees the marts rows of one tenant only.

    Running it again for the same role and tenant sets the password again."""
    from cerebro.serving.security import create_tenant_role

    _check_tenant(tenant_id, tenants_file)
    warehouse = _warehouse()
    role = _run(
        lambda: create_tenant_role(warehouse, tenant_id, role_name, password_env_var), warehouse
    )
    verb = "Created" if role.created else "Updated the password of"
    click.echo(
        f"{verb} role {role.role_name}: it logs in with the password in {password_env_var} "
        f"and reads the marts rows of {role.tenant_id} only."
    )
    click.echo(role.isolation.summary())


@security.command("bootstrap")
@click.option(
    "--secrets-file",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Env file keeping each tenant reader's password (created 0600; Metabase's "
    "provisioning reads it as METABASE_TENANT_LOGINS_FILE).",
)
@click.option("--tenants-file", type=click.Path(path_type=Path), help="Tenants configuration file.")
def bootstrap(secrets_file: Path, tenants_file: Path | None) -> None:
    """Give every tenant of the tenants file its reader role (the one Metabase logs in as) and
    one login per role of metabase/access.yml that asks requests (only those kinds), each with
    the password set in the environment, kept in the secrets file, or generated there; revoke
    the roles of tenants no longer in the file. Prints no password."""
    from cerebro.serving.metabase.access import AccessError, load_access
    from cerebro.serving.metabase.settings import (
        default_group_role,
        default_tenant_role,
        group_login_variables,
        tenant_login_variables,
    )
    from cerebro.serving.security.bootstrap import bootstrap_tenant_roles
    from cerebro.settings import settings_with
    from cerebro.tenants import load_tenants

    settings = settings_with(tenants_file, None)
    tenant_ids = [tenant.tenant_id for tenant in load_tenants(settings.tenants_file)]
    try:
        # Who may ask which request: metabase/access.yml, one login per asking role.
        request_kinds = load_access().request_kinds()
    except AccessError as error:
        raise click.ClickException(str(error)) from None
    warehouse = _warehouse()
    report = _run(
        lambda: bootstrap_tenant_roles(
            warehouse, tenant_ids, secrets_file, role_name=default_tenant_role,
            password_variable=lambda tenant_id: tenant_login_variables(tenant_id)[1],
            request_kinds=request_kinds, group_role_name=default_group_role,
            group_password_variable=lambda tenant_id, group: group_login_variables(
                tenant_id, group)[1],
        ),
        warehouse,
    )  # fmt: skip
    for label, roles in (("created", report.created), ("password kept", report.updated),
                         ("revoked (tenant removed)", report.revoked)):  # fmt: skip
        if roles:
            click.echo(f"{label}: {', '.join(roles)}")
    if report.new_passwords:
        click.echo(f"new passwords written to {secrets_file}: {', '.join(report.new_passwords)}")
