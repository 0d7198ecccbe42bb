"""A warehouse where one tenant's Shopify data came through the real tap and everything
else from the demo: the dbt project builds on it unchanged.

The session's demo warehouse (``demo_duckdb``) is copied; tenant ``test_pe``'s Shopify rows
are taken out, served by the fake Admin API, and landed back by tap-cerebro-shopify |
target-cerebro-duckdb. Oracles: the rows taken out (what lands must equal them),
``dbt build`` (every model and data test) on the mixed warehouse, and the tenant's
``fct_orders`` before and after (equal).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cerebro.landing.pipeline import run_pipeline
from cerebro.settings import DBT_PROJECT_DIR, console_script
from tests.taps.tap_cerebro_shopify.shopify_fake_shop import (
    STREAMS,
    TOKEN,
    expected_tap_rows,
    fake_shop_from_rows,
    read_raw_rows,
)

REAL_TAP_TENANT = "test_pe"
DEMO_TENANT = "test_cl"


def fct_orders(path: Path, tenant_id: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(
            "select * from marts.fct_orders where tenant_id = ? order by order_id", [tenant_id]
        ).fetchall()


def take_out_shopify_rows(path: Path, tenant_id: str) -> dict[str, list[dict]]:
    with duckdb.connect(str(path)) as connection:
        rows = read_raw_rows(connection, tenant_id)
        for stream in STREAMS:
            connection.execute(f"delete from raw_shopify.{stream} where tenant_id = ?", [tenant_id])
    return rows


@pytest.mark.slow
def test_dbt_builds_unchanged_on_real_tap_and_demo_data_mixed(
    tmp_path, demo_duckdb, make_api, httpserver
):
    warehouse = tmp_path / "mixed.duckdb"
    shutil.copy(demo_duckdb.settings.duckdb_path, warehouse)
    demo_orders_mart = fct_orders(warehouse, REAL_TAP_TENANT)
    rows = take_out_shopify_rows(warehouse, REAL_TAP_TENANT)
    make_api(fake_shop_from_rows(rows))

    run_pipeline(
        tenant_id=REAL_TAP_TENANT,
        source="shopify",
        tap_command=[console_script("tap-cerebro-shopify")],
        tap_config={
            "tenant_id": REAL_TAP_TENANT,
            "shop": "casafacil-pe",
            "access_token": TOKEN,
            "base_url": httpserver.url_for("/"),
        },
        target_command=[console_script("target-cerebro-duckdb")],
        target_config={"path": str(warehouse), "default_target_schema": "raw_shopify"},
        state_path=tmp_path / "state" / "shopify.json",
        log_dir=tmp_path / "logs",
    )
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        assert read_raw_rows(connection, REAL_TAP_TENANT) == expected_tap_rows(rows)
        tenants = connection.execute(
            "select distinct tenant_id from raw_shopify.orders order by 1"
        ).fetchall()
    assert tenants == [(DEMO_TENANT,), (REAL_TAP_TENANT,)]

    build = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "build", "--profiles-dir", ".",
         "--target-path", str(tmp_path / "dbt_target"), "--log-path", str(tmp_path / "dbt_logs")],
        cwd=DBT_PROJECT_DIR,
        env={**demo_duckdb.settings.dbt_env(), "CEREBRO_DUCKDB_PATH": str(warehouse),
             "PATH": str(Path(sys.executable).parent)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout[-5000:]
    # The same store through the real tap gives the same order facts as through the demo.
    assert fct_orders(warehouse, REAL_TAP_TENANT) == demo_orders_mart
    assert fct_orders(warehouse, DEMO_TENANT)
