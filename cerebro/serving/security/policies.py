"""The names and policies of tenant isolation, shared by the marts pass (``rls.py``) and the
security_invoker chains (``invoker_views.py``). Design: ``rls.py``'s docstring."""

from __future__ import annotations

from psycopg import sql

#: The group every tenant role belongs to: the grants and the restrictive policy name it.
TENANT_READER_GROUP = "cerebro_tenant_reader"
#: Role -> tenant mapping, written by ``create_tenant_role``; the admin's only.
MAPPING_SCHEMA, MAPPING_TABLE = "ops", "tenant_roles"
#: The one schema outside the marts tenant roles may use: it holds only the lookup function.
ACCESS_SCHEMA, TENANT_IDS_FUNCTION = "tenant_access", "tenant_ids_of"
#: The request kinds a role may ask (``ops.tenant_roles.request_kinds``, decision 0075).
REQUEST_KINDS_FUNCTION = "request_kinds_of"
#: apply recognises a secured table by these names, kinds and roles: a change to a policy's
#: expression needs a new name, or tables secured before would keep the old one.
READABLE_POLICY = "cerebro_rows_readable"
ISOLATION_POLICY = "cerebro_tenant_isolation"
#: The restrictive policy of a table whose rows without a tenant are every tenant's.
EVERY_TENANT_POLICY = "cerebro_tenant_or_every_tenant"
DEFAULT_SCHEMA = "marts"
#: Tables outside the marts, read through security_invoker views, whose NULL tenant_id means
#: "every tenant", not "no tenant": orchestration/run_history.py writes NULL for a run over
#: several tenants, which tells a tenant nothing about another one. Every other table keeps
#: NULL rows from all tenant roles.
EVERY_TENANT_ROWS = frozenset({("ops", "dagster_runs")})

#: The transaction-level advisory lock every transaction that (re)creates the security
#: objects takes first: the dbt step's isolation pass, the request table's setup, a tenant role
#: made or revoked. Each replaces functions and policies and locks the request table; two at
#: once (the request sensor's tick beside a night's isolation pass) deadlocked, and
#: PostgreSQL aborted one of them, failing the run. Holding this first, they take turns.
SETUP_LOCK_KEY = 0x43455245  # "CERE"

#: What ``ensure_mapping`` runs (also part of the request table's setup, action_requests.py).
MAPPING_STATEMENTS = (
    f"create schema if not exists {MAPPING_SCHEMA}",
    f"""create table if not exists {MAPPING_SCHEMA}.{MAPPING_TABLE} (
        role_name name primary key,
        tenant_id text not null,
        mapped_at timestamp not null default (now() at time zone 'UTC')
    )""",
    # The request kinds the role may ask (decision 0075); NULL: every kind (a tenant's
    # reader, which Metabase's shared connection logs in as).
    f"alter table {MAPPING_SCHEMA}.{MAPPING_TABLE} add column if not exists request_kinds text[]",
    f"revoke all on {MAPPING_SCHEMA}.{MAPPING_TABLE} from public",
    f"create schema if not exists {ACCESS_SCHEMA}",
    f"revoke all on schema {ACCESS_SCHEMA} from public",
)


def hold_setup_lock(cursor) -> None:
    """Wait for any other security setup to commit, then hold the setup lock to the end of the
    cursor's transaction. Call it before the transaction's first lock on a security object."""
    cursor.execute("select pg_advisory_xact_lock(%s)", (SETUP_LOCK_KEY,))


def ensure_mapping(cursor) -> None:
    """The role -> tenant mapping and the access schema (created if missing): what the
    lookup functions read, before any tenant role exists."""
    for statement in MAPPING_STATEMENTS:
        cursor.execute(statement)


# The lookup runs once per query: as a scalar subquery it becomes an InitPlan. Called bare,
# the SECURITY DEFINER function ran once per row (19 ms against 640 ms for 19,000 rows on
# PostgreSQL 15). The cast keeps `= any (subquery)` from meaning "equal to any row of".
_ISOLATION_QUAL = (
    f"tenant_id = any ((select {ACCESS_SCHEMA}.{TENANT_IDS_FUNCTION}(current_user))::text[])"
)
_EVERY_TENANT_QUAL = f"tenant_id is null or {_ISOLATION_QUAL}"


def secure_table(cursor, table: sql.Composable, every_tenant_rows: bool = False) -> None:
    """Row-level security and the two policies on ``table``; with ``every_tenant_rows`` the
    restrictive one also lets tenants read the rows whose tenant_id is NULL."""
    group = sql.Identifier(TENANT_READER_GROUP)
    policy, qual = (
        (EVERY_TENANT_POLICY, _EVERY_TENANT_QUAL)
        if every_tenant_rows
        else (ISOLATION_POLICY, _ISOLATION_QUAL)
    )
    statements = [
        sql.SQL("alter table {} enable row level security").format(table),
        sql.SQL("alter table {} no force row level security").format(table),
        *(
            sql.SQL("drop policy if exists {} on {}").format(sql.Identifier(name), table)
            for name in (READABLE_POLICY, ISOLATION_POLICY, EVERY_TENANT_POLICY)
        ),
        sql.SQL("create policy {} on {} as permissive for select to public using (true)").format(
            sql.Identifier(READABLE_POLICY), table
        ),
        sql.SQL("create policy {} on {} as restrictive for select to {} using ({})").format(
            sql.Identifier(policy), table, group, sql.SQL(qual)
        ),
    ]
    for statement in statements:
        cursor.execute(statement)
