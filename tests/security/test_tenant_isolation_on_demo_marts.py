"""Tenant isolation on the marts dbt really builds: the session's demo run on PostgreSQL
(tests/conftest.py; slow, like every test of that run).

Oracle: the owner's own count of each tenant's rows in every mart."""

from __future__ import annotations

import secrets

import psycopg

from cerebro.security import apply_tenant_isolation, create_tenant_role

#: tests/conftest.py's DEMO_TENANTS (a conftest cannot be imported by name).
DEMO_TENANTS = ("test_cl", "test_pe")

TABLES_WITH_TENANT_ID = """
select t.table_name from information_schema.tables as t
where t.table_schema = 'marts' and t.table_type = 'BASE TABLE'
  and exists (select from information_schema.columns as c
              where c.table_schema = t.table_schema and c.table_name = t.table_name
                and c.column_name = 'tenant_id')
order by 1
"""


def test_each_demo_tenant_role_reads_exactly_the_rows_the_owner_counts_for_it(
    demo_postgres, monkeypatch
):
    warehouse = demo_postgres.warehouse
    pg = warehouse.settings.postgres
    roles = {}
    for tenant_id in DEMO_TENANTS:
        name, password = f"demo_{tenant_id}_{secrets.token_hex(3)}", secrets.token_urlsafe(18)
        monkeypatch.setenv("DEMO_ROLE_PASSWORD", password)
        create_tenant_role(warehouse, tenant_id, name, "DEMO_ROLE_PASSWORD")
        roles[tenant_id] = (name, password)
    report = apply_tenant_isolation(warehouse)

    tables = warehouse.query(TABLES_WITH_TENANT_ID)["table_name"].tolist()
    assert len(tables) > 20
    assert list(report.filtered) == tables
    assert report.bypassing_roles == ()
    for tenant_id, (name, password) in roles.items():
        with psycopg.connect(host=pg.host, port=pg.port, dbname=pg.database, user=name,
                             password=password, autocommit=True) as connection:  # fmt: skip
            for table in tables:
                expected = warehouse.query(
                    f"select count(*) as n from marts.{table} where tenant_id = %(tenant)s",
                    {"tenant": tenant_id},
                )["n"].iloc[0]
                (seen,) = connection.execute(f"select count(*) from marts.{table}").fetchone()
                assert seen == expected, (tenant_id, table)
