"""Staging leaves out raw rows with an open quarantine entry and rows with a null key part,
and keeps rows whose entry was resolved: crafted raw tables and quarantine entries on DuckDB,
two staging models built by the real dbt project once for the module. The entries' record
keys are built in Python, so a match also shows that dbt's key text equals Python's."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from cerebro_raw_contract import STREAMS

from cerebro.landing.contracts.evaluation import Breach, FailingRow, StreamEvaluation
from cerebro.landing.contracts.keys import primary_keys_from_manifest
from cerebro.landing.contracts.quarantine import (
    empty_quarantine,
    merge_quarantine,
    write_quarantine,
)
from cerebro.settings import DBT_PROJECT_DIR, load_settings
from cerebro.tenants import Tenant, tenants_frame
from cerebro.warehouse import Warehouse

pytestmark = pytest.mark.slow  # a dbt invocation

T1 = dt.datetime(2026, 11, 20, 6, 0)
T2 = dt.datetime(2026, 11, 21, 6, 0)
LANDED = [("shopify", "orders"), ("meta_ads", "ads_insights")]


def _land_empty(environ: dict, directory: Path) -> None:
    """The raw tables as the real DuckDB target creates them from the streams' schemas."""
    streams = [s for s in STREAMS if (s.source, s.name) in LANDED]
    messages = [
        {"type": "SCHEMA", "stream": f"raw_{stream.source}-{stream.name}",
         "schema": stream.schema(),
         "key_properties": list(stream.primary_keys)}
        for stream in streams
    ]  # fmt: skip
    config = directory / "target.json"
    config.write_text(
        json.dumps({"path": environ["CEREBRO_DUCKDB_PATH"], "add_record_metadata": True})
    )
    subprocess.run(
        [str(Path(sys.executable).parent / "target-cerebro-duckdb"), "--config", str(config)],
        input="".join(json.dumps(message) + "\n" for message in messages),
        env=environ, capture_output=True, text=True, check=True,
    )  # fmt: skip


def _entry(source: str, stream: str, key: str, tenant: str) -> StreamEvaluation:
    row = FailingRow(key, {"crafted": True}, (Breach("crafted_rule", "crafted"),))
    return StreamEvaluation(tenant, source, stream, 1, (), (row,), frozenset({key}))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    directory = tmp_path_factory.mktemp("staging_exclusion")
    environ = {
        **os.environ,
        "CEREBRO_WAREHOUSE": "duckdb",
        "CEREBRO_DUCKDB_PATH": str(directory / "w.duckdb"),
    }
    _land_empty(environ, directory)
    with duckdb.connect(environ["CEREBRO_DUCKDB_PATH"]) as connection:
        connection.execute(
            "insert into raw_shopify.orders (tenant_id, order_id, total_amount) values "
            "('t', 'kept', 1), ('t', 'open', -1), ('t', 'fixed', 2), ('u', 'open', 3), "
            "(null, 'no_tenant', 4)"
        )
        connection.execute(
            "insert into raw_meta_ads.ads_insights (tenant_id, account_id, campaign_id, "
            "date_start, spend) values ('t', 'a', 'c', date '2026-11-01', 1), "
            "('t', 'a', 'c', date '2026-11-02', -1), ('t', 'a', null, date '2026-11-02', 1)"
        )
    quarantine = empty_quarantine()
    for evaluation in [
        _entry("shopify", "orders", "open", "t"),
        _entry("shopify", "orders", "fixed", "t"),
        _entry("meta_ads", "ads_insights", "a|c|2026-11-02", "t"),
    ]:
        quarantine, _ = merge_quarantine(quarantine, evaluation, T1)
    # `fixed` is evaluated again at T2 and passes: its entry is resolved.
    passed = StreamEvaluation("t", "shopify", "orders", 1, (), (), frozenset({"fixed"}))
    quarantine, _ = merge_quarantine(quarantine, passed, T2)
    warehouse = Warehouse(load_settings(environ))
    write_quarantine(warehouse, quarantine)
    # Staging converts amounts to each tenant's currency (decision 0061): it reads the tenants.
    warehouse.replace_table(
        "cerebro_config", "tenants",
        tenants_frame([Tenant(t, t, "America/Santiago", "CLP", "CL", sources={}) for t in "tu"]),
    )  # fmt: skip

    dbt = Path(sys.executable).parent / "dbt"
    done = subprocess.run(
        [str(dbt), "run", "--profiles-dir", ".", "--target-path", str(directory / "target"),
         "--log-path", str(directory / "logs"),
         # With what they read: the tenants and the rates in force (empty here).
         "--select", "+stg_shopify__orders", "+stg_meta_ads__ads_insights"],
        cwd=DBT_PROJECT_DIR, env=environ, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"dbt run failed:\n{done.stdout[-6000:]}")
    manifest = json.loads((directory / "target" / "manifest.json").read_text())
    return warehouse, manifest


def test_staging_leaves_out_open_entries_and_null_keys_and_keeps_resolved_ones(built):
    warehouse, _ = built
    orders = warehouse.query("select tenant_id, order_id from staging.stg_shopify__orders")
    pairs = sorted(map(tuple, orders.values.tolist()))
    # t/open is quarantined; u/open is another tenant's row with the same key.
    assert pairs == [("t", "fixed"), ("t", "kept"), ("u", "open")]


def test_a_date_keyed_entry_matches_the_row_dbt_keys_the_same_way(built):
    warehouse, _ = built
    insights = warehouse.query(
        "select campaign_id, cast(spend_date as varchar) as day "
        "from staging.stg_meta_ads__ads_insights"
    )
    assert insights.values.tolist() == [["c", "2026-11-01"]]


def test_the_manifest_keys_are_the_demo_streams_keys(built):
    _, manifest = built
    declared = primary_keys_from_manifest(manifest)
    streams = {(s.source, s.name): tuple(s.primary_keys) for s in STREAMS}
    assert declared == streams
