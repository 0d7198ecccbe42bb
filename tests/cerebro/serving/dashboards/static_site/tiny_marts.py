"""A tiny crafted warehouse for the static renderer's tests: a DuckDB file with a `marts` schema
just rich enough for the crafted specs in ``specs/`` (every display kind, two currencies, an
empty result, a table longer than a page shows)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from cerebro.settings import Settings
from cerebro.warehouse import Warehouse

SPECS_DIR = Path(__file__).parent / "specs"
LAST_DAY = dt.date(2026, 10, 31)
CHANNELS = ("Meta Ads", "Google Ads", "Orgánico")
TENANTS = {
    # tenant_id: (name, currency, unit price, regions). Prices are exact binary fractions, so
    # that sums do not depend on the order a warehouse adds them in.
    "t_cl": ("Tienda Ñuñoa", "CLP", 49494.0, ("Región Metropolitana", "Valparaíso", "Biobío")),
    "t_pe": ("Tienda Miraflores", "PEN", 228.25, ("Lima", "Arequipa")),
}
#: More customers than a page shows (card_views.TABLE_ROWS_SHOWN): the CSV has them all.
CL_CUSTOMERS = 620


def _sales() -> pd.DataFrame:
    rows = []
    for tenant_id, (_, _, price, regions) in TENANTS.items():
        for day_index in range(92):
            day = LAST_DAY - dt.timedelta(days=day_index)
            for c, channel in enumerate(CHANNELS):
                for r, region in enumerate(regions):
                    bonus = 2 if channel == "Meta Ads" else 0
                    orders = 1 + (day_index * 7 + c * 3 + r) % 5 + bonus
                    rows.append((tenant_id, day, channel, region, orders, orders * price))
    return pd.DataFrame(
        rows, columns=["tenant_id", "sale_date", "channel", "region", "orders", "revenue"]
    )


def _customers() -> pd.DataFrame:
    rows = [
        ("t_cl", f"c{i:04d}", f"José Ñúñez {i}",
         "Frecuentes alejados" if i % 4 == 0 else "Campeones", 100000.0 + 997.5 * i,
         (i % 100) / 100, LAST_DAY - dt.timedelta(days=i % 90), "Sí" if i % 10 == 0 else "No")
        for i in range(CL_CUSTOMERS)
    ]  # fmt: skip
    rows += [
        ("t_pe", "p1", "Ana Quispe", "Campeones", 1520.5, 0.91, LAST_DAY, "Sí"),
        ("t_pe", "p2", "Luis Mamani", "Frecuentes alejados", 310.25, 0.12,
         LAST_DAY - dt.timedelta(days=80), "No"),
    ]  # fmt: skip
    columns = ["tenant_id", "customer_id", "name", "segment", "clv", "p_alive",
               "last_order_date", "is_vip"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    # Contact data, for the pages that must leave it out (test_tenant_folders.py): an e-mail
    # and a phone unique to each customer and tenant.
    frame["email"] = frame["customer_id"] + "@" + frame["tenant_id"].str.replace("_", "-") + ".test"
    prefixes = {"t_cl": "+56 9", "t_pe": "+51 9"}
    frame["phone"] = [f"{prefixes[t]} {9000000 + i:07d}" for i, t in enumerate(frame["tenant_id"])]
    return frame


def _cohorts() -> pd.DataFrame:
    """Six monthly cohorts for t_cl only (t_pe's heatmap is empty)."""
    rows = []
    for index in range(6):
        cohort = dt.date(2026, 5 + index, 1)
        for months_since in range(6 - index):
            rows.append(("t_cl", cohort, months_since, 1.0 if months_since == 0 else
                         0.42 / months_since + 0.01 * index))  # fmt: skip
    return pd.DataFrame(rows, columns=["tenant_id", "cohort_month", "months_since", "retention"])


def _channel_value_and_curves() -> tuple[pd.DataFrame, pd.DataFrame]:
    values, curves = [], []
    for tenant_id, (_, _, price, _) in TENANTS.items():
        for c, channel in enumerate(CHANNELS):
            values.append((tenant_id, channel, price * (0.4 + 0.2 * c), price * (3 - 0.5 * c)))
            for step in range(10):
                spend = price * 20 * (step + 1)
                revenue = spend * (2.5 - 0.4 * c) / (1 + 0.1 * step)
                curves.append((tenant_id, channel, spend, revenue, step == 4 + c))
    return (
        pd.DataFrame(values, columns=["tenant_id", "channel", "cac", "ltv"]),
        pd.DataFrame(curves, columns=["tenant_id", "channel", "spend", "revenue", "is_current"]),
    )


#: Columns that are dates in the marts (the tables are written with timestamps first).
DATE_COLUMNS = {
    "mart_orders_daily": ["created_date"],
    "sales_daily": ["sale_date"],
    "customers": ["last_order_date"],
    "cohorts": ["cohort_month"],
}


def tiny_tables() -> dict[str, pd.DataFrame]:
    """The `marts` tables the crafted specs read, by name."""
    channel_value, curves = _channel_value_and_curves()
    return {
        "dim_tenants": pd.DataFrame(
            [(t, name, currency) for t, (name, currency, _, _) in TENANTS.items()],
            columns=["tenant_id", "tenant_name", "currency"],
        ),
        # What latest_data_date() reads: the default period ends on each tenant's last day.
        "mart_orders_daily": pd.DataFrame(
            [("t_cl", LAST_DAY), ("t_pe", LAST_DAY)], columns=["tenant_id", "created_date"]
        ),
        "sales_daily": _sales(),
        "customers": _customers(),
        "cohorts": _cohorts(),
        "channel_value": channel_value,
        "response_curves": curves,
        "cycles": pd.DataFrame(
            [("t_cl", 40.5), ("t_cl", 49.42), ("t_pe", 12.0)], columns=["tenant_id", "cycle_hours"]
        ),
    }


def fill_warehouse(warehouse: Warehouse) -> Warehouse:
    """Write the tiny marts into ``warehouse`` (DuckDB or PostgreSQL), dates as dates."""
    for name, frame in tiny_tables().items():
        dates = DATE_COLUMNS.get(name, [])
        warehouse.replace_table("marts", name, frame.astype(dict.fromkeys(dates, "datetime64[ns]")))
        with warehouse.connect() as connection:
            for column in dates:
                connection.execute(f"alter table marts.{name} alter column {column} type date")
    return warehouse


def build_tiny_warehouse(directory: Path) -> Warehouse:
    """A DuckDB file with the tiny marts."""
    settings = Settings(
        data_dir=directory,
        tenants_file=directory / "tenants.yml",
        duckdb_path=directory / "w.duckdb",
    )
    return fill_warehouse(Warehouse(settings))
