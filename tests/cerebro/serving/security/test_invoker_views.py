"""The pipeline marts dbt builds as views (mart_pipeline_runs, mart_pipeline_reliability_daily)
read through a tenant role: security_invoker views over ops.dagster_runs's row-level security
(decision 0030). Built by the real dbt project on a crafted run history, as the warehouse's
non-superuser owner; tenant roles made through Cerebro's API. About 15 s of dbt, kept in
the default run: it is the leak test of these views.

Oracles: the owner's (all-tenant) query of each mart filtered to the tenant, and the tenants
written into RUNS, counted in Python."""

from __future__ import annotations

import os
import secrets

import pandas as pd
import psycopg
import pytest
from psycopg import errors, sql

from cerebro.serving.security import apply_tenant_isolation, create_tenant_role
from cerebro.serving.security.rls import TENANT_READER_GROUP
from cerebro.settings import PostgresSettings, Settings
from cerebro.warehouse import Warehouse
from orchestration.run_history import COLUMNS
from tests.cerebro.serving.security.tenant_marts import CL, PE, Role
from tests.dbt_project.marts.crafted_dbt import build_models, write_tenants

#: Where the owner's password is while the module's warehouse is in use.
OWNER_PASSWORD_ENV = "CEREBRO_TEST_INVOKER_OWNER_PASSWORD"
EVERY = None  # a run over every tenant: tenant_id NULL in ops.dagster_runs
#: run_id, job, tenant, status, started_at, finished_at (UTC).
RUNS = [
    ("a1", "daily_tenant", CL, "FAILURE", "2026-11-02 01:55", "2026-11-02 02:00"),
    # The other tenant's success in between recovers nothing of CL's.
    ("b1", "daily_tenant", PE, "SUCCESS", "2026-11-02 02:10", "2026-11-02 02:20"),
    ("a2", "daily_tenant", CL, "SUCCESS", "2026-11-02 02:30", "2026-11-02 02:45"),
    ("e1", "cerebro_platform", EVERY, "FAILURE", "2026-11-02 10:00", "2026-11-02 10:30"),
    ("e2", "cerebro_platform", EVERY, "SUCCESS", "2026-11-02 12:00", "2026-11-02 13:00"),
    ("b2", "cerebro_platform", PE, "FAILURE", "2026-11-03 08:00", "2026-11-03 08:06"),
    ("e3", "cerebro_platform", EVERY, "SUCCESS", "2026-11-03 09:00", "2026-11-03 09:36"),
    ("a3", "cerebro_platform", CL, "FAILURE", "2026-11-04 08:00", "2026-11-04 08:10"),
    ("e4", "daily_publish", EVERY, "STARTED", "2026-11-04 06:00", None),
]
MARTS = {
    # mart -> the owner's query of a tenant's rows: mart_pipeline_runs shows every-tenant runs
    # as they are (tenant_id NULL), the reliability mart attributes them to each tenant.
    "mart_pipeline_runs": "tenant_id = %(tenant)s or tenant_id is null",
    "mart_pipeline_reliability_daily": "tenant_id = %(tenant)s",
}
ORDER = {"mart_pipeline_runs": "run_id", "mart_pipeline_reliability_daily": "job_name, run_date"}


def run_history_frame() -> pd.DataFrame:
    """RUNS shaped as orchestration.run_history writes ops.dagster_runs."""
    rows = [
        {"run_id": run_id, "job_name": job, "status": status,
         "created_at": pd.Timestamp(started) - pd.Timedelta(minutes=1),
         "started_at": pd.Timestamp(started),
         "finished_at": pd.Timestamp(finished) if finished else pd.NaT, "tenant_id": tenant,
         "partition_start_date": "2026-11-01", "partition_end_date": "2026-11-01"}
        for run_id, job, tenant, status, started, finished in RUNS
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("created_at", "started_at", "finished_at"):
        frame[column] = frame[column].astype("datetime64[us]")
    return frame.astype({"tenant_id": "string"})


def runs_of(tenant: str | None) -> set[str]:
    return {run[0] for run in RUNS if run[2] == tenant}


class Setup:
    def __init__(self, server, database: str, owner: Role, roles: dict[str, Role], reader: Role):
        self.server, self.database, self.owner = server, database, owner
        self.roles, self.reader = roles, reader

    def connect(self, role: Role) -> psycopg.Connection:
        return psycopg.connect(host=self.server.host, port=self.server.port, user=role.name,
                               password=role.password, dbname=self.database,
                               autocommit=True)  # fmt: skip


@pytest.fixture(scope="module")
def invoker_setup(postgres_server, warehouse_owner, tmp_path_factory):
    """The ops marts built by dbt as the owner, an all-tenant reader granted the marts as
    docker/postgres/metabase_reader.sql grants them, and one tenant role per tenant."""
    directory = tmp_path_factory.mktemp("invoker_views")
    database = postgres_server.create_database("invoker")
    with postgres_server.connect(autocommit=True) as connection:
        connection.execute(sql.SQL("alter database {} owner to {}").format(
            sql.Identifier(database), sql.Identifier(warehouse_owner.name)))  # fmt: skip
    settings = Settings(
        data_dir=directory, tenants_file=directory / "tenants.yml", warehouse="postgres",
        postgres=PostgresSettings(host=postgres_server.host, port=postgres_server.port,
                                  user=warehouse_owner.name, database=database,
                                  password_env_var=OWNER_PASSWORD_ENV),
    )  # fmt: skip
    environ = {**os.environ, **postgres_server.cerebro_environ(database),
               "CEREBRO_PG_USER": warehouse_owner.name,
               "CEREBRO_PG_PASSWORD": warehouse_owner.password}  # fmt: skip
    reader = Role(f"all_reader_{secrets.token_hex(3)}", secrets.token_urlsafe(18))
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv(OWNER_PASSWORD_ENV, warehouse_owner.password)
        warehouse = Warehouse(settings)
        write_tenants(warehouse, {CL: "America/Santiago", PE: "America/Lima"})
        warehouse.replace_table("ops", "dagster_runs", run_history_frame())
        build_models(environ, directory, "+mart_pipeline_runs", "+mart_pipeline_reliability_daily")
        setup = Setup(postgres_server, database, warehouse_owner, {}, reader)
        with setup.connect(warehouse_owner) as owner:
            owner.execute(sql.SQL("create role {} login password {}").format(
                sql.Identifier(reader.name), sql.Literal(reader.password)))  # fmt: skip
            owner.execute(sql.SQL("grant usage on schema marts to {}").format(
                sql.Identifier(reader.name)))  # fmt: skip
            owner.execute(sql.SQL("grant select on all tables in schema marts to {}").format(
                sql.Identifier(reader.name)))  # fmt: skip
            # Views no dbt model declares security_invoker for: one with its owner's rights,
            # one with the reader's rights over a table without tenant_id.
            owner.execute("create view marts.mart_unlisted as select * from ops.dagster_runs")
            owner.execute("create table ops.run_notes as select run_id from ops.dagster_runs")
            owner.execute(
                "create view marts.mart_unlisted_invoker with (security_invoker = true) as "
                "select * from ops.run_notes"
            )
        for tenant in (CL, PE):
            role = Role(f"runs_{tenant}_{secrets.token_hex(3)}", secrets.token_urlsafe(18))
            monkeypatch.setenv("RUNS_ROLE_PASSWORD", role.password)
            create_tenant_role(warehouse, tenant, role.name, "RUNS_ROLE_PASSWORD")
            setup.roles[tenant] = role
        report = apply_tenant_isolation(warehouse)
        yield setup, report


def read(connection, mart: str, where: str = "true", params: dict | None = None):
    return connection.execute(
        f"select * from marts.{mart} where {where} order by {ORDER[mart]}", params or {}
    ).fetchall()


@pytest.mark.parametrize("tenant", [CL, PE])
@pytest.mark.parametrize("mart", sorted(MARTS))
def test_a_tenant_reads_its_and_every_tenant_rows_equal_to_the_owners_filtered_query(
    invoker_setup, mart, tenant, capsys
):
    setup, _ = invoker_setup
    other = PE if tenant == CL else CL
    with setup.connect(setup.owner) as owner:
        expected = read(owner, mart, MARTS[mart], {"tenant": tenant})
        everything = read(owner, mart)
    with setup.connect(setup.roles[tenant]) as connection:
        seen = read(connection, mart)
        (foreign,) = connection.execute(
            f"select count(*) from marts.{mart} where tenant_id = %s", (other,)
        ).fetchone()
    assert foreign == 0
    assert seen == expected  # every column of every row, the figures included
    assert len(everything) > len(seen) > 0  # the owner's query does see the other tenant
    if mart == "mart_pipeline_runs":
        assert {row[1] for row in seen} == runs_of(tenant) | runs_of(EVERY)
    with capsys.disabled():
        print(f"\n{mart} as {tenant}: {len(seen)} rows equal to the owner's filtered query, "
              f"{foreign} rows of {other}")  # fmt: skip


def test_the_tenant_reads_ops_dagster_runs_only_through_its_policy(invoker_setup):
    setup, _ = invoker_setup
    with setup.connect(setup.roles[CL]) as connection:
        runs = {row[0] for row in connection.execute("select run_id from ops.dagster_runs")}
        staged = connection.execute("select run_id from staging.stg_ops__dagster_runs").fetchall()
    assert runs == runs_of(CL) | runs_of(EVERY)
    assert {row[0] for row in staged} == runs


def test_views_no_model_declares_security_invoker_for_stay_closed_to_tenants(invoker_setup):
    setup, report = invoker_setup
    assert report.invoker_views == ("mart_pipeline_reliability_daily", "mart_pipeline_runs")
    assert "mart_unlisted" in report.not_granted
    assert "mart_unlisted_invoker" in report.not_granted
    with setup.connect(setup.roles[CL]) as connection:
        for view in ("mart_unlisted", "mart_unlisted_invoker"):
            with pytest.raises(errors.InsufficientPrivilege):
                connection.execute(f"select * from marts.{view}")
        with pytest.raises(errors.InsufficientPrivilege):
            connection.execute("select * from ops.run_notes")
        with pytest.raises(errors.InsufficientPrivilege):
            connection.execute("select * from ops.tenant_roles")


def test_the_all_tenant_reader_still_reads_every_tenant_through_the_invoker_views(
    invoker_setup,
):
    setup, _ = invoker_setup
    with setup.connect(setup.owner) as owner, setup.connect(setup.reader) as reader:
        for mart in MARTS:
            assert read(reader, mart) == read(owner, mart), mart
        grants = owner.execute(
            "select table_name, privilege_type from information_schema.role_table_grants "
            "where grantee = %s and table_schema = 'ops' order by 1",
            (TENANT_READER_GROUP,),
        ).fetchall()
    # ops.dagster_runs, and the tenants' own requests (decision 0063); not the mapping nor
    # other ops tables.
    assert grants == [("action_requests", "SELECT"), ("dagster_runs", "SELECT")]
