"""Row-level security on the marts (cerebro.serving.security.rls), on a real PostgreSQL server.

Oracles: the crafted rows of tenant_marts.py counted in Python per tenant, and the same
reads without the policy (which must leak: otherwise these tests could not fail)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from psycopg import errors, sql

from cerebro.serving.security import apply_tenant_isolation
from cerebro.serving.security.rls import TENANT_READER_GROUP, secure_schema
from cerebro.settings import PROJECT_ROOT, load_settings
from cerebro.warehouse import Warehouse
from tests.cerebro.serving.security.tenant_marts import (
    CL,
    HIDDEN_SCHEMAS,
    ORDERS,
    PE,
    SEGMENTS,
    TENANT_TABLES,
    Role,
    rows_of,
)

METABASE_READER_SQL = PROJECT_ROOT / "docker" / "postgres" / "metabase_reader.sql"


def count(connection, table: str, where: str = "true") -> int:
    return connection.execute(f"select count(*) from marts.{table} where {where}").fetchone()[0]


def rebuild_like_dbt(connection, table: str) -> None:
    """What dbt-postgres's table materialization does: build a new table, swap names, drop
    the old one (and with it the old table's policies and grants)."""
    connection.execute(f"create table marts.{table}__dbt_tmp as select * from marts.{table}")
    connection.execute(f"alter table marts.{table} rename to {table}__dbt_backup")
    connection.execute(f"alter table marts.{table}__dbt_tmp rename to {table}")
    connection.execute(f"drop table marts.{table}__dbt_backup cascade")


@pytest.mark.parametrize("tenant_id", [CL, PE])
def test_each_tenant_role_reads_exactly_its_own_rows_of_every_mart(
    shared_warehouse, shared_roles, tenant_id
):
    with shared_warehouse.connect(shared_roles[tenant_id]) as connection:
        for table in TENANT_TABLES:
            assert count(connection, table) == rows_of(table, tenant_id), table
            assert count(connection, table, f"tenant_id is distinct from '{tenant_id}'") == 0
        (amount,) = connection.execute("select sum(total_amount) from marts.fct_orders").fetchone()
    assert amount == sum(row[2] for row in ORDERS if row[0] == tenant_id)


def test_a_tenant_query_looks_its_tenant_up_once_not_once_per_row(shared_warehouse, shared_roles):
    with shared_warehouse.connect(shared_roles[CL]) as connection:
        plan = "\n".join(
            row[0] for row in connection.execute("explain select * from marts.fct_orders")
        )
    assert "InitPlan" in plan, plan
    assert "tenant_ids_of" not in plan.split("InitPlan")[0], plan  # not in the row filter


def test_a_mart_without_tenant_id_is_readable_whole_by_every_tenant_role(
    shared_warehouse, shared_roles
):
    for role in shared_roles.values():
        with shared_warehouse.connect(role) as connection:
            rows = connection.execute(
                "select segment, customers from marts.dim_rfm_segments order by 1"
            ).fetchall()
        assert rows == sorted(SEGMENTS)


def test_the_report_sorts_the_marts_into_filtered_readable_and_not_granted(
    shared_warehouse, shared_roles
):
    report = apply_tenant_isolation(shared_warehouse.warehouse)
    assert report.filtered == tuple(sorted(TENANT_TABLES))
    assert report.readable == ("dim_rfm_segments",)
    assert report.not_granted == ("mart_pipeline_runs",)
    assert report.newly_secured == ()  # create_tenant_role already applied it
    assert report.bypassing_roles == ()


def test_a_view_is_not_granted_to_tenant_roles_because_it_would_skip_the_policies(
    tenant_warehouse, tenant_roles
):
    with tenant_warehouse.connect(tenant_roles[CL]) as connection:
        with pytest.raises(errors.InsufficientPrivilege):
            connection.execute("select * from marts.mart_pipeline_runs")
        # The oracle: the same view, granted, shows every tenant (it reads as its owner).
        with tenant_warehouse.as_owner() as owner:
            owner.execute(f"grant select on marts.mart_pipeline_runs to {TENANT_READER_GROUP}")
        tenants = connection.execute("select tenant_id from marts.mart_pipeline_runs").fetchall()
    assert sorted(tenants) == [(CL,), (PE,)]


def test_reads_leak_across_tenants_when_a_rebuilt_table_is_granted_without_the_policy(
    tenant_warehouse, tenant_roles
):
    with tenant_warehouse.as_owner() as owner:
        rebuild_like_dbt(owner, "fct_orders")
        # What a default privilege (or a hand-made grant) would do right after the rebuild.
        owner.execute(f"grant select on marts.fct_orders to {TENANT_READER_GROUP}")
    with tenant_warehouse.connect(tenant_roles[CL]) as connection:
        assert count(connection, "fct_orders") == len(ORDERS)  # every tenant's rows: a leak
        report = apply_tenant_isolation(tenant_warehouse.warehouse)
        assert report.newly_secured == ("fct_orders",)
        assert count(connection, "fct_orders") == rows_of("fct_orders", CL)


def test_a_table_dbt_rebuilt_is_unreadable_to_tenants_until_apply_secures_it_again(
    tenant_warehouse, tenant_roles
):
    with tenant_warehouse.as_owner() as owner:
        rebuild_like_dbt(owner, "mart_orders_daily")
    with tenant_warehouse.connect(tenant_roles[PE]) as connection:
        with pytest.raises(errors.InsufficientPrivilege):  # fails closed, never leaks
            count(connection, "mart_orders_daily")
        first = apply_tenant_isolation(tenant_warehouse.warehouse)
        assert count(connection, "mart_orders_daily") == rows_of("mart_orders_daily", PE)
        assert count(connection, "fct_orders") == rows_of("fct_orders", PE)
    second = apply_tenant_isolation(tenant_warehouse.warehouse)
    assert first.newly_secured == ("mart_orders_daily",)
    assert second.newly_secured == ()  # idempotent: secured tables are left alone


def test_the_owner_reads_every_row_and_rewrites_them_as_incremental_models_do(
    tenant_warehouse, tenant_roles
):
    with tenant_warehouse.as_owner() as owner:
        # FORCE would put the owner under the SELECT-only policies; apply undoes it.
        owner.execute("alter table marts.fct_orders force row level security")
        assert apply_tenant_isolation(tenant_warehouse.warehouse).newly_secured == ("fct_orders",)
        assert count(owner, "fct_orders") == len(ORDERS)
        # dbt's delete+insert of an incremental model's window, as the owner.
        owner.execute("delete from marts.fct_orders where tenant_id = %s", (PE,))
        owner.execute("insert into marts.fct_orders values (%s, 'o6', 99)", (PE,))
        assert count(owner, "fct_orders") == rows_of("fct_orders", CL) + 1
    with tenant_warehouse.connect(tenant_roles[PE]) as connection:
        assert connection.execute("select order_id from marts.fct_orders").fetchall() == [("o6",)]


def _psql() -> str:
    candidate = Path(os.environ.get("CEREBRO_TEST_PG_BINDIR", "/usr/lib/postgresql/15/bin"))
    found = str(candidate / "psql") if (candidate / "psql").exists() else shutil.which("psql")
    if found is None:
        pytest.skip("psql is not installed")
    return found


def test_metabase_reader_from_its_script_still_reads_every_tenant_after_apply(
    tenant_warehouse, tenant_roles
):
    reader = Role(f"metabase_reader_{tenant_warehouse.database[-8:]}", "reader password 1")
    server, owner = tenant_warehouse.server, tenant_warehouse.owner
    # As compose's init runs it: a superuser, for the marts of their owner.
    done = subprocess.run(
        [_psql(), "-X", "-q", "-h", server.host, "-p", str(server.port), "-U", server.user,
         "-d", tenant_warehouse.database, "-v", f"reader={reader.name}",
         "-v", f"reader_password={reader.password}", "-v", f"owner={owner.name}",
         "-v", "schema=marts", "-f", str(METABASE_READER_SQL)],
        env={**os.environ, "PGPASSWORD": server.password},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    apply_tenant_isolation(tenant_warehouse.warehouse)
    with tenant_warehouse.connect(reader) as connection:
        for table, rows in TENANT_TABLES.items():
            assert count(connection, table) == len(rows), table


def test_a_tenant_role_cannot_switch_role_or_setting_to_read_another_tenant(
    shared_warehouse, shared_roles
):
    others = [shared_roles[PE].name, shared_warehouse.owner.name, shared_warehouse.server.user]
    with shared_warehouse.connect(shared_roles[CL]) as connection:
        for other in others:
            with pytest.raises(errors.InsufficientPrivilege):
                connection.execute(sql.SQL("set role {}").format(sql.Identifier(other)))
            with pytest.raises(errors.InsufficientPrivilege):
                connection.execute(
                    sql.SQL("set session authorization {}").format(sql.Identifier(other))
                )
        # A session setting names no tenant here: the tenant comes from the login role.
        connection.execute(f"set cerebro.tenant_id = '{PE}'")
        assert count(connection, "fct_orders") == rows_of("fct_orders", CL)
        # Nor can it learn which tenant another role reads.
        ids_of = "select tenant_access.tenant_ids_of(%s)"
        assert connection.execute(ids_of, (shared_roles[PE].name,)).fetchone() == ([],)
        assert connection.execute(ids_of, (shared_roles[CL].name,)).fetchone() == ([CL],)
        # The group it belongs to maps to no tenant: as the group it reads nothing.
        connection.execute(f"set role {TENANT_READER_GROUP}")
        assert count(connection, "fct_orders") == 0


def test_a_tenant_role_cannot_change_its_mapping_or_the_lookup_function(
    shared_warehouse, shared_roles
):
    with shared_warehouse.connect(shared_roles[CL]) as connection:
        connection.execute("set default_transaction_read_only = off")
        for statement in (
            f"update ops.tenant_roles set tenant_id = '{PE}'",
            f"insert into ops.tenant_roles values (current_user, '{PE}')",
            "create or replace function tenant_access.tenant_ids_of(role_name name) "
            "returns text[] language sql as $$ select array['tiendita_pe'] $$",
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                connection.execute(statement)


@pytest.mark.parametrize("schema", HIDDEN_SCHEMAS)
def test_a_tenant_role_cannot_read_any_schema_but_the_marts(shared_warehouse, shared_roles, schema):
    with (
        shared_warehouse.connect(shared_roles[CL]) as connection,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        connection.execute(f"select * from {schema}.secret_rows")


def test_a_tenant_role_cannot_write_the_marts(shared_warehouse, shared_roles):
    """Grants are the boundary: the role is not read-only by default since it inserts its
    requests (decision 0063), yet nothing of the marts can be written."""
    with shared_warehouse.connect(shared_roles[CL]) as connection:
        for statement in (
            f"insert into marts.fct_orders values ('{CL}', 'x', 1)",
            "update marts.fct_orders set total_amount = 0",
            "delete from marts.fct_orders",
            "truncate marts.fct_orders",
            "create table marts.mine (n int)",
            "alter table marts.fct_orders disable row level security",
            "drop policy cerebro_tenant_isolation on marts.fct_orders",
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                connection.execute(statement)
    with shared_warehouse.as_owner() as owner:
        assert count(owner, "fct_orders") == len(ORDERS)


def test_a_tenant_role_that_could_set_role_to_a_full_reader_is_reported_and_really_leaks(
    tenant_warehouse, tenant_roles
):
    full_reader = f"full_reader_{tenant_warehouse.database[-8:]}"
    cl_reader = tenant_roles[CL]
    with tenant_warehouse.as_owner() as owner:
        owner.execute(sql.SQL("create role {} nologin").format(sql.Identifier(full_reader)))
        owner.execute(
            sql.SQL("grant usage on schema marts to {}").format(sql.Identifier(full_reader))
        )
        owner.execute(sql.SQL("grant select on marts.fct_orders to {}").format(
            sql.Identifier(full_reader)))  # fmt: skip
        owner.execute(sql.SQL("grant {} to {}").format(
            sql.Identifier(full_reader), sql.Identifier(cl_reader.name)))  # fmt: skip
    try:
        report = apply_tenant_isolation(tenant_warehouse.warehouse)
        assert report.bypassing_roles == (f"{cl_reader.name} (can set role to {full_reader})",)
        with tenant_warehouse.connect(cl_reader) as connection:
            connection.execute(sql.SQL("set role {}").format(sql.Identifier(full_reader)))
            assert count(connection, "fct_orders") == len(ORDERS)  # why it is reported
    finally:
        # Roles are the cluster's, not the database's: a membership left behind would be
        # reported by every later test's isolation check on this server.
        with tenant_warehouse.as_owner() as owner:
            owner.execute(sql.SQL("revoke {} from {}").format(
                sql.Identifier(full_reader), sql.Identifier(cl_reader.name)))  # fmt: skip


def test_apply_does_nothing_while_no_tenant_role_exists(tenant_warehouse, tenant_roles):
    with tenant_warehouse.as_owner() as owner:
        rebuild_like_dbt(owner, "fct_orders")
    # The group is cluster-wide and other tests made it: hide it inside a transaction.
    with tenant_warehouse.as_superuser() as connection, connection.cursor() as cursor:
        cursor.execute(f"alter role {TENANT_READER_GROUP} rename to hidden_group_for_test")
        report = secure_schema(cursor, "marts")
        cursor.execute(
            "select relrowsecurity from pg_class where oid = 'marts.fct_orders'::regclass"
        )
        (rls_enabled,) = cursor.fetchone()
        connection.rollback()
    assert "no tenant role exists yet" in report.skipped_reason
    assert not rls_enabled


def test_apply_on_duckdb_is_a_no_op_that_says_so(tmp_path, caplog):
    warehouse = Warehouse(load_settings({"CEREBRO_DATA_DIR": str(tmp_path)}))
    with caplog.at_level(logging.INFO, logger="cerebro.serving.security.rls"):
        report = apply_tenant_isolation(warehouse)
    assert not report.applied
    assert "duckdb warehouse has no roles or row-level security" in caplog.text
    assert not Path(warehouse.location).exists()  # it did not even open the warehouse
