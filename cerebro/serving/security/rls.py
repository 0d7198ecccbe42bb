"""Row-level security on the marts: a tenant role reads its own tenant's rows and nothing else.

Design (docs/decisions/0009-tenant-isolation-rls.md):

- Tenant login roles are members of one group role, ``cerebro_tenant_reader``. Tenants get
  ``SELECT`` on the marts only through that group, granted here table by table, never by
  default privileges: a table dbt has just rebuilt is unreadable to tenants (permission
  denied) until this module has secured it, so a missed step fails closed instead of leaking.
- The tenant a role reads comes from ``ops.tenant_roles(role_name, tenant_id)``, a table only
  the admin (the warehouse owner, the role dbt uses) can read or write. A session setting
  (``set cerebro.tenant_id = ...``) would be changeable by the tenant itself; a role name is
  fixed at login.
- Each table with a ``tenant_id`` column gets two SELECT policies: a permissive one for every
  role (whoever was granted SELECT, such as Metabase's all-tenant reader, keeps reading every
  row) and a *restrictive* one for the tenant group, ANDed with it, that keeps only rows whose
  ``tenant_id`` is the role's tenant. A role outside the mapping, or the group itself after
  ``set role``, reads nothing.
- Policies are evaluated with the querying role's rights, which cannot read the mapping, so
  they call ``tenant_access.tenant_ids_of(current_user)``, a SECURITY DEFINER function (its
  own schema, tenants may execute it and use nothing else outside the marts).
- The owner bypasses row-level security; it is not FORCEd, because dbt's incremental models
  delete and insert as the owner, which FORCE would put under SELECT-only policies.
- Views are never granted, because a view runs with its owner's rights, with one exception
  (docs/decisions/0030-metabase-tenant-isolation.md): a marts view dbt creates with
  ``security_invoker`` (macros/security_invoker.sql) runs with its reader's rights, so the
  policies of the tables under it apply. It is granted, with every relation under it (its
  *chain*), when each view of the chain is such a view too and each table can be secured:
  a marts table as above, a table elsewhere only if it has ``tenant_id``. Otherwise nothing
  of the chain is granted, and the view fails closed like any other.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from psycopg import errors, sql

from cerebro.serving.security.action_requests import secure_requests
from cerebro.serving.security.invoker_views import secure_invoker_chains
from cerebro.serving.security.policies import (
    ACCESS_SCHEMA,
    DEFAULT_SCHEMA,
    ISOLATION_POLICY,
    MAPPING_SCHEMA,
    MAPPING_TABLE,
    READABLE_POLICY,
    TENANT_IDS_FUNCTION,
    TENANT_READER_GROUP,
    ensure_mapping,
    hold_setup_lock,
    secure_table,
)
from cerebro.warehouse import Warehouse

logger = logging.getLogger(__name__)

# SECURITY DEFINER: runs as its owner (the admin), who can read the mapping. search_path is
# pinned so that a tenant cannot shadow pg_catalog objects with its own (temporary) ones.
# session_user is the login role: the membership test stops a tenant from asking which
# tenant another role reads (`select tenant_access.tenant_ids_of('other_role')` is empty).
_ENSURE_FUNCTION = (
    f"""create or replace function {ACCESS_SCHEMA}.{TENANT_IDS_FUNCTION}(role_name name)
    returns text[]
    language sql stable security definer
    set search_path = pg_catalog, pg_temp
    as $$
        select coalesce(array_agg(mapping.tenant_id order by mapping.tenant_id), '{{}}'::text[])
        from {MAPPING_SCHEMA}.{MAPPING_TABLE} as mapping
        where mapping.role_name = {TENANT_IDS_FUNCTION}.role_name
          and pg_has_role(session_user, {TENANT_IDS_FUNCTION}.role_name, 'MEMBER')
    $$""",
    f"revoke all on function {ACCESS_SCHEMA}.{TENANT_IDS_FUNCTION}(name) from public",
)

_RELATIONS = """
select
    c.relname as name,
    c.relkind in ('r', 'p') as is_table,
    c.relrowsecurity as rls_enabled,
    c.relforcerowsecurity as rls_forced,
    exists (
        select from pg_attribute as a
        where a.attrelid = c.oid and a.attname = 'tenant_id' and a.attnum > 0
          and not a.attisdropped
    ) as has_tenant_id,
    exists (
        select from pg_policy as p
        where p.polrelid = c.oid and p.polname = %(readable)s and p.polpermissive
          and p.polcmd = 'r' and p.polroles = array[0]::oid[]
    ) and exists (
        select from pg_policy as p
        where p.polrelid = c.oid and p.polname = %(isolation)s and not p.polpermissive
          and p.polcmd = 'r' and p.polroles = array[%(group)s::regrole]::oid[]
    ) as has_policies
from pg_class as c
join pg_namespace as n on n.oid = c.relnamespace
where n.nspname = %(schema)s
  and c.relkind in ('r', 'p', 'v', 'm', 'f')
  and not c.relispartition
order by c.relname
"""

# Members of the tenant group that would escape the policies: superusers and BYPASSRLS roles
# skip row-level security, owners of a mart skip it on that mart, and a member of any other
# role could `set role` to it and read as that role.
_BYPASSING_MEMBERS = """
select
    tenant.rolname as role_name,
    tenant.rolsuper as is_superuser,
    tenant.rolbypassrls as bypasses_rls,
    array(
        select c.relname::text from pg_class as c
        join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = %(schema)s and c.relowner = tenant.oid
        order by 1
    ) as owned,
    array(
        select other.rolname::text from pg_auth_members as other_membership
        join pg_roles as other on other.oid = other_membership.roleid
        where other_membership.member = tenant.oid and other.rolname <> %(group)s
        order by 1
    ) as other_roles
from pg_auth_members as membership
join pg_roles as tenant on tenant.oid = membership.member
join pg_roles as tenant_group on tenant_group.oid = membership.roleid
where tenant_group.rolname = %(group)s
order by 1
"""


class TenantIsolationError(RuntimeError):
    """Tenant isolation cannot be applied or a role cannot be created; the message says why."""


@dataclass(frozen=True)
class IsolationReport:
    """What ``apply_tenant_isolation`` found and did, table names without their schema."""

    warehouse: str
    schema: str
    filtered: tuple[str, ...] = ()  # tables with tenant_id: each tenant reads its rows only
    newly_secured: tuple[str, ...] = ()  # of those, the ones whose policies this call created
    readable: tuple[str, ...] = ()  # tables without tenant_id: every tenant reads all of them
    not_granted: tuple[str, ...] = ()  # views and the like: tenants get no access at all
    # security_invoker views of the schema granted to tenants, and the relations under them
    # (schema-qualified) granted with them; their tables are filtered by tenant.
    invoker_views: tuple[str, ...] = ()
    invoker_chain: tuple[str, ...] = ()
    bypassing_roles: tuple[str, ...] = ()  # tenant roles that escape the policies, and why
    skipped_reason: str | None = None

    @property
    def applied(self) -> bool:
        return self.skipped_reason is None

    def summary(self) -> str:
        if not self.applied:
            return f"Tenant isolation not applied: {self.skipped_reason}"
        lines = [
            f"Tenant isolation on {self.schema}: {len(self.filtered)} tables filtered by tenant "
            f"({len(self.newly_secured)} secured by this run)."
        ]
        if self.readable:
            lines.append(
                f"Readable by every tenant role (no tenant_id column): {', '.join(self.readable)}."
            )
        if self.invoker_views:
            lines.append(
                "Views read with the tenant's own rights (security_invoker), granted with the "
                f"relations under them: {', '.join(self.invoker_views)} "
                f"(over {', '.join(self.invoker_chain)})."
            )
        if self.not_granted:
            lines.append(
                "Not granted to tenant roles (views run with their owner's rights, which "
                f"skip row-level security): {', '.join(self.not_granted)}."
            )
        if self.bypassing_roles:
            lines.append(
                "WARNING: tenant roles that escape row-level security: "
                f"{'; '.join(self.bypassing_roles)}."
            )
        return "\n".join(lines)


def ensure_access_objects(cursor) -> None:
    """The mapping table and the lookup function (created if missing; the function is
    replaced so that its definition follows this module)."""
    ensure_mapping(cursor)
    for statement in _ENSURE_FUNCTION:
        cursor.execute(statement)


def group_exists(cursor) -> bool:
    cursor.execute("select 1 from pg_roles where rolname = %s", (TENANT_READER_GROUP,))
    return cursor.fetchone() is not None


def _bypassing_roles(cursor, schema: str) -> tuple[str, ...]:
    cursor.execute(_BYPASSING_MEMBERS, {"schema": schema, "group": TENANT_READER_GROUP})
    found = []
    for role_name, is_superuser, bypasses_rls, owned, other_roles in cursor.fetchall():
        reasons = [
            *(["superuser"] if is_superuser else []),
            *(["BYPASSRLS"] if bypasses_rls else []),
            *([f"owns {', '.join(owned)}"] if owned else []),
            *([f"can set role to {', '.join(other_roles)}"] if other_roles else []),
        ]
        if reasons:
            found.append(f"{role_name} ({'; '.join(reasons)})")
    return tuple(found)


def schema_owner(cursor, schema: str) -> str | None:
    """The role that owns ``schema`` (None when there is no such schema)."""
    cursor.execute(
        "select pg_get_userbyid(nspowner) from pg_namespace where nspname = %s", (schema,)
    )
    row = cursor.fetchone()
    return row[0] if row else None


@contextlib.contextmanager
def acting_as(cursor, owner: str) -> Iterator[None]:
    """Run the block as ``owner`` when a superuser is connected, so that what it creates (the
    mapping, the function, the policies) belongs to the marts' owner, who re-applies the
    policies after every dbt build: objects a superuser owned would stop it from doing so."""
    cursor.execute("select rolsuper, current_user from pg_roles where rolname = current_user")
    is_superuser, current = cursor.fetchone()
    switch = is_superuser and current != owner
    if switch:
        cursor.execute(sql.SQL("set local role {}").format(sql.Identifier(owner)))
    yield
    if switch:
        cursor.execute("reset role")


def _skipped(schema: str, reason: str) -> IsolationReport:
    return IsolationReport(warehouse="postgres", schema=schema, skipped_reason=reason)


def secure_schema(cursor, schema: str = DEFAULT_SCHEMA) -> IsolationReport:
    """Apply the policies and grants on ``schema`` through an open cursor (one transaction)."""
    hold_setup_lock(cursor)
    owner = schema_owner(cursor, schema)
    if owner is None:
        return _skipped(schema, f"the warehouse has no {schema} schema yet (dbt builds it)")
    if not group_exists(cursor):
        # Readers of the invoker views (Metabase's all-tenant reader) still need their chains.
        with acting_as(cursor, owner):
            secure_invoker_chains(cursor, schema, tenants=False)
        return _skipped(
            schema,
            f"no tenant role exists yet (role {TENANT_READER_GROUP} is missing): nothing to "
            "isolate; `cerebro security create-tenant-role` creates the first one",
        )
    group = sql.Identifier(TENANT_READER_GROUP)
    function = sql.Identifier(ACCESS_SCHEMA, TENANT_IDS_FUNCTION)
    filtered, newly_secured, readable, not_granted = [], [], [], []
    with acting_as(cursor, owner):
        ensure_access_objects(cursor)
        for statement in (
            sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(schema), group),
            sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(ACCESS_SCHEMA), group),
            sql.SQL("grant execute on function {}(name) to {}").format(function, group),
        ):
            cursor.execute(statement)
        cursor.execute(
            _RELATIONS,
            {
                "schema": schema,
                "readable": READABLE_POLICY,
                "isolation": ISOLATION_POLICY,
                "group": TENANT_READER_GROUP,
            },
        )
        for (
            name,
            is_table,
            rls_enabled,
            rls_forced,
            has_tenant_id,
            has_policies,
        ) in cursor.fetchall():
            table = sql.Identifier(schema, name)
            if not is_table:
                not_granted.append(name)
                continue
            if has_tenant_id:
                if not (rls_enabled and not rls_forced and has_policies):
                    secure_table(cursor, table)
                    newly_secured.append(name)
                filtered.append(name)
            else:
                readable.append(name)
            # Granted only now, after the table's policies exist, in the same transaction.
            cursor.execute(sql.SQL("grant select on {} to {}").format(table, group))
        # After the marts' tables: a chain may read them (dim_tenants), secured just above.
        invoker_views, invoker_chain, refused = secure_invoker_chains(cursor, schema, tenants=True)
        # What tenants ask from Metabase (decision 0063): insert and read their own requests.
        secure_requests(cursor)
    not_granted = [name for name in not_granted if name not in invoker_views]
    if refused:
        logger.info("security_invoker views not granted to tenants: %s", "; ".join(refused))
    return IsolationReport(
        warehouse="postgres",
        schema=schema,
        filtered=tuple(filtered),
        newly_secured=tuple(newly_secured),
        readable=tuple(readable),
        not_granted=tuple(not_granted),
        invoker_views=tuple(invoker_views),
        invoker_chain=tuple(invoker_chain),
        bypassing_roles=_bypassing_roles(cursor, schema),
    )


def _log(report: IsolationReport) -> None:
    logger.info(report.summary())
    if report.bypassing_roles:
        logger.warning("tenant roles escape row-level security: %s", report.bypassing_roles)


def apply_tenant_isolation(warehouse: Warehouse, schema: str = DEFAULT_SCHEMA) -> IsolationReport:
    """Enable row-level security and tenant policies on every table of ``schema`` that has a
    ``tenant_id`` column, and grant the tenant group SELECT on the schema's tables.

    Run it after every dbt build (dbt drops and recreates tables, and their policies with
    them), as the role that owns the marts (or a superuser). Idempotent: tables already
    secured are left alone (no lock taken on them). On DuckDB it does nothing and says so.
    """
    if warehouse.kind != "postgres":
        report = IsolationReport(
            warehouse=warehouse.kind,
            schema=schema,
            skipped_reason=(
                f"the {warehouse.kind} warehouse has no roles or row-level security "
                "(tenant isolation is for PostgreSQL)"
            ),
        )
        _log(report)
        return report
    try:
        with warehouse.connect() as connection, connection.cursor() as cursor:
            report = secure_schema(cursor, schema)
    except errors.InsufficientPrivilege as error:
        raise TenantIsolationError(
            f"cannot secure {schema} as {warehouse.settings.postgres.user}: {error}. "
            "Run it as the role that owns the marts (the role dbt uses)."
        ) from error
    _log(report)
    return report
