"""A crafted warehouse for the KPI functions' edge cases, built once per session.

Hand-written Singer messages go through the real target (target-cerebro-duckdb) into a
temporary DuckDB file, the tenants table is written as `cerebro run` writes it, and the
real dbt project builds on top the marts the KPI functions read, with everything upstream
of them and their data tests. Every row below exists for one edge case; the tests in
this folder compute their expected values by hand from these rows.

Local times are America/Santiago: UTC-3 in summer (until 2024-04-07 03:00 UTC and from
2024-09-08 04:00 UTC), UTC-4 in winter (zoneinfo agrees; the dbt unit tests check it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from cerebro_raw_contract import STREAMS

from cerebro.serving.kpis import (
    get_acquisition_kpis,
    get_cart_abandonment_rate,
    get_engagement_kpis,
    get_operations_kpis,
    get_retention_kpis,
    get_rfm_segmentation,
)
from cerebro.settings import Settings
from cerebro.tenants import Tenant, tenants_frame
from cerebro.warehouse import Warehouse
from tests.cerebro.serving.kpis.kpi_marts import lineage_of_marts_read_by
from tests.dbt_project.marts.crafted_dbt import build_models

TENANTS = [
    Tenant("edge_cl", "Tienda borde Chile", "America/Santiago", "CLP", "CL", sources={}),
    # Same business ids as edge_cl (customer "1", order "101", checkout "c1", ...).
    Tenant("edge_twin", "Tienda gemela", "America/Santiago", "CLP", "CL", sources={}),
    # Orders but not a single checkout.
    Tenant("edge_quiet", "Tienda sin checkouts", "America/Santiago", "CLP", "CL", sources={}),
]


def _customer(tenant_id, customer_id, created_at, *, rut=None, state="enabled",
              verified=True, utm_source=None, utm_medium=None):  # fmt: skip
    return {
        "tenant_id": tenant_id,
        "customer_id": customer_id,
        "email": f"cliente{customer_id}@{tenant_id}.cl",
        "state": state,
        "verified_email": verified,
        "rut": rut,
        "signup_utm_source": utm_source,
        "signup_utm_medium": utm_medium,
        "created_at": created_at,
        "updated_at": created_at,
    }


def _order(tenant_id, order_id, customer_id, created_at, total, *, updated_at,
           cancelled_at=None, is_test=False, rating=None, utm_source=None,
           utm_medium=None):  # fmt: skip
    return {
        "tenant_id": tenant_id,
        "order_id": order_id,
        "order_name": f"#{order_id}",
        "customer_id": customer_id,
        "created_at": created_at,
        "processed_at": created_at,
        "cancelled_at": cancelled_at,
        "updated_at": updated_at,
        "currency": "CLP",
        "subtotal_amount": total,
        "total_discounts_amount": 0,
        "total_shipping_amount": 0,
        "total_tax_amount": 0,
        "total_amount": total,
        "taxes_included": True,
        "is_test": is_test,
        "landing_utm_source": utm_source,
        "landing_utm_medium": utm_medium,
        "rating": rating,
    }


def _line(tenant_id, order_id, total):
    # One line per order that adds up to the total, as the reconciliation test demands.
    return {
        "tenant_id": tenant_id,
        "order_line_id": f"{order_id}-1",
        "order_id": order_id,
        "product_title": "Limpieza hogar",
        "quantity": 1,
        "unit_price_amount": total,
        "original_total_amount": total,
        "discount_amount": 0,
    }


def _transaction(tenant_id, transaction_id, order_id, processed_at, *, gateway,
                 status="success", kind="sale", amount=0):  # fmt: skip
    return {
        "tenant_id": tenant_id,
        "transaction_id": transaction_id,
        "order_id": order_id,
        "kind": kind,
        "status": status,
        "gateway": gateway,
        "amount": amount,
        "currency": "CLP",
        "created_at": processed_at,
        "processed_at": processed_at,
    }


def _checkout(tenant_id, checkout_id, customer_id, created_at, *, completed_at=None,
              order_id=None):  # fmt: skip
    return {
        "tenant_id": tenant_id,
        "checkout_id": checkout_id,
        "customer_id": customer_id,
        "order_id": order_id,
        "created_at": created_at,
        # Never updated unless completed: the cut-off then uses created_at.
        "updated_at": completed_at,
        "completed_at": completed_at,
        "items_count": 1,
        "total_amount": 1000,
        "currency": "CLP",
    }


CL, TWIN, QUIET = "edge_cl", "edge_twin", "edge_quiet"
#: The functions the tests of this folder call: the crafted warehouse holds the marts they read.
KPI_FUNCTIONS = (
    get_acquisition_kpis,
    get_cart_abandonment_rate,
    get_engagement_kpis,
    get_operations_kpis,
    get_retention_kpis,
    get_rfm_segmentation,
)

CUSTOMERS = [
    # Signs up at local midnight (summer); RUT valid with a lowercase k; Meta Ads UTMs.
    _customer(CL, "1", "2024-01-15T03:00:00+00:00", rut="16.000.004-k",
              utm_source="facebook", utm_medium="cpc"),
    # RUT with a wrong check digit (12.345.678-5 is the valid one); e-mail not verified.
    _customer(CL, "2", "2024-01-14T12:00:00+00:00", rut="12.345.678-4", verified=False),
    # No RUT at all; no orders and no UTMs.
    _customer(CL, "3", "2024-01-20T12:00:00+00:00"),
    # Whose only order was paid, then cancelled.
    _customer(CL, "4", "2024-03-01T12:00:00+00:00", rut="12.345.678-5"),
    # Whose only order was refunded more than its total.
    _customer(CL, "5", "2024-03-01T13:00:00+00:00"),
    _customer(TWIN, "1", "2024-01-15T15:00:00+00:00"),
    _customer(TWIN, "2", "2024-02-01T15:00:00+00:00"),
    _customer(QUIET, "1", "2024-05-01T12:00:00+00:00"),
]  # fmt: skip

ORDERS = [
    # 2024-01-15 00:00:00 local (summer midnight): the new day, hour 0.
    _order(CL, "101", "1", "2024-01-15T03:00:00+00:00", 10000, rating=5,
           updated_at="2024-01-16T03:00:00+00:00"),
    # 2024-07-15 00:00:00 local (winter midnight): the new day, hour 0.
    _order(CL, "102", "1", "2024-07-15T04:00:00+00:00", 20000,
           updated_at="2024-07-16T04:00:00+00:00"),
    # 2024-07-14 23:59:59 local: one second before the winter midnight.
    _order(CL, "103", "2", "2024-07-15T03:59:59+00:00", 5000,
           updated_at="2024-07-16T04:00:00+00:00", utm_source="google", utm_medium="cpc"),
    # Paid, fulfilled and rated, then cancelled: not valid, never completed.
    _order(CL, "104", "4", "2024-03-10T15:00:00+00:00", 7000, rating=5,
           cancelled_at="2024-03-11T15:00:00+00:00", updated_at="2024-03-11T15:00:00+00:00"),
    # Refunded 5 000 + 6 000 = 11 000 of an 8 000 total: net_amount -3 000.
    _order(CL, "105", "5", "2024-03-12T15:00:00+00:00", 8000,
           updated_at="2024-03-20T15:00:00+00:00"),
    # Customer 2's first order (a newsletter landing), never paid.
    _order(CL, "106", "2", "2024-02-01T15:00:00+00:00", 3000,
           updated_at="2024-02-02T15:00:00+00:00", utm_source="newsletter"),
    # A paid test order of customer 3: excluded everywhere.
    _order(CL, "107", "3", "2024-01-20T13:00:00+00:00", 9999, is_test=True,
           updated_at="2024-01-21T13:00:00+00:00"),
    # The twin tenant reuses edge_cl's ids with other values.
    _order(TWIN, "101", "1", "2024-01-15T15:00:00+00:00", 999,
           updated_at="2024-12-31T00:00:00+00:00"),
    _order(TWIN, "105", "2", "2024-03-12T15:00:00+00:00", 50000,
           updated_at="2024-03-13T15:00:00+00:00"),
    _order(QUIET, "101", "1", "2024-05-05T15:00:00+00:00", 4000,
           updated_at="2024-05-06T15:00:00+00:00"),
]  # fmt: skip

TRANSACTIONS = [
    _transaction(CL, "t101-1", "101", "2024-01-15T03:05:00+00:00", gateway="webpay_plus"),
    _transaction(CL, "t102-1", "102", "2024-07-15T04:01:00+00:00", gateway="khipu",
                 status="failure"),
    _transaction(CL, "t102-2", "102", "2024-07-15T04:02:00+00:00", gateway="mercado_pago"),
    _transaction(CL, "t103-1", "103", "2024-07-15T04:10:00+00:00", gateway="khipu"),
    _transaction(CL, "t104-1", "104", "2024-03-10T15:05:00+00:00", gateway="flow"),
    _transaction(CL, "t105-1", "105", "2024-03-12T15:05:00+00:00", gateway="webpay_plus"),
    _transaction(CL, "t106-1", "106", "2024-02-01T15:05:00+00:00", gateway="khipu",
                 status="failure"),
    _transaction(CL, "t107-1", "107", "2024-01-20T13:05:00+00:00", gateway="khipu"),
    _transaction(TWIN, "t101-1", "101", "2024-01-15T15:05:00+00:00", gateway="bank_transfer"),
    _transaction(TWIN, "t105-1", "105", "2024-03-12T15:05:00+00:00", gateway="bank_transfer"),
    _transaction(QUIET, "t101-1", "101", "2024-05-05T15:05:00+00:00", gateway="flow"),
]  # fmt: skip

REFUNDS = [
    {"tenant_id": CL, "refund_id": "r105-1", "order_id": "105", "amount": 5000,
     "created_at": "2024-03-15T15:00:00+00:00", "currency": "CLP"},
    {"tenant_id": CL, "refund_id": "r105-2", "order_id": "105", "amount": 6000,
     "created_at": "2024-03-20T15:00:00+00:00", "currency": "CLP"},
    # Same refund id as edge_cl's, on the twin's order "101": 999 - 100 = 899.
    {"tenant_id": TWIN, "refund_id": "r105-1", "order_id": "101", "amount": 100,
     "created_at": "2024-01-20T15:00:00+00:00", "currency": "CLP"},
]  # fmt: skip

FULFILLMENTS = [
    # Paid 03:05, delivered 05:05 UTC: a 2-hour service cycle.
    {"tenant_id": CL, "fulfillment_id": "f101", "order_id": "101", "status": "success",
     "created_at": "2024-01-15T04:00:00+00:00", "delivered_at": "2024-01-15T05:05:00+00:00"},
    # The cancelled order was delivered too; it must never count as completed.
    {"tenant_id": CL, "fulfillment_id": "f104", "order_id": "104", "status": "success",
     "created_at": "2024-03-10T18:00:00+00:00", "delivered_at": "2024-03-10T20:00:00+00:00"},
]  # fmt: skip

# edge_cl's cut-off is c9's creation, 2024-12-20 12:00 UTC (no order changed later), so the
# 24-hour abandonment window starts at 2024-12-19 12:00:00 UTC (exclusive).
CHECKOUTS = [
    _checkout(CL, "c1", "1", "2024-07-15T04:00:00+00:00",
              completed_at="2024-07-15T04:01:30+00:00", order_id="102"),
    _checkout(CL, "c2", "2", "2024-07-15T05:00:00+00:00"),
    # Exactly at the window's start: outside the window, eligible, and completed.
    _checkout(CL, "c3", "1", "2024-12-19T12:00:00+00:00",
              completed_at="2024-12-19T12:30:00+00:00"),
    # One second later: inside the window, left out of both sides.
    _checkout(CL, "c4", "3", "2024-12-19T12:00:01+00:00"),
    _checkout(CL, "c9", "3", "2024-12-20T12:00:00+00:00"),
    # The twin's c1 and c2 were both abandoned (edge_cl's c1 was completed).
    _checkout(TWIN, "c1", "1", "2024-07-15T04:00:00+00:00"),
    _checkout(TWIN, "c2", "2", "2024-07-15T05:00:00+00:00"),
]  # fmt: skip

RECORDS = {
    ("shopify", "customers"): CUSTOMERS,
    ("shopify", "orders"): ORDERS,
    ("shopify", "order_lines"): [_line(o["tenant_id"], o["order_id"], o["total_amount"])
                                 for o in ORDERS],
    ("shopify", "transactions"): TRANSACTIONS,
    ("shopify", "refunds"): REFUNDS,
    ("shopify", "fulfillments"): FULFILLMENTS,
    ("shopify", "checkouts"): CHECKOUTS,
}  # fmt: skip


def singer_messages() -> list[dict]:
    """SCHEMA (the tap's own JSON schema and keys) and RECORDs for every stream the dbt
    sources declare; the streams without crafted rows land empty. The stream name
    `raw_<source>-<stream>` makes the target land it in schema `raw_<source>`."""
    messages = []
    for contract in STREAMS:
        source, name = contract.source, contract.name
        stream = f"raw_{source}-{name}"
        messages.append(
            {"type": "SCHEMA", "stream": stream, "schema": contract.schema(),
             "key_properties": list(contract.primary_keys)}
        )  # fmt: skip
        messages.extend(
            {"type": "RECORD", "stream": stream, "record": record,
             "time_extracted": "2025-01-01T00:00:00+00:00"}
            for record in RECORDS.get((source, name), [])
        )  # fmt: skip
    return messages


@dataclass(frozen=True)
class CraftedWarehouse:
    warehouse: Warehouse
    duckdb_path: Path


def _run(command: list[str], *, env: dict, cwd: Path, input_text: str | None = None) -> None:
    done = subprocess.run(
        command, env=env, cwd=cwd, input=input_text, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[:2])} failed (exit {done.returncode}):\n"
            f"{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
        )


@pytest.fixture(scope="session")
def crafted(tmp_path_factory) -> CraftedWarehouse:
    """The crafted rows landed by the real target and built by the real dbt project."""
    root = tmp_path_factory.mktemp("kpis_edge_cases")
    duckdb_path = root / "crafted.duckdb"
    scripts = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(scripts), os.environ.get("PATH", "")]),
        "CEREBRO_WAREHOUSE": "duckdb",
        "CEREBRO_DUCKDB_PATH": str(duckdb_path),
    }
    config = root / "target.json"
    config.write_text(json.dumps({"path": str(duckdb_path), "add_record_metadata": True}))
    lines = "".join(json.dumps(message) + "\n" for message in singer_messages())
    _run([str(scripts / "target-cerebro-duckdb"), "--config", str(config)],
         env=env, cwd=root, input_text=lines)  # fmt: skip

    settings = Settings(data_dir=root, tenants_file=root / "tenants.yml", duckdb_path=duckdb_path)
    warehouse = Warehouse(settings)
    warehouse.replace_table("cerebro_config", "tenants", tenants_frame(TENANTS))

    build_models(env, root, *lineage_of_marts_read_by(*KPI_FUNCTIONS))
    return CraftedWarehouse(warehouse, duckdb_path)
