"""The hourly run end to end on a copy of the session's DuckDB demo: the orders of the last
hours arrive through the Shopify tap and reach the operational marts, nothing landed twice
or lost, and the daily-only marts left as the daily run wrote them (decision 0034).

The copy is put back as it stood before the day's last hours landed: every Shopify row
updated after the cut-off is deleted from the raw tables, the tap's bookmarks go back to the
cut-off, and the marts lose that day (operational and daily-only alike). The demo tap then
sends exactly those rows again, as a live shop sends the hour's orders; the daily run's marts
are the expected answer.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from cerebro_raw_contract import STREAMS

from cerebro.settings import load_settings
from orchestration.hourly import run_hourly

TENANT = "test_cl"
#: The demo's last day (tests/conftest.py DEMO_TENANTS_YAML) and a cut-off inside it (noon
#: in Santiago): what was updated after it is "the last hours".
DAY = dt.date(2026, 10, 31)
CUTOFF = dt.datetime(2026, 10, 31, 15, 0)  # UTC, naive as the raw tables store it
#: Each mart with the date column its partition window is cut on.
OPERATIONAL_MARTS = {
    "mart_orders_daily": "created_date",
    "mart_order_completions_daily": "completed_date",
    "mart_checkouts_daily": "created_date",
}
DAILY_ONLY_MARTS = {"mart_customer_orders_daily": "created_date"}
SHOPIFY = [stream for stream in STREAMS if stream.source == "shopify"]


def _marts(connection, names) -> dict[str, pd.DataFrame]:
    frames = {}
    for name in names:
        frame = connection.execute(
            f"select * from marts.{name} where tenant_id = ? order by all", [TENANT]
        ).df()
        frames[name] = frame.reset_index(drop=True)
    return frames


def _raw_counts(connection) -> dict[str, int]:
    return {
        stream.name: connection.execute(
            f"select count(*) from {stream.table} where tenant_id = ?", [TENANT]
        ).fetchone()[0]
        for stream in SHOPIFY
    }


def _rewind(data_dir: Path) -> tuple[int, dict[str, pd.DataFrame]]:
    """Take the last hours out of the copy; return the rows taken out and the marts before."""
    with duckdb.connect(str(data_dir / "cerebro.duckdb")) as connection:
        before = _marts(connection, [*OPERATIONAL_MARTS, *DAILY_ONLY_MARTS])
        removed = 0
        for stream in SHOPIFY:
            removed += connection.execute(
                f"delete from {stream.table} where tenant_id = ? and {stream.replication_key} >= ?",
                [TENANT, CUTOFF],
            ).fetchone()[0]
        for name, column in (OPERATIONAL_MARTS | DAILY_ONLY_MARTS).items():
            connection.execute(
                f"delete from marts.{name} where tenant_id = ? and {column} >= ?", [TENANT, DAY]
            )
    state_path = data_dir / "state" / TENANT / "shopify.json"
    state = json.loads(state_path.read_text())
    for bookmark in state["bookmarks"].values():
        bookmark["replication_key_value"] = min(
            bookmark["replication_key_value"], CUTOFF.isoformat() + "+00:00"
        )
    state_path.write_text(json.dumps(state))
    return removed, before


@pytest.fixture(scope="module")
def hourly_on_demo(demo_duckdb, tmp_path_factory):
    root = tmp_path_factory.mktemp("hourly_on_demo")
    data_dir = root / "data"
    shutil.copytree(demo_duckdb.data_dir, data_dir, ignore=shutil.ignore_patterns("*.lock"))
    with duckdb.connect(str(data_dir / "cerebro.duckdb"), read_only=True) as connection:
        counts_before = _raw_counts(connection)
    removed, marts_before = _rewind(data_dir)
    settings = load_settings(
        {
            "CEREBRO_DATA_DIR": str(data_dir),
            "CEREBRO_TENANTS_FILE": str(demo_duckdb.settings.tenants_file),
        }
    )
    saved = dict(os.environ)
    os.environ["DAGSTER_HOME"] = str(root / "dagster_home")
    try:
        (run,) = run_hourly(settings, tenant_ids=[TENANT], day=DAY)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    with duckdb.connect(str(data_dir / "cerebro.duckdb"), read_only=True) as connection:
        counts_after = _raw_counts(connection)
        marts_after = _marts(connection, [*OPERATIONAL_MARTS, *DAILY_ONLY_MARTS])
    return run, removed, counts_before, counts_after, marts_before, marts_after


def test_the_hourly_run_lands_the_last_hours_once(hourly_on_demo):
    run, removed, counts_before, counts_after, *_ = hourly_on_demo
    assert run.success, run.error
    assert removed > 0
    # The tap re-sends the boundary rows (inclusive bookmarks): at least what was taken out,
    # and the upsert by key leaves every raw table as the daily run left it.
    assert run.records_landed >= removed
    assert counts_after == counts_before


def test_the_last_hours_reach_the_operational_marts_as_the_daily_run_built_them(hourly_on_demo):
    run, _, _, _, before, after = hourly_on_demo
    assert {"mart_orders_daily", "mart_checkouts_daily"} <= set(run.models_built)
    for name in OPERATIONAL_MARTS:
        assert not after[name].empty
        pd.testing.assert_frame_equal(after[name], before[name], check_dtype=False, obj=name)
    # The day's orders are back, at their hour and comuna.
    orders = after["mart_orders_daily"]
    day = orders[pd.to_datetime(orders["created_date"]).dt.date == DAY]
    assert day["orders_created"].sum() > 0
    assert day["created_hour"].nunique() > 1 and day["comuna"].notna().all()


def test_the_hourly_run_leaves_the_daily_marts_alone(hourly_on_demo):
    # The day taken out of a daily-only mart stays out: the next daily run brings it back.
    run, _, _, _, before, after = hourly_on_demo
    assert set(run.models_built).isdisjoint(DAILY_ONLY_MARTS)
    for name, column in DAILY_ONLY_MARTS.items():
        kept = pd.to_datetime(before[name][column]).dt.date < DAY
        assert not kept.all()
        expected = before[name][kept].reset_index(drop=True)
        pd.testing.assert_frame_equal(after[name], expected, obj=name)
