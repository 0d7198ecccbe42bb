"""`benchmarks/dbt_incremental_benchmark.py` runs end to end at the tiny size (slow: a handful of
dbt builds per warehouse). Oracles: the generated datasets' row counts, the warehouse itself,
and the SQL dbt ran for the daily partition."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pyarrow.parquet as pq
import pytest
from cerebro_raw_contract import STREAMS_BY_SOURCE

from benchmarks.dbt_bench_data import bench_tenants
from cerebro.settings import PROJECT_ROOT
from tests.support.throwaway_postgres import PG_BINDIR

pytestmark = pytest.mark.slow

BENCHMARK = PROJECT_ROOT / "benchmarks" / "dbt_incremental_benchmark.py"


def test_the_benchmark_command_times_a_tiny_full_build_and_daily_run(tmp_path):
    warehouses = ["duckdb", "postgres"] if (PG_BINDIR / "initdb").exists() else ["duckdb"]
    command = [
        sys.executable, str(BENCHMARK), "--size", "tiny", "--repeats", "1",
        "--scenario", "full_build", "--scenario", "daily_build",
        "--warehouse", "both" if len(warehouses) == 2 else "duckdb",
        "--work-dir", str(tmp_path),
    ]  # fmt: skip

    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)

    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "Full rebuild vs one daily partition" in done.stdout
    tenants = bench_tenants("tiny")
    generated = {
        f"raw_{source}.{stream}": sum(
            pq.read_metadata(tmp_path / "datasets" / t.tenant_id / f"{stream}.parquet").num_rows
            for t in tenants
        )
        for source, streams in STREAMS_BY_SOURCE.items()
        for stream in streams
    }
    entries = json.loads((tmp_path / "results.json").read_text())
    assert [e["warehouse"] for e in entries] == warehouses
    for entry in entries:
        assert entry["raw_rows"] == generated
        for key in ("full_build", "daily_build"):
            summary = entry[key]
            assert summary["wall_seconds"] > summary["dbt_seconds"] > 0
            assert summary["peak_mib"] > 50 and summary["cpu_seconds"] > 0
            # Exposures (dashboards as dbt nodes) have nothing to run: dbt reports them no-op.
            done = {s.split(":")[1] for s in summary["statuses"] if not s.startswith("exposure:")}
            assert done <= {"success", "pass"}
        # The daily build runs the models of the full build but the macro tests' fixed cases
        # (left to CI, as Dagster's steps leave them), with their tests; no seed, unit test
        # or exposure (decision 0015).
        full, daily = entry["full_build"]["statuses"], entry["daily_build"]["statuses"]
        manifest = json.loads(
            (tmp_path / "tiny" / entry["warehouse"] / "target" / "manifest.json").read_text()
        )
        macro_cases = sum(
            node["resource_type"] == "model" and "macro_test" in node["tags"]
            for node in manifest["nodes"].values()
        )
        assert full["unit_test:pass"] > 0 and macro_cases > 0
        assert set(daily) == {"operation:success", "model:success", "test:pass"}
        assert daily["model:success"] == full["model:success"] - macro_cases
        assert 0 < daily["test:pass"] < full["test:pass"]

    with duckdb.connect(str(tmp_path / "tiny" / "duckdb" / "warehouse.duckdb")) as connection:
        for table, rows in generated.items():
            assert connection.execute(f"select count(*) from {table}").fetchone()[0] == rows
    # The last invocation was the daily build: the last day, widened by the 30-day lookback.
    daily_sql = tmp_path / "tiny" / "duckdb" / "target" / "run" / "cerebro" / "models"
    replaced = (daily_sql / "marts" / "core" / "fct_orders.sql").read_text()
    assert "between cast('2026-10-01' as date)" in replaced
    assert "cast('2026-10-31' as date)" in replaced


@pytest.mark.spark
def test_the_benchmark_times_spark_from_its_parquet_landing(tmp_path):
    pytest.importorskip("pyspark", reason="the Spark extra is not installed (make setup-spark)")
    command = [
        sys.executable, str(BENCHMARK), "--size", "tiny", "--repeats", "1",
        "--scenario", "full_build", "--scenario", "daily_build_one_tenant",
        "--warehouse", "spark", "--work-dir", str(tmp_path),
    ]  # fmt: skip

    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)

    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    (entry,) = json.loads((tmp_path / "results.json").read_text())
    assert entry["warehouse"] == "spark" and entry["landing_seconds"] > 0
    landing = tmp_path / "tiny" / "spark" / "spark" / "landing"
    for tenant in bench_tenants("tiny"):
        assert (landing / "raw_shopify" / "orders" / f"tenant_id={tenant.tenant_id}").is_dir()
    for key in ("full_build", "daily_build_one_tenant"):
        statuses = entry[key]["statuses"]
        # Exposures are dashboards described to dbt: a build selects them and has nothing to do.
        built = {status for status in statuses if not status.startswith("exposure:")}
        assert {status.split(":")[1] for status in built} <= {"success", "pass"}
        assert not any(status.startswith("unit_test:") for status in statuses)
        assert statuses["model:success"] > 40
