"""The DuckDB demo of the session (tests/conftest.py), snapshotted, then run a second time.

The first run is the shared `demo_duckdb`; a second `cerebro run` into the same data
directory must change nothing, which is what the idempotency test compares.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

RAW_TABLES = [
    "raw_shopify.customers", "raw_shopify.orders", "raw_shopify.order_lines",
    "raw_shopify.transactions", "raw_shopify.refunds", "raw_shopify.fulfillments",
    "raw_shopify.checkouts", "raw_meta_ads.ads_insights", "raw_meta_ads.ad_accounts",
    "raw_google_ads.campaign_performance", "raw_google_ads.accounts",
    "raw_tiktok_ads.campaign_reports", "raw_tiktok_ads.advertisers",
    "raw_search_console.performance_by_date",
    "raw_search_console.performance_by_page", "raw_search_console.performance_by_query",
    "raw_calendar.events",
]  # fmt: skip
MART_TABLES = [
    "marts.dim_customers", "marts.fct_orders", "marts.fct_order_lines", "marts.fct_checkouts",
    "marts.fct_ad_spend_daily", "marts.fct_organic_search_daily", "marts.fct_calendar_events",
    "marts.mart_orders_daily", "marts.mart_rfm_customers", "marts.mart_cohort_retention",
]  # fmt: skip


@dataclass
class RunSnapshot:
    exit_code: int
    output: str
    raw: dict[str, pd.DataFrame]
    marts: dict[str, pd.DataFrame]


@dataclass
class DemoPlatform:
    data_dir: Path
    first: RunSnapshot

    @property
    def duckdb_path(self) -> Path:
        return self.data_dir / "cerebro.duckdb"

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
            return connection.execute(sql).df()


def _tables(duckdb_path: Path, tables: list[str]) -> dict[str, pd.DataFrame]:
    """Each table's rows, sorted, without Singer's load-time metadata columns."""
    with duckdb.connect(str(duckdb_path), read_only=True) as connection:
        frames = {}
        for table in tables:
            frame = connection.execute(f"select * from {table}").df()
            kept = [c for c in frame.columns if not c.startswith("_sdc_") and c != "loaded_at"]
            frames[table] = frame[kept].sort_values(kept).reset_index(drop=True)
        return frames


def _snapshot(run) -> RunSnapshot:
    path = run.settings.duckdb_path
    return RunSnapshot(
        run.exit_code, run.output, _tables(path, RAW_TABLES), _tables(path, MART_TABLES)
    )


@pytest.fixture(scope="session")
def demo_platform(demo_duckdb) -> DemoPlatform:
    """The shared DuckDB demo, snapshotted."""
    return DemoPlatform(demo_duckdb.data_dir, _snapshot(demo_duckdb))


@pytest.fixture(scope="session")
def demo_platform_second_run(demo_platform, demo_root, run_demo) -> RunSnapshot:
    """A second `cerebro run` into the same warehouse: it must change nothing (slow: tests
    asking for it run with `make test-slow`, see tests/conftest.py)."""
    return _snapshot(run_demo(demo_root / "duckdb", demo_root / "tenants.yml", {}))
