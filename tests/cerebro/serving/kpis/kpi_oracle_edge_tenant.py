"""A hand-made tenant, `edge_cl`, whose raw rows hit the cases the demo never produces.

The demo's data is clean (every city known, one successful SALE per order, no CAPTURE, no
out-of-range rating...), so on it many decisions cannot tell two implementations apart. These
rows are added to a copy of the demo's DuckDB warehouse and the marts the KPI functions read
rebuilt, so that the KPI functions and the oracle both see them. Each row's comment says what
it is there for.
Timestamps are UTC; Santiago is UTC-4 until 2026-09-06 00:00 local, UTC-3 afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import duckdb

from tests.cerebro.serving.kpis.kpi_marts import lineage_of_marts_read_by
from tests.support.dbt_in_process import run_dbt

TENANT = {"tenant_id": "edge_cl", "tenant_name": "Casos límite", "timezone": "America/Santiago",
          "currency": "CLP", "country_code": "CL"}  # fmt: skip


def _utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _customer(customer_id, created, **fields) -> dict:
    base = {"customer_id": customer_id, "email": f"{customer_id.lower()}@example.cl",
            "phone": "+56900000000", "state": "ENABLED", "verified_email": True,
            "default_address_country_code": "CL", "created_at": _utc(created),
            "updated_at": _utc(created)}  # fmt: skip
    return {**base, **fields}


def _order(order_id, customer_id, created, total, **fields) -> dict:
    base = {"order_id": order_id, "customer_id": customer_id, "created_at": _utc(created),
            "processed_at": _utc(created), "updated_at": _utc(created) + dt.timedelta(hours=2),
            "currency": "CLP", "total_amount": total, "is_test": False,
            "shipping_country_code": "CL"}  # fmt: skip
    return {**base, **fields}


def _transaction(transaction_id, order_id, kind, status, gateway, processed) -> dict:
    return {"transaction_id": transaction_id, "order_id": order_id, "kind": kind,
            "status": status, "gateway": gateway, "created_at": _utc(processed),
            "processed_at": _utc(processed)}  # fmt: skip


def _fulfillment(fulfillment_id, order_id, status, created, delivered=None) -> dict:
    return {"fulfillment_id": fulfillment_id, "order_id": order_id, "status": status,
            "created_at": _utc(created), "updated_at": _utc(created),
            "delivered_at": _utc(delivered) if delivered else None}  # fmt: skip


def _line(line_id, order_id, title, quantity, original, discount) -> dict:
    return {"order_line_id": line_id, "order_id": order_id, "product_title": title,
            "quantity": quantity, "original_total_amount": original,
            "discount_amount": discount}  # fmt: skip


def _checkout(checkout_id, customer_id, created, *, completed=None, order_id=None,
              updated="same") -> dict:  # fmt: skip
    return {"checkout_id": checkout_id, "customer_id": customer_id, "order_id": order_id,
            "created_at": _utc(created),
            "updated_at": _utc(completed or created) if updated == "same" else None,
            "completed_at": _utc(completed) if completed else None}  # fmt: skip


# fmt: off
ROWS = {
    "customers": [
        # Signup UTM with spaces and capitals -> Google Ads; dotted valid RUT; enabled and
        # verified; city with capitals, ñ and spaces -> Ñuñoa, Región Metropolitana.
        _customer("EC1", "2026-10-05 15:00:00", signup_utm_source=" Google ",
                  signup_utm_medium="CPC", rut="12.345.678-5", default_address_city="  ÑUÑOA ",
                  default_address_province_code="RM"),
        # No signup touchpoint: the first order (unpaid) brings google.cl -> SEO / Orgánico;
        # RUT with lowercase k and no hyphen; e-mail not verified; alias city.
        _customer("EC2", "2026-10-06 15:00:00", rut="7000013k", verified_email=False,
                  default_address_city="Stgo Centro", default_address_province_code="RM"),
        # No touchpoint, no order -> Directo; wrong check digit; no city, province VS.
        _customer("EC3", "2026-10-07 15:00:00", rut="12.345.678-9", state="DISABLED",
                  default_address_province_code="VS"),
        # A referring site no rule knows -> Otro; no RUT; unknown city, no province.
        _customer("EC4", "2026-10-08 15:00:00", signup_referring_site="https://example.org/a",
                  default_address_city="Villa Inventada"),
        # Only a campaign (not a touchpoint field): first order is a test order (skipped),
        # the next has no touchpoint -> Directo. Blank RUT. Comuna beats the province code.
        _customer("EC5", "2026-10-09 15:00:00", signup_utm_campaign="solo_campaign", rut="  ",
                  state="INVITED", verified_email=False, default_address_city="Viña del Mar",
                  default_address_province_code="RM"),
        # 23:30 local on 30 September (UTC-3): not an October sign-up. Medium-only rule
        # -> Email. A Peruvian address: matched among Peru's districts.
        _customer("EC6", "2026-10-01 02:30:00", signup_utm_medium="Newsletter", rut="0-0",
                  default_address_country_code="PE", default_address_city="Miraflores"),
        # 23:59:59 local on 5 September (UTC-4, the night Chile's clocks jump).
        _customer("EC7", "2026-09-06 03:59:59", signup_referring_site="http://l.facebook.com/x",
                  rut="5.126.663-3", default_address_city="Providencia"),
        # Only ever active through a test order (and the checkout that became it).
        _customer("EC8", "2026-09-20 15:00:00", default_address_city="Macul"),
    ],
    "orders": [
        # Paid by a CAPTURE after a failed SALE and an AUTHORIZATION; two refunds.
        _order("EO1", "EC1", "2026-10-10 13:00:00", 10000.0, rating=5,
               shipping_city="  ÑUÑOA "),
        # Two successful SALEs: the first one's gateway counts. Out-of-range rating.
        _order("EO2", "EC1", "2026-10-20 23:30:00", 20000.0, rating=0,
               shipping_city="Providencia"),
        # EC2's first order: never paid, not cancelled; it carries EC2's first touch.
        _order("EO3", "EC2", "2026-10-11 12:00:00", 8000.0,
               referring_site="https://www.google.cl/search?q=gasfiter",
               shipping_city="Stgo Centro"),
        # 23:30 local on 15 October; a gateway no seed row knows -> Otro.
        _order("EO4", "EC2", "2026-10-16 02:30:00", 15000.0, shipping_city="Stgo Centro"),
        # Paid, fulfilled, rated, then cancelled: never valid, never completed.
        _order("EO5", "EC2", "2026-10-18 12:00:00", 9000.0, rating=4,
               cancelled_at=_utc("2026-10-19 12:00:00"), shipping_city="Macul"),
        # A test order: nowhere, not even as EC5's first touch.
        _order("EO6", "EC5", "2026-10-02 12:00:00", 5000.0, is_test=True,
               landing_utm_source="fb", landing_utm_medium="paid_social",
               shipping_city="Macul"),
        # No touchpoint at all; no shipping city -> Sin comuna.
        _order("EO7", "EC5", "2026-10-03 12:00:00", 7000.0, rating=3),
        # Refunded more than its total: net amount below zero. Unknown city: kept as typed.
        _order("EO8", "EC6", "2026-09-30 12:00:00", 4000.0, shipping_city="Villa Inventada"),
        # 01:00 local on 6 September (the first instant after the jump).
        _order("EO9", "EC7", "2026-09-06 04:00:00", 12000.0, rating=2,
               shipping_city="Providencia"),
        # 23:59:59 local on 5 September.
        _order("EO10", "EC7", "2026-09-06 03:59:59", 3000.0, shipping_city="Providencia"),
        # EC6 again in October: retained at month offset 1.
        _order("EO11", "EC6", "2026-10-25 12:00:00", 4500.0, shipping_city="Lo Barnechea"),
        # EC8's test order: neither its checkout nor EC8 count in October.
        _order("EO12", "EC8", "2026-10-14 12:00:00", 6000.0, is_test=True,
               shipping_city="Macul"),
    ],
    "transactions": [
        _transaction("ET1", "EO1", "SALE", "FAILURE", "webpay_plus", "2026-10-10 13:01:00"),
        _transaction("ET2", "EO1", "AUTHORIZATION", "SUCCESS", "khipu", "2026-10-10 13:02:00"),
        _transaction("ET3", "EO1", "CAPTURE", "SUCCESS", "mercado_pago", "2026-10-10 13:05:00"),
        _transaction("ET4", "EO2", "SALE", "SUCCESS", "flow", "2026-10-20 23:31:00"),
        _transaction("ET5", "EO2", "SALE", "SUCCESS", "bank_transfer", "2026-10-20 23:40:00"),
        _transaction("ET6", "EO3", "SALE", "PENDING", "khipu", "2026-10-11 12:01:00"),
        _transaction("ET7", "EO4", "SALE", "SUCCESS", "cryptopay", "2026-10-16 02:31:00"),
        _transaction("ET8", "EO5", "SALE", "SUCCESS", "webpay_plus", "2026-10-18 12:01:00"),
        _transaction("ET9", "EO6", "SALE", "SUCCESS", "bogus", "2026-10-02 12:01:00"),
        _transaction("ET10", "EO7", "SALE", "SUCCESS", "khipu", "2026-10-03 12:02:00"),
        _transaction("ET11", "EO8", "SALE", "SUCCESS", "yape", "2026-09-30 12:01:00"),
        _transaction("ET12", "EO8", "REFUND", "SUCCESS", "yape", "2026-10-02 12:00:00"),
        _transaction("ET13", "EO9", "SALE", "SUCCESS", "transbank", "2026-09-06 04:03:00"),
        _transaction("ET14", "EO10", "SALE", "SUCCESS", "transbank", "2026-09-06 04:10:00"),
        _transaction("ET15", "EO11", "SALE", "SUCCESS", "yape", "2026-10-25 12:01:00"),
        _transaction("ET16", "EO12", "SALE", "SUCCESS", "bogus", "2026-10-14 12:01:00"),
    ],
    "refunds": [
        {"refund_id": "ER1", "order_id": "EO1", "amount": 1000.0,
         "created_at": _utc("2026-10-12 10:00:00")},
        {"refund_id": "ER2", "order_id": "EO1", "amount": 500.0,
         "created_at": _utc("2026-10-13 10:00:00")},
        {"refund_id": "ER3", "order_id": "EO8", "amount": 6000.0,
         "created_at": _utc("2026-10-02 12:00:00")},
    ],
    "fulfillments": [
        # A failed attempt first (ignored); the success has no delivered_at: its created_at.
        _fulfillment("EF1", "EO1", "FAILURE", "2026-10-11 10:00:00", "2026-10-11 11:00:00"),
        _fulfillment("EF2", "EO1", "SUCCESS", "2026-10-12 14:05:00"),
        # Delivered at 23:30 local on 21 October (02:30 UTC on the 22nd).
        _fulfillment("EF3", "EO2", "SUCCESS", "2026-10-21 00:00:00", "2026-10-22 02:30:00"),
        _fulfillment("EF4", "EO5", "SUCCESS", "2026-10-18 18:00:00", "2026-10-18 20:00:00"),
        # Two successes: the earliest completes the order.
        _fulfillment("EF5", "EO7", "SUCCESS", "2026-10-04 11:00:00", "2026-10-04 12:00:00"),
        _fulfillment("EF6", "EO7", "SUCCESS", "2026-10-05 11:00:00", "2026-10-05 12:00:00"),
        _fulfillment("EF7", "EO9", "SUCCESS", "2026-09-06 20:00:00", "2026-09-07 04:00:00"),
    ],
    "order_lines": [
        _line("EL1", "EO1", "Pintura", 2, 8000.0, 500.0),
        _line("EL2", "EO1", "Gasfitería", 1, 2500.0, 0.0),
        _line("EL3", "EO2", "Pintura", 1, 20000.0, 2000.0),
        _line("EL4", "EO2", "Pintura", 1, 1000.0, 0.0),  # the same service twice: one order
        _line("EL5", "EO4", "Cerrajería", 1, 15000.0, 0.0),
        _line("EL6", "EO5", "Pintura", 1, 9000.0, 0.0),
        _line("EL7", "EO6", "Pintura", 1, 5000.0, 0.0),
        _line("EL8", "EO7", "Jardinería", 3, 7000.0, 0.0),
        _line("EL9", "EO8", "Jardinería", 1, 4000.0, 0.0),
        _line("EL10", "EO9", "Gasfitería", 1, 12000.0, 0.0),
        _line("EL11", "EO10", "Pintura", 1, 3000.0, 0.0),
        _line("EL12", "EO11", "Jardinería", 1, 4500.0, 0.0),
        _line("EL13", "EO12", "Cerrajería", 1, 6000.0, 0.0),
    ],
    "checkouts": [
        _checkout("EK1", "EC1", "2026-10-10 12:50:00", completed="2026-10-10 13:00:00",
                  order_id="EO1"),
        _checkout("EK2", "EC3", "2026-10-12 12:00:00"),  # abandoned; EC3 is active in October
        _checkout("EK3", "EC4", "2026-10-30 12:00:00"),  # abandoned, 32 h before the cut-off
        _checkout("EK4", "EC4", "2026-10-31 10:00:00"),  # abandoned, too young: left out
        # The newest change of the tenant, with no updated_at: the cut-off is its created_at.
        _checkout("EK5", "EC2", "2026-10-31 20:00:00", updated=None),
        # Completed, but its order never landed: not abandoned.
        _checkout("EK6", "EC5", "2026-10-03 11:50:00", completed="2026-10-03 11:59:00"),
        _checkout("EK7", "EC7", "2026-09-06 03:50:00", completed="2026-09-06 04:00:00",
                  order_id="EO9"),
        _checkout("EK8", None, "2026-10-13 12:00:00"),  # a guest's abandoned checkout
        # Completed into a test order: test traffic, in neither side of the rate nor in MAU.
        _checkout("EK9", "EC8", "2026-10-14 11:50:00", completed="2026-10-14 12:00:00",
                  order_id="EO12"),
    ],
}
# fmt: on

PERIODS = {
    "october": (dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
    "last_day_of_september": (dt.date(2026, 9, 30), dt.date(2026, 9, 30)),
    "chile_dst_weekend": (dt.date(2026, 9, 5), dt.date(2026, 9, 6)),
    "whole_history": (dt.date(2026, 9, 1), dt.date(2026, 10, 31)),
}


def _insert(connection, table: str, rows: list[dict]) -> None:
    for row in rows:
        row = {"tenant_id": TENANT["tenant_id"], **row}
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        connection.execute(f"insert into {table} ({columns}) values ({marks})", list(row.values()))


def add_edge_tenant(duckdb_path: Path) -> None:
    """Declare the tenant and land its raw rows (as the Singer target would have)."""
    with duckdb.connect(str(duckdb_path)) as connection:
        _insert(connection, "cerebro_config.tenants", [{k: v for k, v in TENANT.items()
                                                        if k != "tenant_id"}])  # fmt: skip
        for table, rows in ROWS.items():
            _insert(connection, f"raw_shopify.{table}", rows)


def rebuild_models(duckdb_path: Path, work_dir: Path, *functions: Callable):
    """`dbt run` of the marts ``functions`` read and everything upstream of them on that
    warehouse (seeds are already loaded; the other marts keep the demo's rows, which no KPI
    function of ``functions`` reads), in this process from its parse of the project; dbt's
    result is returned whether it succeeded or not."""
    environ = {**os.environ, "CEREBRO_WAREHOUSE": "duckdb", "CEREBRO_DUCKDB_PATH": str(duckdb_path)}
    selection = lineage_of_marts_read_by(*functions)
    # No artifacts (manifest.json, graph.gpickle, run_results.json): nothing reads them.
    return run_dbt(["run", "--select", *selection, "--no-write-json"], environ, work_dir / "target")
