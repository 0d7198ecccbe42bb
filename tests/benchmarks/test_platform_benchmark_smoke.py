"""`benchmarks/platform_benchmark.py` (`make bench`) works. Benchmarks are not tests: nothing
here judges a figure, only that each stage runs and measures what it says.

The whole command at the tiny size takes minutes (three dbt builds, a dozen Singer
subprocesses), so the default run has two cheaper checks: the command itself through
generation, bulk load, report and JSON; and the model and query stages on the session's demo
warehouse, which the default run builds anyway. The whole command, on both warehouses, is
slow."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from benchmarks.bench_child import run_child, settings_to_json
from benchmarks.bench_landing import generated_rows
from benchmarks.bench_queries import default_parameters, kpi_functions
from benchmarks.dbt_bench_data import DEMO_TENANTS_FILE, bench_tenants
from benchmarks.platform_benchmark import parse_options
from cerebro.serving.dashboards.spec import latest_data_date, load_dashboards
from cerebro.settings import PROJECT_ROOT
from ml_assets.mmm.scenarios import GRID_RATIOS
from tests.support.throwaway_postgres import PG_BINDIR

BENCHMARK = PROJECT_ROOT / "benchmarks" / "platform_benchmark.py"


def _run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    command = [
        sys.executable, str(BENCHMARK), "--size", "tiny", "--repeats", "1",
        "--work-dir", str(tmp_path / "work"), "--datasets-dir", str(tmp_path / "datasets"),
        *args,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)


def test_the_command_generates_loads_and_reports_a_tiny_size(tmp_path):
    done = _run(tmp_path, "--warehouse", "duckdb", "--stage", "load")

    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    [entry] = json.loads((tmp_path / "work" / "results.json").read_text())
    generated = generated_rows(bench_tenants("tiny"), tmp_path / "datasets")
    generation, load = entry["stages"]["generate"], entry["stages"]["bulk_load"]
    # Generated afresh (nothing cached in tmp_path), so timed; every row loaded.
    assert generation["rows"] == load["rows"] == sum(generated.values()) > 0
    assert generation["wall_seconds"] > 0 and generation["peak_mib"] > 50
    assert load["wall_seconds"] > 0 and load["peak_mib"] > 50 and load["repeats"] == 1
    assert entry["raw_rows"] == generated
    assert set(entry["stages"]) == {"generate", "bulk_load"} and entry["failures"] == {}
    assert entry["cores"] >= 1 and entry["memory_gib"] > 0
    assert "=== tiny: 2 tenants" in done.stdout and "Targets (the issue's" in done.stdout
    # A second run finds the size cached and reports the first run's measurement of it.
    again = _run(tmp_path, "--warehouse", "duckdb", "--stage", "load")
    assert again.returncode == 0, again.stdout[-4000:]
    [entry] = json.loads((tmp_path / "work" / "results.json").read_text())
    assert entry["stages"]["generate"]["wall_seconds"] == generation["wall_seconds"]
    assert "cached; measured" in entry["stages"]["generate"]["note"]


def test_model_and_query_stages_time_the_platforms_own_paths(demo_duckdb, demo_root, tmp_path):
    # The CLV stage replaces the predictions of the warehouse it measures (as the asset
    # does), so it measures a copy: this worker's later tests read the demo's own.
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_duckdb.settings.duckdb_path, copy)
    settings = dataclasses.replace(demo_duckdb.settings, duckdb_path=copy)
    request = {
        "size": "small",  # the tenants file as it is: the session demo's Shopify stores
        "tenants_file": str(demo_root / "tenants.yml"),
        "settings": settings_to_json(settings),
        "repeats": 1,
        "query_repeats": 1,
        "query_budget_seconds": 0.0,
    }
    warehouse = demo_duckdb.warehouse

    def child(stage: str, **extra) -> dict:
        return run_child(stage, {**request, **extra}, tmp_path, server_pid=None)

    ours = child("clv", predictions_path=str(tmp_path / "ours.parquet"), write_outputs=False)
    # The benchmark times the very path the platform's asset ran: the predictions the demo
    # run stored for the tenants it timed.
    stored = warehouse.query(
        "select tenant_id, customer_id, prob_alive from ml.ml_customer_predictions"
    )
    stored = stored[stored["tenant_id"].isin(list(ours["tenants"]))]
    timed = pd.read_parquet(tmp_path / "ours.parquet")
    both = timed.merge(stored, on=["tenant_id", "customer_id"], suffixes=("", "_stored"))
    assert ours["rows"] == len(timed) == len(stored) == len(both) > 0
    assert (both["prob_alive"] - both["prob_alive_stored"]).abs().max() < 1e-9
    assert ours["wall_seconds"] > 0 and ours["process"]["peak_mib"] > 50

    child("clv_lifetimes", tenants=ours["tenants"], predictions_path=str(tmp_path / "lt.parquet"))
    theirs = pd.read_parquet(tmp_path / "lt.parquet")
    compared = timed.merge(theirs, on=["tenant_id", "customer_id"], suffixes=("", "_lifetimes"))
    assert len(compared) == len(timed)
    assert (compared["prob_alive"] - compared["prob_alive_lifetimes"]).abs().max() < 1e-3

    mmm = child("mmm", tenant_id="test_cl", measure=True, write_outputs=False, mmm_draws=50)
    assert mmm["rows"] > 100 and mmm["channels"]
    assert mmm["fit"]["repeats"] == mmm["optimizer"]["repeats"] == 1
    # The grid (10 % .. 300 % of today's budget) and the seven of scenarios.yml.
    assert mmm["optimizer"]["scenarios"] == len(GRID_RATIOS) + 7

    dashboards = child("dashboards", tenant_id="test_cl")
    specs = load_dashboards()
    assert [(r["dashboard"], r["card"]) for r in dashboards["cards"]] == [
        (d.key, c.key) for d in specs for c in d.cards
    ]
    assert [r for r in dashboards["cards"] if "error" in r] == []
    end = latest_data_date("test_cl", warehouse)
    periods = {d.key: default_parameters(d, "test_cl", end)[0] for d in specs}
    assert {r["dashboard"]: r["period"] for r in dashboards["cards"]} == periods
    assert all(r["executions"] == 1 and r["p95_seconds"] > 0 for r in dashboards["cards"])

    kpis = child("kpis", tenant_id="test_cl")
    # Every public KPI page function over the two periods (30 and 90 days).
    assert len(kpis["kpis"]) == len(kpi_functions()) * 2 and kpis["errors"] == 0


@pytest.mark.slow
def test_the_whole_command_at_the_tiny_size(tmp_path):
    warehouses = ["duckdb", "postgres"] if (PG_BINDIR / "initdb").exists() else ["duckdb"]
    done = _run(
        tmp_path, "--warehouse", "both" if len(warehouses) == 2 else "duckdb",
        "--dbt-scenario", "full_build", "--dbt-scenario", "daily_build_one_tenant",
        "--mmm-draws", "50", "--query-repeats", "2",
    )  # fmt: skip

    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-4000:]
    entries = json.loads((tmp_path / "work" / "results.json").read_text())
    assert [e["warehouse"] for e in entries] == warehouses
    every_warehouse = {
        "generate", "singer_landing", "singer_bulk_reference", "bulk_load", "dbt_full_build",
        "dbt_daily_build_one_tenant", "dbt_ml_step", "dashboards", "kpis",
    }  # fmt: skip
    models = {"clv_cerebro", "clv_lifetimes_summaries", "clv_lifetimes", "mmm_fit", "mmm_optimizer"}
    assert set(entries[0]["stages"]) == every_warehouse | models  # measured on the first
    # lifetimes' own summaries of the same transactions are the platform's histories.
    comparison = entries[0]["clv_comparison"]
    assert comparison["summary_max_abs_difference"] == {"frequency": 0, "recency": 0, "T": 0}
    assert comparison["speedup_from_transactions"] > comparison["speedup"] > 0
    for entry in entries:
        assert set(entry["stages"]) >= every_warehouse and entry["failures"] == {}
        singer = entry["singer"]
        assert singer["same_rows_as_bulk"] and singer["is_sample"] and singer["rows"] > 0
        assert [r for r in entry["dashboards"] if "error" in r] == []
    if len(entries) == 2:
        server = entries[1]["stages"]["dashboards"]
        assert server["server_cpu_seconds"] > 0 and server["server_peak_mib"] > 0
    for text in ("Singer landing", "Dashboard cards", "KPI functions", "Targets"):
        assert text in done.stdout


def test_agency_and_every_tenants_mmm_are_options_of_the_platform_benchmark():
    options = parse_options(["--size", "agency", "--mmm-tenants", "all", "--ml-workers", "3"])

    assert (options.size, options.mmm_tenants, options.ml_workers) == (["agency"], "all", 3)
    defaults = parse_options([])
    assert (defaults.mmm_tenants, defaults.ml_workers) == ("largest", 2)
    with pytest.raises(SystemExit):
        parse_options(["--ml-workers", "0"])


@pytest.mark.slow
def test_every_tenants_mmm_at_the_tiny_size_with_a_store_in_magallanes(tmp_path):
    """The command through load, dbt (one full build), the largest tenant's MMM and then every
    tenant's in two processes; each of tiny's two tenants is timed or named with a reason.
    The Chilean store lives in America/Punta_Arenas, the zone agency adds to the demo's two:
    the generator, dbt's build and its data tests take it."""
    tenants_file = tmp_path / "tenants.yml"
    demo = DEMO_TENANTS_FILE.read_text(encoding="utf-8")
    magallanes = demo.replace("timezone: America/Santiago", "timezone: America/Punta_Arenas")
    assert magallanes != demo
    tenants_file.write_text(magallanes, encoding="utf-8")

    done = _run(
        tmp_path, "--warehouse", "duckdb", "--stage", "mmm", "--dbt-scenario", "full_build",
        "--mmm-draws", "50", "--mmm-tenants", "all", "--ml-workers", "2",
        "--tenants-file", str(tenants_file),
    )  # fmt: skip

    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-4000:]
    [entry] = json.loads((tmp_path / "work" / "results.json").read_text())
    assert entry["failures"] == {}
    line, kept = entry["stages"]["mmm_tenants"], entry["per_tenant"]["mmm_tenants"]
    assert line["rows"] == len(kept["seconds"]) and line["wall_seconds"] > 0
    assert sorted([*kept["seconds"], *kept["failed"]]) == sorted(entry["tenants"])
    assert all(seconds > 0 for seconds in kept["seconds"].values())
    assert all(reason for reason in kept["failed"].values())
    assert "Seconds per tenant by size class" in done.stdout
    assert "Nightly path of every tenant (duckdb)" in done.stdout
