"""The crafted warehouse of the security tests: two tenants' rows in three marts, a mart
without tenant_id, a view, and a table in every schema a tenant role must not read. Tests
count the rows below in Python to know what each tenant must see."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from cerebro.warehouse import Warehouse

CL, PE = "casafacil_cl", "tiendita_pe"
ORDERS = [(CL, "o1", 1000), (CL, "o2", 2500), (CL, "o3", 400), (PE, "o4", 30), (PE, "o5", 45)]
ORDERS_DAILY = [
    (CL, "2026-10-01", 2), (CL, "2026-10-02", 1),
    (PE, "2026-10-01", 1), (PE, "2026-10-02", 1), (PE, "2026-10-03", 4), (PE, "2026-10-04", 2),
]  # fmt: skip
# A row without a tenant belongs to no tenant: no tenant role may see it.
CUSTOMERS = [(CL, "c1"), (PE, "c2"), (PE, "c3"), (None, "c_without_tenant")]
SEGMENTS = [("Campeones", 5), ("Frecuentes alejados", 2), ("Hibernando", 1)]  # no tenant_id column
TENANT_TABLES = {
    "fct_orders": ORDERS,
    "mart_orders_daily": ORDERS_DAILY,
    "dim_customers": CUSTOMERS,
}
HIDDEN_SCHEMAS = ("raw_shopify", "staging", "intermediate", "ml", "ops", "reference")

MARTS_DDL = """
create table marts.fct_orders (tenant_id text, order_id text, total_amount bigint);
create table marts.mart_orders_daily (tenant_id text, order_date date, orders bigint);
create table marts.dim_customers (tenant_id text, customer_id text);
create table marts.dim_rfm_segments (segment text, customers bigint);
create view marts.mart_pipeline_runs as
    select tenant_id, count(*) as orders from marts.fct_orders group by 1;
"""


def rows_of(table: str, tenant_id: str) -> int:
    """How many crafted rows of ``table`` belong to ``tenant_id``."""
    return sum(1 for row in TENANT_TABLES[table] if row[0] == tenant_id)


@dataclass(frozen=True)
class Role:
    name: str
    password: str = field(repr=False)


@dataclass
class TenantWarehouse:
    """The crafted database, its owner, and Cerebro's ``Warehouse`` connected as the owner."""

    server: object
    database: str
    owner: Role
    warehouse: Warehouse

    def connect(self, role: Role, **kwargs) -> psycopg.Connection:
        return psycopg.connect(host=self.server.host, port=self.server.port, user=role.name,
                               password=role.password, dbname=self.database, autocommit=True,
                               **kwargs)  # fmt: skip

    def as_owner(self) -> psycopg.Connection:
        return self.connect(self.owner)

    def as_superuser(self, **kwargs) -> psycopg.Connection:
        return self.server.connect(self.database, **kwargs)


def build_marts(connection: psycopg.Connection) -> None:
    """The crafted marts and hidden schemas, created by ``connection``'s role."""
    connection.execute("create schema marts")
    connection.execute(MARTS_DDL)
    with connection.cursor() as cursor:
        for table, rows in TENANT_TABLES.items():
            placeholders = ", ".join(["%s"] * len(rows[0]))
            cursor.executemany(f"insert into marts.{table} values ({placeholders})", rows)
        cursor.executemany("insert into marts.dim_rfm_segments values (%s, %s)", SEGMENTS)
    for schema in HIDDEN_SCHEMAS:
        connection.execute(f"create schema if not exists {schema}")
        connection.execute(f"create table {schema}.secret_rows as select * from marts.fct_orders")


def write_tenants_file(path: Path) -> Path:
    """A tenants file declaring the two crafted tenants."""
    path.write_text(
        "tenants:\n"
        f"  - {{tenant_id: {CL}, name: Casa Fácil, timezone: America/Santiago, currency: CLP,"
        " country_code: CL}\n"
        f"  - {{tenant_id: {PE}, name: Tiendita, timezone: America/Lima, currency: PEN,"
        " country_code: PE}\n",
        encoding="utf-8",
    )
    return path
