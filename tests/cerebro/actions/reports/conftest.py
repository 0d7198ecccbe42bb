"""Tiny crafted marts and specs for the scheduled reports, and a local SMTP server.

The warehouse takes the static renderer's tiny tenants
(tests/cerebro/serving/dashboards/static_site/tiny_marts.py: "Tienda Ñuñoa" in CLP and "Tienda
Miraflores" in PEN, whose last day of data is 31 Oct 2026) and adds two marts of hand-picked
rows that the crafted specs in ``specs/`` (report_support.SPECS_DIR) read, chosen so that every
expected figure in the tests can be worked out by hand:

t_cl, ``report_sales_daily`` (day: visits, orders, revenue)::

    2026-08-31  1000  50  5.000.000   outside September: a trap for "the previous 30 days"
    2026-09-10   400   8    400.000
    2026-09-30   100   2    100.000
    2026-10-01   200  10    600.000
    2026-10-20   300   6    300.000   week 19-25 Oct
    2026-10-26   150   3    150.000   week 26 Oct - 1 Nov
    2026-10-31    50   0          0   no orders: a previous value of 0
    2026-11-01    80   4    200.000

t_pe: 30 Oct (10 visits, 1 order, 228,25 PEN) and 31 Oct (10, 2, 456,50 PEN).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from cerebro.actions.reports.headlines import Report, build_report
from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.settings import Settings
from cerebro.warehouse import Warehouse
from tests.cerebro.actions.reports.report_support import SPECS_DIR, free_port
from tests.cerebro.serving.dashboards.static_site.tiny_marts import DATE_COLUMNS, tiny_tables

D = dt.date.fromisoformat
SALES = [
    ("t_cl", D("2026-08-31"), "Meta Ads", 1000, 50, 5_000_000.0),
    ("t_cl", D("2026-09-10"), "Meta Ads", 400, 8, 400_000.0),
    ("t_cl", D("2026-09-30"), "Google Ads", 100, 2, 100_000.0),
    ("t_cl", D("2026-10-01"), "Meta Ads", 200, 10, 600_000.0),
    ("t_cl", D("2026-10-20"), "Google Ads", 300, 6, 300_000.0),
    ("t_cl", D("2026-10-26"), "Meta Ads", 150, 3, 150_000.0),
    ("t_cl", D("2026-10-31"), "Meta Ads", 50, 0, 0.0),
    ("t_cl", D("2026-11-01"), "Google Ads", 80, 4, 200_000.0),
    ("t_pe", D("2026-10-30"), "Meta Ads", 10, 1, 228.25),
    ("t_pe", D("2026-10-31"), "Meta Ads", 10, 2, 456.5),
]
CUSTOMERS = [
    ("t_cl", "c1", D("2026-08-31")),
    ("t_cl", "c2", D("2026-09-10")),
    ("t_cl", "c3", D("2026-10-01")),
    ("t_cl", "c4", D("2026-10-26")),
    ("t_cl", "c5", D("2026-11-01")),
    ("t_pe", "p1", D("2026-10-30")),
]


def build_report_warehouse(directory: Path) -> Warehouse:
    """The tiny marts' tenants and last days of data, plus the two tables the crafted report
    specs read, written through one connection (each connection costs ~0.1 s)."""
    tiny = tiny_tables()
    tables = {
        "dim_tenants": (tiny["dim_tenants"], []),
        "mart_orders_daily": (tiny["mart_orders_daily"], DATE_COLUMNS["mart_orders_daily"]),
        "report_sales_daily": (
            pd.DataFrame(
                SALES, columns=["tenant_id", "sale_date", "channel", "visits", "orders", "revenue"]
            ),
            ["sale_date"],
        ),
        "report_customers": (
            pd.DataFrame(CUSTOMERS, columns=["tenant_id", "customer_id", "first_order_date"]),
            ["first_order_date"],
        ),
    }
    settings = Settings(
        data_dir=directory,
        tenants_file=directory / "tenants.yml",
        duckdb_path=directory / "w.duckdb",
    )
    warehouse = Warehouse(settings)
    with warehouse.connect() as connection:
        connection.execute("create schema marts")
        for name, (frame, dates) in tables.items():
            connection.register("incoming_frame", frame)
            # Dates as dates, as dbt builds them (pandas would hand DuckDB timestamps).
            columns = ", ".join(
                f"cast({c} as date) as {c}" if c in dates else c for c in frame.columns
            )
            connection.execute(f"create table marts.{name} as select {columns} from incoming_frame")
            connection.unregister("incoming_frame")
    return warehouse


@pytest.fixture(scope="session")
def report_warehouse(tmp_path_factory) -> Warehouse:
    """Built once (writing the tiny marts takes seconds); tests that write get a copy."""
    return build_report_warehouse(tmp_path_factory.mktemp("report_marts"))


@pytest.fixture
def writable_warehouse(report_warehouse, tmp_path) -> Warehouse:
    """A copy of the tiny warehouse for a test that writes (ops.report_log)."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(report_warehouse.settings.duckdb_path, path)
    settings = Settings(data_dir=tmp_path, tenants_file=tmp_path / "tenants.yml", duckdb_path=path)
    return Warehouse(settings)


@pytest.fixture(scope="session")
def report_specs():
    return load_dashboards(SPECS_DIR)


@pytest.fixture(scope="session")
def crafted_report(report_warehouse, report_specs):
    """``crafted_report(tenant_id, cadence, "YYYY-MM-DD")``: built once per session."""
    built: dict[tuple, Report] = {}

    def get(tenant_id: str, cadence: str, day: str) -> Report:
        key = (tenant_id, cadence, day)
        if key not in built:
            built[key] = build_report(
                report_warehouse, tenant_id, cadence, D(day), dashboards=report_specs
            )
        return built[key]

    return get


# A local SMTP server ---------------------------------------------------------------------------


@dataclass
class Delivered:
    envelope_to: list[str]
    message: email.message.EmailMessage


@dataclass
class Mailbox:
    """What the local SMTP server received, one entry per SMTP transaction."""

    host: str
    port: int
    delivered: list[Delivered] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.delivered.append(Delivered(list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """An aiosmtpd server on a free local port (no TLS, no login), and what it received."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox("127.0.0.1", free_port())
    controller = Controller(mailbox, hostname=mailbox.host, port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
