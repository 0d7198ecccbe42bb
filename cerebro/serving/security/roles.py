"""Per-tenant login roles: read the marts of one tenant, nothing else; write only that
tenant's requests (``ops.action_requests``, decision 0063).

The password comes from an environment variable and reaches the server only as a SCRAM
verifier computed here (as psql's ``\\password`` does), so the clear text is in no statement
a server log (``log_statement``, an error's STATEMENT line) could record.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import errors, sql

from cerebro.serving.security.policies import hold_setup_lock
from cerebro.serving.security.rls import (
    DEFAULT_SCHEMA,
    MAPPING_SCHEMA,
    MAPPING_TABLE,
    TENANT_READER_GROUP,
    IsolationReport,
    TenantIsolationError,
    acting_as,
    ensure_access_objects,
    group_exists,
    schema_owner,
    secure_schema,
)

# The tenants file's rules for tenant ids and environment variable names.
from cerebro.tenants import _ENV_VAR, _TENANT_ID
from cerebro.warehouse import Warehouse

MIN_PASSWORD_LENGTH = 12
# Unquoted PostgreSQL identifiers, as users type them in a connection string.
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Attributes that would let a role skip row-level security or manage others.
_FORBIDDEN_ATTRIBUTES = (
    "rolsuper",
    "rolbypassrls",
    "rolcreaterole",
    "rolcreatedb",
    "rolreplication",
)

_MAPPING = sql.Identifier(MAPPING_SCHEMA, MAPPING_TABLE)


@dataclass(frozen=True)
class TenantRole:
    """A tenant login role as ``create_tenant_role`` left it."""

    role_name: str
    tenant_id: str
    created: bool  # False: the role existed for this tenant; its password was reset
    isolation: IsolationReport


def _check_names(tenant_id: str, role_name: str, password_env_var: str) -> None:
    if not _TENANT_ID.match(tenant_id):
        raise TenantIsolationError(
            f"tenant id {tenant_id!r} must be lowercase letters, digits and underscores "
            "(as in the tenants file)"
        )
    if not _ROLE_NAME.match(role_name) or role_name.startswith("pg_") or role_name == "public":
        raise TenantIsolationError(
            f"role name {role_name!r} must be lowercase letters, digits and underscores, at "
            "most 63 characters, not starting with a digit or pg_, and not public"
        )
    if not _ENV_VAR.match(password_env_var):
        # Not quoted back: someone may have passed the password itself.
        raise TenantIsolationError(
            "the password variable must be an environment variable's name (e.g. "
            "CL_READER_PASSWORD: capitals, digits, underscores), never the password"
        )


def _password(password_env_var: str) -> str:
    password = os.environ.get(password_env_var, "")
    if not password:
        raise TenantIsolationError(
            f"the environment variable {password_env_var} is not set: put the new role's "
            "password there (never on the command line)"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise TenantIsolationError(
            f"the password in {password_env_var} is shorter than {MIN_PASSWORD_LENGTH} "
            "characters; use a longer one"
        )
    return password


def _role_state(cursor, role_name: str) -> tuple[dict | None, str | None]:
    """The role's attributes (None when it does not exist) and the tenant it is mapped to."""
    cursor.execute(
        f"select {', '.join(_FORBIDDEN_ATTRIBUTES)} from pg_roles where rolname = %s",
        (role_name,),
    )
    row = cursor.fetchone()
    attributes = dict(zip(_FORBIDDEN_ATTRIBUTES, row, strict=True)) if row else None
    cursor.execute(
        sql.SQL("select tenant_id from {} where role_name = %s").format(_MAPPING), (role_name,)
    )
    mapped = cursor.fetchone()
    return attributes, mapped[0] if mapped else None


def _check_existing(role_name: str, tenant_id: str, attributes: dict, mapped: str | None):
    if mapped is None:
        raise TenantIsolationError(
            f"role {role_name} already exists and is not a Cerebro tenant role (it is not in "
            f"{MAPPING_SCHEMA}.{MAPPING_TABLE}); choose another role name"
        )
    if mapped != tenant_id:
        raise TenantIsolationError(
            f"role {role_name} already reads tenant {mapped}; a tenant role reads one tenant: "
            "choose another role name"
        )
    granted = [name.removeprefix("rol").upper() for name, on in attributes.items() if on]
    if granted:
        raise TenantIsolationError(
            f"role {role_name} has {', '.join(granted)}, which lets it skip row-level security "
            "or manage roles; remove those attributes (as a superuser) before using it"
        )


def _verifier(connection, role_name: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of ``password`` (libpq's PQencryptPasswordConn)."""
    return connection.pgconn.encrypt_password(
        password.encode(), role_name.encode(), b"scram-sha-256"
    ).decode()


def _create_or_update_role(cursor, connection, role_name: str, password: str, created: bool):
    role = sql.Identifier(role_name)
    group = sql.Identifier(TENANT_READER_GROUP)
    verifier = sql.Literal(_verifier(connection, role_name, password))
    if created:
        # Attributes spelt out on creation; ALTER ROLE would need a superuser to repeat them.
        cursor.execute(
            sql.SQL(
                "create role {} login inherit nosuperuser nocreatedb nocreaterole "
                "noreplication nobypassrls password {}"
            ).format(role, verifier)
        )
    else:
        cursor.execute(sql.SQL("alter role {} login password {}").format(role, verifier))
    if not group_exists(cursor):
        cursor.execute(sql.SQL("create role {} nologin").format(group))
    cursor.execute(sql.SQL("grant {} to {}").format(group, role))
    # Not read-only by default (it was, until decision 0063): the tenant's Metabase actions
    # insert requests through this login. Grants are the boundary: SELECT on the marts and
    # INSERT of a request's own columns into ops.action_requests, nothing else.
    cursor.execute(sql.SQL("alter role {} reset default_transaction_read_only").format(role))
    cursor.execute("select current_database()")
    (database,) = cursor.fetchone()
    cursor.execute(
        sql.SQL("grant connect on database {} to {}").format(sql.Identifier(database), role)
    )


def _map(cursor, role_name: str, tenant_id: str, request_kinds: list[str] | None) -> None:
    # A row left by a role dropped by hand is replaced: the mapping follows the role.
    cursor.execute(
        sql.SQL(
            "insert into {} (role_name, tenant_id, request_kinds) values (%s, %s, %s) "
            "on conflict (role_name) do update set tenant_id = excluded.tenant_id, "
            "request_kinds = excluded.request_kinds"
        ).format(_MAPPING),
        (role_name, tenant_id, request_kinds),
    )


def create_tenant_role(
    warehouse: Warehouse,
    tenant_id: str,
    role_name: str,
    password_env_var: str,
    schema: str = DEFAULT_SCHEMA,
    request_kinds: Sequence[str] | None = None,
) -> TenantRole:
    """Create (or reset the password of) a LOGIN role that reads ``schema`` for one tenant.

    ``request_kinds``: the kinds of request it may insert into ops.action_requests (a role of
    ``metabase/access.yml``'s login, decision 0075); None, every kind (the tenant's reader).

    The role gets SELECT on the marts only, through the tenant group, and row-level security
    limits it to ``tenant_id``'s rows; it writes nothing but its tenant's requests
    (ops.action_requests) and owns nothing. Run as the marts' owner (the role dbt uses)
    with CREATEROLE, or as a superuser: the mapping and policies are created as the marts'
    owner either way. Re-running for the same role and tenant sets
    the password again; an existing role that is not this tenant's is refused.
    """
    _check_names(tenant_id, role_name, password_env_var)
    if warehouse.kind != "postgres":
        raise TenantIsolationError(
            f"tenant roles need the PostgreSQL warehouse (CEREBRO_WAREHOUSE=postgres); the "
            f"{warehouse.kind} warehouse has no roles"
        )
    password = _password(password_env_var)
    try:
        with warehouse.connect() as connection, connection.cursor() as cursor:
            hold_setup_lock(cursor)
            owner = schema_owner(cursor, schema)
            if owner is None:
                raise TenantIsolationError(
                    f"the warehouse has no {schema} schema yet: build the marts first "
                    "(`cerebro run`, or the dbt assets in Dagster)"
                )
            with acting_as(cursor, owner):
                ensure_access_objects(cursor)
            attributes, mapped = _role_state(cursor, role_name)
            if attributes is not None:
                _check_existing(role_name, tenant_id, attributes, mapped)
            _create_or_update_role(cursor, connection, role_name, password, attributes is None)
            with acting_as(cursor, owner):
                _map(cursor, role_name, tenant_id,
                     None if request_kinds is None else list(request_kinds))  # fmt: skip
            report = secure_schema(cursor, schema)
    except errors.InsufficientPrivilege as error:
        raise TenantIsolationError(
            f"cannot create tenant role {role_name} as {warehouse.settings.postgres.user}: "
            f"{error}. Run it as the role that owns the marts, with CREATEROLE "
            "(a superuser grants it once: ALTER ROLE <owner> CREATEROLE)."
        ) from error
    return TenantRole(role_name, tenant_id, created=attributes is None, isolation=report)
