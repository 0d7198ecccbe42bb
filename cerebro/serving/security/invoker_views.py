"""security_invoker views of the marts and the relations under them (their *chains*):
granted to tenants only when every view of a chain runs with its reader's rights and every
table under it can be secured (docs/decisions/0030-metabase-tenant-isolation.md)."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from cerebro.serving.security.policies import (
    EVERY_TENANT_POLICY,
    EVERY_TENANT_ROWS,
    ISOLATION_POLICY,
    READABLE_POLICY,
    TENANT_READER_GROUP,
    secure_table,
)

# Every relation a security_invoker view of the schema reads, directly or through other views
# (a view's rewrite rule depends on the relations it reads), with what securing it needs.
# PostgreSQL stores the option as written ('true', 'on', '1'): read it as a boolean.
_INVOKER_CHAINS = """
with recursive

invoker_views as (
    select c.oid from pg_class as c
    join pg_namespace as n on n.oid = c.relnamespace
    where n.nspname = %(schema)s and c.relkind = 'v'
      and exists (
          select from pg_options_to_table(c.reloptions) as o
          where o.option_name = 'security_invoker' and o.option_value::boolean
      )
),

chain (top_oid, rel_oid) as (
    select oid, oid from invoker_views
    union
    select chain.top_oid, dependency.refobjid
    from chain
    join pg_rewrite as rule on rule.ev_class = chain.rel_oid
    join pg_depend as dependency
        on dependency.classid = 'pg_rewrite'::regclass and dependency.objid = rule.oid
        and dependency.refclassid = 'pg_class'::regclass
        and dependency.refobjid <> chain.rel_oid
)

select
    top_class.relname as top_name,
    n.nspname as rel_schema,
    c.relname as rel_name,
    c.relkind as rel_kind,
    exists (
        select from pg_options_to_table(c.reloptions) as o
        where o.option_name = 'security_invoker' and o.option_value::boolean
    ) as is_invoker,
    exists (
        select from pg_attribute as a
        where a.attrelid = c.oid and a.attname = 'tenant_id' and a.attnum > 0
          and not a.attisdropped
    ) as has_tenant_id,
    c.relrowsecurity and not c.relforcerowsecurity and exists (
        select from pg_policy as p
        where p.polrelid = c.oid and p.polname = %(readable)s and p.polpermissive
          and p.polcmd = 'r' and p.polroles = array[0]::oid[]
    ) as has_readable_policy,
    array(
        select p.polname::text from pg_policy as p
        where p.polrelid = c.oid and not p.polpermissive and p.polcmd = 'r'
          -- By name: this also runs before the group exists (a ::regrole cast would fail).
          and p.polroles = array(select oid from pg_roles where rolname = %(group)s)
        order by 1
    ) as restrictive_policies
from chain
join pg_class as top_class on top_class.oid = chain.top_oid
join pg_class as c on c.oid = chain.rel_oid
join pg_namespace as n on n.oid = c.relnamespace
order by 1, 2, 3
"""

# Who may read a view besides its owner (PUBLIC is grantee 0, no role).
_VIEW_READERS = """
select distinct coalesce(grantee.rolname, 'public') as reader
from pg_class as c
join pg_namespace as n on n.oid = c.relnamespace
cross join lateral aclexplode(c.relacl) as acl
left join pg_roles as grantee on grantee.oid = acl.grantee
where n.nspname = %(schema)s and c.relname = %(view)s and acl.privilege_type = 'SELECT'
  and acl.grantee <> c.relowner
order by 1
"""


@dataclass(frozen=True)
class _ChainRelation:
    schema: str
    name: str
    kind: str
    is_invoker: bool
    has_tenant_id: bool
    has_readable_policy: bool
    restrictive_policies: tuple[str, ...]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def every_tenant_rows(self) -> bool:
        return (self.schema, self.name) in EVERY_TENANT_ROWS

    def refusal(self, marts_schema: str) -> str | None:
        """Why a chain holding this relation cannot be granted to tenants (None: it can)."""
        if self.kind == "v":
            return None if self.is_invoker else f"{self.qualified} runs with its owner's rights"
        if self.kind not in ("r", "p"):
            return f"{self.qualified} is neither a table nor a view"
        if self.schema != marts_schema and not self.has_tenant_id:
            return f"{self.qualified} has no tenant_id"
        return None

    def needs_securing(self, marts_schema: str) -> bool:
        """An outside table whose policies are missing or not the ones it should have (the
        marts' tables are secured by the main pass of ``secure_schema``)."""
        if self.kind not in ("r", "p") or self.schema == marts_schema:
            return False
        wanted = EVERY_TENANT_POLICY if self.every_tenant_rows else ISOLATION_POLICY
        return not (self.has_readable_policy and self.restrictive_policies == (wanted,))


def _invoker_chains(cursor, schema: str) -> dict[str, list[_ChainRelation]]:
    """Each security_invoker view of ``schema`` -> the relations it reads, itself included."""
    cursor.execute(
        _INVOKER_CHAINS,
        {"schema": schema, "readable": READABLE_POLICY, "group": TENANT_READER_GROUP},
    )
    chains: dict[str, list[_ChainRelation]] = {}
    for top, *fields, policies in cursor.fetchall():
        chains.setdefault(top, []).append(_ChainRelation(*fields, tuple(policies)))
    return chains


def _grant_chain(cursor, chain: list[_ChainRelation], grantee: sql.Composable) -> None:
    for schema in sorted({relation.schema for relation in chain}):
        cursor.execute(
            sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(schema), grantee)
        )
    for relation in chain:
        cursor.execute(
            sql.SQL("grant select on {} to {}").format(
                sql.Identifier(relation.schema, relation.name), grantee
            )
        )


def _view_readers(cursor, schema: str, view: str) -> list[str]:
    cursor.execute(_VIEW_READERS, {"schema": schema, "view": view})
    return [reader for (reader,) in cursor.fetchall()]


def secure_invoker_chains(
    cursor, schema: str, *, tenants: bool
) -> tuple[list[str], list[str], list[str]]:
    """Grant each security_invoker view of ``schema`` whose whole chain can be secured, with
    its chain: to the roles that already read the view (Metabase's all-tenant reader gets it
    through default privileges, and an invoker view needs its reader to read what is under
    it) and, when ``tenants``, to the tenant group after the chain's tables are secured.
    Returns the views granted, the relations under them, and the views refused (with why)."""
    granted, under, refused = [], set(), []
    secured: set[str] = set()
    for view, chain in _invoker_chains(cursor, schema).items():
        reasons = [reason for relation in chain if (reason := relation.refusal(schema))]
        if reasons:
            refused.append(f"{view} ({'; '.join(reasons)})")
            continue
        for reader in _view_readers(cursor, schema, view):
            if reader != TENANT_READER_GROUP:
                grantee = sql.SQL("public") if reader == "public" else sql.Identifier(reader)
                _grant_chain(cursor, chain, grantee)
        if tenants:
            for relation in chain:
                if relation.needs_securing(schema) and relation.qualified not in secured:
                    secure_table(
                        cursor,
                        sql.Identifier(relation.schema, relation.name),
                        every_tenant_rows=relation.every_tenant_rows,
                    )
                    secured.add(relation.qualified)
            # Granted only now, after the chain's policies exist, in the same transaction.
            _grant_chain(cursor, chain, sql.Identifier(TENANT_READER_GROUP))
        granted.append(view)
        under.update(relation.qualified for relation in chain if relation.name != view
                     or relation.schema != schema)  # fmt: skip
    return granted, sorted(under), refused
