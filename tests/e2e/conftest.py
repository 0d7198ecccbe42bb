"""A small demo platform, run for real (taps, target, dbt, Dagster) in a temporary directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from cerebro.cli import main

TENANTS_YAML = """
tenants:
  - tenant_id: test_cl
    name: Tienda de prueba Chile
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo:
      {profile: cl_services, customers: 250, seed: 11, end_date: "2026-10-31", history_days: 180}
    sources: &all_demo
      shopify: {tap: demo}
      meta_ads: {tap: demo}
      google_ads: {tap: demo}
      csv: {tap: demo}
      search_console: {tap: demo}
      calendar: {tap: demo}
  - tenant_id: test_pe
    name: Tienda de prueba Perú
    timezone: America/Lima
    currency: PEN
    country_code: PE
    demo:
      {profile: pe_services, customers: 120, seed: 12, end_date: "2026-10-31", history_days: 180}
    sources: *all_demo
"""


@dataclass
class PlatformRunOutput:
    exit_code: int
    output: str
    raw_snapshot: dict[str, pd.DataFrame]
    marts_snapshot: dict[str, pd.DataFrame]


@dataclass
class DemoPlatform:
    data_dir: Path
    tenants_file: Path
    first: PlatformRunOutput
    second: PlatformRunOutput

    @property
    def duckdb_path(self) -> Path:
        return self.data_dir / "cerebro.duckdb"

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
            return connection.execute(sql).df()


RAW_TABLES = [
    "raw_shopify.customers", "raw_shopify.orders", "raw_shopify.order_lines",
    "raw_shopify.transactions", "raw_shopify.refunds", "raw_shopify.fulfillments",
    "raw_shopify.checkouts", "raw_meta_ads.ads_insights", "raw_google_ads.campaign_performance",
    "raw_csv.ad_spend", "raw_search_console.performance_by_date", "raw_calendar.events",
]  # fmt: skip
MART_TABLES = [
    "marts.dim_customers", "marts.fct_orders", "marts.fct_order_lines", "marts.fct_checkouts",
    "marts.fct_ad_spend_daily", "marts.fct_organic_search_daily", "marts.fct_calendar_events",
]  # fmt: skip


def _snapshot(duckdb_path: Path, tables: list[str], drop_prefix: str = "_sdc_") -> dict:
    """Each table's rows, sorted, without Singer's load-time metadata columns."""
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        frames = {}
        for table in tables:
            frame = connection.execute(f"select * from {table}").df()
            kept = [c for c in frame.columns if not c.startswith(drop_prefix) and c != "loaded_at"]
            frames[table] = frame[kept].sort_values(kept[:3]).reset_index(drop=True)
        return frames


def _run(data_dir: Path, tenants_file: Path) -> PlatformRunOutput:
    result = CliRunner().invoke(
        main, ["run", "--tenants-file", str(tenants_file), "--data-dir", str(data_dir)]
    )
    duckdb_path = data_dir / "cerebro.duckdb"
    return PlatformRunOutput(
        exit_code=result.exit_code,
        output=result.output + (repr(result.exception) if result.exception else ""),
        raw_snapshot=_snapshot(duckdb_path, RAW_TABLES),
        marts_snapshot=_snapshot(duckdb_path, MART_TABLES),
    )


@pytest.fixture(scope="session")
def demo_platform(tmp_path_factory) -> DemoPlatform:
    """The platform run twice on the same small demo: the second run must change nothing."""
    root = tmp_path_factory.mktemp("platform")
    tenants_file = root / "tenants.yml"
    tenants_file.write_text(TENANTS_YAML)
    data_dir = root / "data"
    saved_environ = dict(os.environ)
    os.environ["DAGSTER_HOME"] = str(root / "dagster_home")
    for name in ("CEREBRO_DUCKDB_PATH", "CEREBRO_WAREHOUSE"):
        os.environ.pop(name, None)
    try:
        first = _run(data_dir, tenants_file)
        second = _run(data_dir, tenants_file) if first.exit_code == 0 else first
    finally:
        os.environ.clear()
        os.environ.update(saved_environ)
    return DemoPlatform(data_dir, tenants_file, first, second)
