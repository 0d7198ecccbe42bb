"""Metabase's tenant connections read one tenant, for every mart dbt declares with `tenant_id`.

Each mart the dbt YAML declares with a `tenant_id` column is created (its declared columns,
as text) with one row per tenant, the two tenant roles are made through Cerebro's API, and
each is read through the very login Metabase gets for that tenant
(``MetabaseSettings.tenant_connection``, from METABASE_TENANT_<ID>_USER / _PASSWORD).
Oracle: the rows inserted, counted in Python (one own row per mart, zero of the other tenant).
The marts dbt builds as views are listed apart: each must declare the security_invoker
post-hook (decision 0030), without which rls.py never grants it to tenant roles; their rows
through a tenant role are tested on a real dbt build in test_invoker_views.py."""

from __future__ import annotations

import re
import secrets

import psycopg
import yaml
from psycopg import sql

from cerebro.serving.metabase.settings import load_metabase_settings
from cerebro.serving.security import apply_tenant_isolation, create_tenant_role
from cerebro.settings import PROJECT_ROOT
from tests.cerebro.serving.security.tenant_marts import CL, PE

MARTS = PROJECT_ROOT / "dbt_project" / "models" / "marts"
# A view on PostgreSQL is written 'view' or view_or_table_on_spark() (a table only on Spark,
# whose marts Metabase reads as files); a table function is 'table_function' on PostgreSQL
# whatever another engine gets.
_VIEW = re.compile(r"materialized\s*=\s*(['\"]view['\"]|view_or_table_on_spark\(\))")
_FUNCTION = re.compile(r"materialized\s*=[^,)]*['\"]table_function['\"]")
_INVOKER = re.compile(r"post_hook\s*=\s*['\"]\{\{\s*security_invoker\(\)\s*\}\}['\"]")


def declared_marts() -> dict[str, list[str]]:
    """Mart name -> declared columns, for every mart whose YAML declares ``tenant_id``."""
    marts = {}
    for path in sorted(MARTS.glob("*/_*models.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            columns = [column["name"] for column in model.get("columns", [])]
            if "tenant_id" in columns:
                marts[model["name"]] = columns
    return marts


def is_view(mart: str) -> bool:
    (path,) = MARTS.glob(f"*/{mart}.sql")
    return bool(_VIEW.search(path.read_text(encoding="utf-8")))


def is_function(mart: str) -> bool:
    """A table function (mart_rfm_customers_as_of): it stores no rows; it reads marts with
    its caller's rights (test_tenant_isolation_on_demo_marts.py calls it as each tenant)."""
    (path,) = MARTS.glob(f"*/{mart}.sql")
    return bool(_FUNCTION.search(path.read_text(encoding="utf-8")))


def runs_as_invoker(mart: str) -> bool:
    (path,) = MARTS.glob(f"*/{mart}.sql")
    return bool(_INVOKER.search(path.read_text(encoding="utf-8")))


def test_every_mart_built_as_a_view_runs_with_its_readers_rights():
    views = [name for name in declared_marts() if is_view(name)]
    assert views  # the pipeline marts
    assert [name for name in views if not runs_as_invoker(name)] == []


def test_each_metabase_tenant_connection_reads_no_row_of_the_other_tenant_in_any_mart(
    tenant_warehouse, monkeypatch, capsys
):
    marts = {name: columns for name, columns in declared_marts().items() if not is_function(name)}
    tables = {name: columns for name, columns in marts.items() if not is_view(name)}
    views = sorted(set(marts) - set(tables))
    assert len(tables) > 20
    with tenant_warehouse.as_owner() as owner:
        for name, columns in tables.items():
            owner.execute(sql.SQL("drop table if exists marts.{} cascade").format(
                sql.Identifier(name)))  # fmt: skip
            owner.execute(
                sql.SQL("create table marts.{} ({})").format(
                    sql.Identifier(name),
                    sql.SQL(", ").join(
                        sql.SQL("{} text").format(sql.Identifier(c)) for c in columns
                    ),
                )
            )
            for tenant in (CL, PE):
                owner.execute(
                    sql.SQL("insert into marts.{} (tenant_id) values (%s)").format(
                        sql.Identifier(name)
                    ),
                    (tenant,),
                )
    environ = {"METABASE_URL": "http://metabase.invalid"}
    for tenant in (CL, PE):
        role, password = f"mb_{tenant}_{secrets.token_hex(3)}", secrets.token_urlsafe(18)
        monkeypatch.setenv("MB_ROLE_PASSWORD", password)
        create_tenant_role(tenant_warehouse.warehouse, tenant, role, "MB_ROLE_PASSWORD")
        environ[f"METABASE_TENANT_{tenant.upper()}_USER"] = role
        environ[f"METABASE_TENANT_{tenant.upper()}_PASSWORD"] = password
    apply_tenant_isolation(tenant_warehouse.warehouse)
    settings = load_metabase_settings(environ)

    foreign_rows, own_rows = 0, 0
    for tenant in (CL, PE):
        login = settings.tenant_connection(tenant)
        with psycopg.connect(host=tenant_warehouse.server.host, port=tenant_warehouse.server.port,
                             dbname=tenant_warehouse.database, user=login.user,
                             password=login.password, autocommit=True) as connection:  # fmt: skip
            for name in tables:
                (other,) = connection.execute(
                    sql.SQL("select count(*) from marts.{} where tenant_id <> %s").format(
                        sql.Identifier(name)
                    ),
                    (tenant,),
                ).fetchone()
                (own,) = connection.execute(
                    sql.SQL("select count(*) from marts.{}").format(sql.Identifier(name))
                ).fetchone()
                assert (other, own) == (0, 1), (tenant, name)
                foreign_rows += other
                own_rows += own
    with capsys.disabled():
        print(
            f"\nMetabase tenant connections: {len(tables)} marts x 2 roles = "
            f"{2 * len(tables)} reads; rows of other tenants read: {foreign_rows}; own rows: "
            f"{own_rows}; marts built as security_invoker views (test_invoker_views.py): "
            f"{', '.join(views)}"
        )
