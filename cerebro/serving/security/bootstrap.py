"""Every tenant of the tenants file gets its reader role, and a removed tenant loses its own.

What the compose stack runs once the marts are built (`cerebro security bootstrap`), so that
Metabase can register each tenant's database as that tenant's row-level-security role without
anyone creating roles or choosing passwords by hand. A tenant's password is the one set in the
environment, else the one kept in the secrets file, else a new random one written there first
(mode 0600, replaced whole): a crash between writing and creating never loses a password a role
was given. Passwords are never printed.

Naming (the role, the password's variable) belongs to whoever reads the passwords (Metabase's
settings), so it is passed in rather than imported.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from psycopg import sql

from cerebro.output_files import atomic_output
from cerebro.serving.security.policies import (
    MAPPING_SCHEMA,
    MAPPING_TABLE,
    TENANT_READER_GROUP,
    hold_setup_lock,
)
from cerebro.serving.security.roles import create_tenant_role
from cerebro.settings import environment_set, read_env_file
from cerebro.warehouse import Warehouse

#: Characters of a generated password (URL-safe base64 of 24 random bytes).
PASSWORD_BYTES = 24


@dataclass
class BootstrapReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    new_passwords: list[str] = field(default_factory=list)  # variable names, never values


def _write_secrets_file(path: Path, values: Mapping[str, str]) -> None:
    text = "# Tenant reader passwords, kept by `cerebro security bootstrap`. Never commit.\n"
    text += "".join(f"{name}={value}\n" for name, value in sorted(values.items()))
    with atomic_output(path) as temporary:
        # Owner-only before the passwords are in it (the temporary file starts 0666 & ~umask).
        temporary.chmod(0o600)
        temporary.write_text(text, encoding="utf-8")


def bootstrap_tenant_roles(
    warehouse: Warehouse,
    tenant_ids: Iterable[str],
    secrets_file: Path,
    *,
    role_name: Callable[[str], str],
    password_variable: Callable[[str], str],
    request_kinds: Mapping[str, Sequence[str]] | None = None,
    group_role_name: Callable[[str, str], str] | None = None,
    group_password_variable: Callable[[str, str], str] | None = None,
) -> BootstrapReport:
    """Create or refresh the reader role of each of ``tenant_ids``, and one login per tenant
    and group of ``request_kinds`` (group key -> the request kinds it may ask, from
    ``metabase/access.yml``: decision 0075); revoke the roles of tenants no longer there (no
    login, out of the tenant group, unmapped)."""
    tenant_ids = list(tenant_ids)
    groups = dict(request_kinds or {})
    if groups and (group_role_name is None or group_password_variable is None):
        raise ValueError("group logins need group_role_name and group_password_variable")
    # (tenant, role name, password variable, kinds): the reader, then each group. With group
    # logins the reader asks nothing (Metabase's actions run on the groups' connections); a
    # bootstrap without groups keeps the reader's every kind (NULL), as before decision 0075.
    reader_kinds = () if groups else None
    logins = []
    for tenant_id in tenant_ids:
        logins.append((tenant_id, role_name(tenant_id), password_variable(tenant_id), reader_kinds))
        logins += [(tenant_id, group_role_name(tenant_id, group),
                    group_password_variable(tenant_id, group), tuple(kinds))
                   for group, kinds in groups.items()]  # fmt: skip
    kept = read_env_file(secrets_file)
    report = BootstrapReport()
    passwords = {}
    for _, _, variable, _ in logins:
        password = os.environ.get(variable) or kept.get(variable)
        if not password:
            password = secrets.token_urlsafe(PASSWORD_BYTES)
            report.new_passwords.append(variable)
        passwords[variable] = password
    # The file holds the logins' passwords only: a removed tenant's goes with its roles.
    _write_secrets_file(secrets_file, passwords)
    for tenant_id, name, variable, kinds in logins:
        with environment_set({variable: passwords[variable]}):
            role = create_tenant_role(warehouse, tenant_id, name, variable, request_kinds=kinds)
        (report.created if role.created else report.updated).append(role.role_name)
    report.revoked = _revoke_others(warehouse, tenant_ids)
    return report


def _revoke_others(warehouse: Warehouse, tenant_ids: list[str]) -> list[str]:
    """Roles of a tenant that is not in ``tenant_ids`` and can still log in: they stop logging
    in and reading. Their mapping stays, so the tenant's role comes back if it is re-added."""
    mapping = sql.Identifier(MAPPING_SCHEMA, MAPPING_TABLE)
    revoked = []
    with warehouse.connect() as connection, connection.cursor() as cursor:
        hold_setup_lock(cursor)
        cursor.execute(
            sql.SQL(
                "select mapped.role_name from {} as mapped join pg_roles "
                "on pg_roles.rolname = mapped.role_name "
                "where pg_roles.rolcanlogin and not (mapped.tenant_id = any(%s)) order by 1"
            ).format(mapping),
            (tenant_ids,),
        )
        for (role,) in cursor.fetchall():
            identifier = sql.Identifier(role)
            cursor.execute(sql.SQL("alter role {} nologin").format(identifier))
            cursor.execute(
                sql.SQL("revoke {} from {}").format(sql.Identifier(TENANT_READER_GROUP), identifier)
            )
            revoked.append(role)
    return revoked
