"""Tenant isolation on the marts dbt really builds: the session's demo run on PostgreSQL
(tests/conftest.py; slow, like every test of that run).

Oracle: the owner's own count of each tenant's rows in every mart."""

from __future__ import annotations

import datetime as dt
import secrets

import psycopg

from cerebro.serving.security import apply_tenant_isolation, create_tenant_role
from tests.support.demo_platform import DEMO_TENANTS

TABLES_WITH_TENANT_ID = """
select t.table_name from information_schema.tables as t
where t.table_schema = 'marts' and t.table_type = 'BASE TABLE'
  and exists (select from information_schema.columns as c
              where c.table_schema = t.table_schema and c.table_name = t.table_name
                and c.column_name = 'tenant_id')
order by 1
"""


#: The table function behind the Segmentación page (decision 0031) and the day it is asked about.
RFM_AS_OF = "select count(*) as n from marts.mart_rfm_customers_as_of(%(tenant)s, %(as_of)s)"
AS_OF = dt.date(2026, 9, 15)


def _tenant_roles(warehouse, monkeypatch) -> dict[str, tuple[str, str]]:
    """A login role per demo tenant (name, password)."""
    roles = {}
    for tenant_id in DEMO_TENANTS:
        name, password = f"demo_{tenant_id}_{secrets.token_hex(3)}", secrets.token_urlsafe(18)
        monkeypatch.setenv("DEMO_ROLE_PASSWORD", password)
        create_tenant_role(warehouse, tenant_id, name, "DEMO_ROLE_PASSWORD")
        roles[tenant_id] = (name, password)
    return roles


def test_each_demo_tenant_role_reads_exactly_the_rows_the_owner_counts_for_it(
    demo_postgres, monkeypatch
):
    warehouse = demo_postgres.warehouse
    pg = warehouse.settings.postgres
    roles = _tenant_roles(warehouse, monkeypatch)
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


def test_a_tenant_role_scores_its_own_customers_as_of_a_date_and_no_one_elses(
    demo_postgres, monkeypatch
):
    """The RFM table function runs with its caller's rights: as a tenant role, the tenant's
    own customers (as many as the owner counts) and none of the other tenant's."""
    warehouse = demo_postgres.warehouse
    pg = warehouse.settings.postgres
    roles = _tenant_roles(warehouse, monkeypatch)
    apply_tenant_isolation(warehouse)
    for tenant_id, (name, password) in roles.items():
        # Another tenant with customers of its own (ids may repeat across stores: two stores on
        # the same platform number their customers alike).
        other = next(t for t in DEMO_TENANTS if t != tenant_id)
        expected = warehouse.query(RFM_AS_OF, {"tenant": tenant_id, "as_of": AS_OF})["n"].iloc[0]
        assert expected > 0
        assert warehouse.query(RFM_AS_OF, {"tenant": other, "as_of": AS_OF})["n"].iloc[0] > 0
        with psycopg.connect(host=pg.host, port=pg.port, dbname=pg.database, user=name,
                             password=password, autocommit=True) as connection:  # fmt: skip
            seen = {
                tenant: connection.execute(
                    RFM_AS_OF.replace("%(tenant)s", "%s").replace("%(as_of)s", "%s"),
                    (tenant, AS_OF),
                ).fetchone()[0]
                for tenant in (tenant_id, other)
            }
        assert seen == {tenant_id: expected, other: 0}
