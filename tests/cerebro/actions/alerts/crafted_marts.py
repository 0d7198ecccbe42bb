"""Small crafted marts for the alert rules, with every figure worked out by hand.

Two tenants in two currencies. The evaluation day is 2026-11-20 (local); the 7-day window is
14..20 Nov, the 30-day window 22 Oct..20 Nov. Rows just outside a window carry values that
would change the result if they were counted.

Hand-worked values for t_cl on 2026-11-20:
- cart abandonment (7 d): abandoned 5 + 3 + 8 = 16 of eligible 6 + 4 + 10 = 20 -> 0.8
  (13 Nov, outside: 0 of 50). On 2026-11-21 (15..21 Nov): 8 of 10 -> 0.8 again.
- cancellation rate (7 d): cancelled 2 + 3 = 5 of created 8 + 12 = 20 -> 0.25
  (13 Nov, outside: 0 of 100).
- CAC Meta Ads (30 d): spend 100 000 + 200 000 = 300 000 for 4 + 8 = 12 new customers
  -> 25 000 (21 Oct, outside: 999 999 for 100).
- blended CAC (30 d): spend 300 000 + 200 000 (Google) = 500 000 for 12 + 8 (Google)
  + 5 (Directo, no spend) = 25 new customers -> 20 000.
- staleness at NOW (2026-11-21 06:00 UTC): shopify last landed 2026-11-19 12:00 -> 42 h
  (its older stream, 08:00, does not count); meta_ads 2026-11-21 01:00 -> 5 h.
- missing spend days as of 20 Nov: the TikTok CSV export 8..20 Nov (13 days, open), Google
  Ads 1..3 Oct (3), Meta Ads 19..22 Nov counted to the 20th (2); a Meta gap opening on
  21 Nov does not count yet -> 18 days.
t_pe: abandonment 1/10 = 0.1, cancellation 1/10 = 0.1, CAC 500 PEN / 4 = 125 PEN (Meta and
blended), shopify 3 h, no missing spend day (0).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from cerebro.settings import Settings
from cerebro.tenants import Tenant
from cerebro.warehouse import Warehouse

ALERT_DATE = dt.date(2026, 11, 20)
NEXT_DAY = ALERT_DATE + dt.timedelta(days=1)
NOW = dt.datetime(2026, 11, 21, 6, 0)  # naive UTC
TENANTS = [
    Tenant("t_cl", "Tienda Ñuñoa", "America/Santiago", "CLP", "CL", sources={}),
    Tenant("t_pe", "Tienda Miraflores", "America/Lima", "PEN", "PE", sources={}),
]
TENANTS_YAML = """
tenants:
  - {tenant_id: t_cl, name: Tienda Ñuñoa, timezone: America/Santiago, currency: CLP,
     country_code: CL}
  - {tenant_id: t_pe, name: Tienda Miraflores, timezone: America/Lima, currency: PEN,
     country_code: PE}
"""


def _frame(columns: str, rows: list[tuple], dates: tuple[str, ...] = ()) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns.split())
    for column in dates:
        frame[column] = pd.to_datetime(frame[column])
    return frame


# fmt: off
CHECKOUTS = [  # tenant_id, created_date, created, inside window, eligible, abandoned
    ("t_cl", "2026-11-20", 6, 0, 6, 5),
    ("t_cl", "2026-11-17", 4, 0, 4, 3),
    ("t_cl", "2026-11-14", 10, 0, 10, 8),
    ("t_cl", "2026-11-13", 50, 0, 50, 0),
    ("t_pe", "2026-11-20", 10, 0, 10, 1),
]
ORDERS = [  # ..., orders_created, cancelled_orders, valid_orders, valid amount, net amount
    ("t_cl", "2026-11-20", 10, "Meta Ads", "RM", "Ñuñoa", "Webpay Plus", 8, 2, 6, 6e4, 6e4),
    ("t_cl", "2026-11-15", 22, "Directo", "RM", "Maipú", "Khipu", 12, 3, 9, 9e4, 9e4),
    ("t_cl", "2026-11-13", 9, "Directo", "RM", "Maipú", "Khipu", 100, 0, 100, 1e6, 1e6),
    ("t_pe", "2026-11-19", 12, "Meta Ads", "Lima", None, "Flow", 10, 1, 9, 900.0, 900.0),
]
COMPLETIONS = [
    ("t_cl", "2026-11-20", "Directo", "RM", "Maipú", 1, 5.0, 1, 5),
    ("t_pe", "2026-11-20", "Meta Ads", "Lima", None, 1, 3.0, 0, 0),
]
AD_SPEND = [  # tenant_id, spend_date, platform, channel_group, currency, spend_amount
    ("t_cl", "2026-11-20", "meta", "Meta Ads", "CLP", 100000.0),
    ("t_cl", "2026-10-22", "meta", "Meta Ads", "CLP", 200000.0),
    ("t_cl", "2026-10-21", "meta", "Meta Ads", "CLP", 999999.0),
    ("t_cl", "2026-11-01", "google", "Google Ads", "CLP", 200000.0),
    ("t_pe", "2026-11-20", "meta", "Meta Ads", "PEN", 500.0),
]
SIGNUPS = [  # tenant_id, signup_date, acquisition_channel, region_name, new_users
    ("t_cl", "2026-11-20", "Meta Ads", "RM", 4),
    ("t_cl", "2026-10-22", "Meta Ads", "RM", 8),
    ("t_cl", "2026-10-21", "Meta Ads", "RM", 100),
    ("t_cl", "2026-11-05", "Google Ads", "RM", 8),
    ("t_cl", "2026-11-10", "Directo", "RM", 5),
    ("t_pe", "2026-11-20", "Meta Ads", "Lima", 4),
]
SOURCE_LANDINGS = [  # tenant_id, source, last batched at (UTC)
    ("t_cl", "shopify", "2026-11-19 12:00"),
    ("t_cl", "meta_ads", "2026-11-21 01:00"),
    ("t_pe", "shopify", "2026-11-21 03:00"),
]
SPEND_GAPS = [  # tenant_id, platform, channel_group, account_id, start, end, days, is_open
    ("t_cl", "tiktok", "TikTok Ads", "7001", "2026-11-08", "2026-11-20", 13, True),
    ("t_cl", "google_ads", "Google Ads", "5551234567", "2026-10-01", "2026-10-03", 3, False),
    ("t_cl", "meta_ads", "Meta Ads", "1029384756", "2026-11-19", "2026-11-22", 4, True),
    ("t_cl", "meta_ads", "Meta Ads", "2029384756", "2026-11-21", "2026-11-22", 2, True),
]
# fmt: on


def tables() -> dict[str, tuple[pd.DataFrame, list[str]]]:
    """The marts by name, with their date columns (written as timestamps, then cast)."""
    return {
        "dim_tenants": (
            _frame(
                "tenant_id tenant_name timezone currency country_code",
                [(t.tenant_id, t.name, t.timezone, t.currency, t.country_code) for t in TENANTS],
            ),
            [],
        ),
        "mart_checkouts_daily": (
            _frame(
                "tenant_id created_date checkouts_created checkouts_inside_window "
                "eligible_checkouts abandoned_checkouts",
                CHECKOUTS,
                ("created_date",),
            ),
            ["created_date"],
        ),
        "mart_orders_daily": (
            _frame(
                "tenant_id created_date created_hour channel_group region_name comuna "
                "payment_method orders_created cancelled_orders valid_orders "
                "valid_orders_amount valid_orders_net_amount",
                ORDERS,
                ("created_date",),
            ),
            ["created_date"],
        ),
        "mart_order_completions_daily": (
            _frame(
                "tenant_id completed_date channel_group region_name comuna completed_orders "
                "service_cycle_hours_total rated_orders ratings_total",
                COMPLETIONS,
                ("completed_date",),
            ),
            ["completed_date"],
        ),
        "fct_ad_spend_daily": (
            _frame(
                "tenant_id spend_date platform channel_group currency spend_amount",
                AD_SPEND,
                ("spend_date",),
            ),
            ["spend_date"],
        ),
        "mart_acquisition_daily": (
            _frame(
                "tenant_id signup_date acquisition_channel region_name new_users",
                SIGNUPS,
                ("signup_date",),
            ),
            ["signup_date"],
        ),
        "mart_ad_spend_gaps": (
            _frame(
                "tenant_id platform channel_group account_id gap_start_date gap_end_date "
                "missing_days is_open",
                SPEND_GAPS,
                ("gap_start_date", "gap_end_date"),
            ),
            ["gap_start_date", "gap_end_date"],
        ),
        "mart_source_lag": (
            _frame(
                "tenant_id source_name _sdc_last_batched_at",
                SOURCE_LANDINGS,
                ("_sdc_last_batched_at",),
            ),
            [],
        ),
    }


def write_table(warehouse: Warehouse, name: str, frame: pd.DataFrame, dates: list[str]) -> None:
    """``marts.<name>`` from ``frame``, the ``dates`` columns as SQL dates (both warehouses)."""
    warehouse.replace_table("marts", name, frame)
    with warehouse.connect() as connection:
        for column in dates:
            connection.execute(f"alter table marts.{name} alter column {column} type date")


def capital_snapshot(warehouse: Warehouse, rows: list[tuple[str, str, float]]) -> None:
    """Replace marts.mart_churn_radar_capital with one cut-off per tenant, as the real mart
    holds: (tenant_id, cutoff_date, capital_at_risk_amount)."""
    currencies = {t.tenant_id: t.currency for t in TENANTS}
    frame = _frame(
        "tenant_id cutoff_date model_version currency customers customers_at_risk "
        "capital_at_risk_amount",
        [(t, day, "bgnbd-gg-1", currencies[t], 100, 20, amount) for t, day, amount in rows],
        ("cutoff_date",),
    )
    write_table(warehouse, "mart_churn_radar_capital", frame, ["cutoff_date"])


def fill_warehouse(warehouse: Warehouse) -> Warehouse:
    for name, (frame, dates) in tables().items():
        write_table(warehouse, name, frame, dates)
    capital_snapshot(warehouse, [("t_cl", "2026-11-13", 1_000_000.0), ("t_pe", "2026-11-13", 0.0)])
    return warehouse


def duckdb_warehouse(directory: Path) -> Warehouse:
    (directory / "tenants.yml").write_text(TENANTS_YAML, encoding="utf-8")
    settings = Settings(
        data_dir=directory,
        tenants_file=directory / "tenants.yml",
        duckdb_path=directory / "alerts.duckdb",
    )
    return fill_warehouse(Warehouse(settings))
