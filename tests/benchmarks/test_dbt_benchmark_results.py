"""How the dbt benchmark reads dbt's results and summarizes them, on hand-worked examples."""

from __future__ import annotations

import json
import math

import pytest

from benchmarks.dbt_bench_report import exponents_table, growth_exponent, timings_table
from benchmarks.dbt_incremental_benchmark import (
    Measurement,
    median_summary,
    merge_results,
    summarize_run_results,
)
from benchmarks.process_usage import Usage


def test_the_growth_exponent_recovers_a_known_power_law():
    # 8x the rows and 8^0.75 = 4.757x the seconds.
    assert growth_exponent((1_000, 8_000), (2.0, 2.0 * 8**0.75)) == pytest.approx(0.75)
    assert growth_exponent((10, 1_000), (3.0, 300.0)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="two different positive sizes"):
        growth_exponent((1_000, 1_000), (1.0, 2.0))


def test_run_results_give_statuses_seconds_per_type_and_the_slowest_nodes():
    run_results = {
        "elapsed_time": 9.0,
        "results": [
            {"unique_id": "model.cerebro.fct_orders", "status": "success", "execution_time": 4.0},
            {"unique_id": "model.cerebro.dim_clients", "status": "success", "execution_time": 2.5},
            {"unique_id": "test.cerebro.unique_x.1", "status": "pass", "execution_time": 1.25},
            {"unique_id": "test.cerebro.not_null_y.2", "status": "warn", "execution_time": 0.75},
            {"unique_id": "seed.cerebro.comunas", "status": "success", "execution_time": None},
        ],
    }

    statuses, seconds, slowest = summarize_run_results(run_results)

    assert statuses == {"model:success": 2, "test:pass": 1, "test:warn": 1, "seed:success": 1}
    assert seconds == {"model": 6.5, "test": 2.0, "seed": 0.0}
    assert slowest[:2] == [("model.cerebro.fct_orders", 4.0), ("model.cerebro.dim_clients", 2.5)]


def _measurement(wall: float, cpu: float, peak: float, server_cpu=None, server_peak=None):
    usage = Usage(0, wall, cpu, peak, server_cpu, server_peak)
    return Measurement(usage, wall - 1.0, {"model:success": 1}, {"model": wall - 1.0}, [])


def test_the_summary_takes_medians_and_the_highest_peak():
    measurements = [
        _measurement(10.0, 4.0, 300.0, 1.0, 50.0),
        _measurement(30.0, 6.0, 280.0, 3.0, 90.0),
        _measurement(20.0, 5.0, 310.0, 2.0, 60.0),
    ]

    summary = median_summary(measurements)

    assert summary["wall_seconds"] == 20.0
    assert summary["dbt_seconds"] == 19.0
    assert summary["cpu_seconds"] == 7.0  # median of dbt + server: 5, 9, 7
    assert summary["peak_mib"] == 370.0  # 310 + 60 and 280 + 90 tie; the highest sum wins
    assert summary["wall_seconds_each"] == [10.0, 30.0, 20.0]


def _entry(size: str, warehouse: str, rows: int, full: float, daily: float) -> dict:
    scenario = lambda wall: {"wall_seconds": wall, "dbt_seconds": wall / 2, "cpu_seconds": wall}  # noqa: E731
    return {
        "size": size,
        "warehouse": warehouse,
        "raw_rows_total": rows,
        "raw_rows": {"raw_shopify.orders": rows},
        "repeats": 1,
        "measured_at": "2026-11-21T00:00:00+00:00",
        "full_build": {**scenario(full), "peak_mib": 100.0},
        "daily_build": scenario(daily),
    }


def test_results_of_a_size_replace_the_earlier_ones_and_feed_the_exponents(tmp_path):
    path = tmp_path / "results.json"
    merge_results(path, [_entry("small", "duckdb", 1_000, 10.0, 5.0)])
    merge_results(path, [_entry("medium", "duckdb", 100_000, 50.0, 8.0)])
    merged = merge_results(path, [_entry("small", "duckdb", 1_000, 12.0, 6.0)])

    assert [(e["size"], e["full_build"]["wall_seconds"]) for e in merged] == [
        ("small", 12.0),
        ("medium", 50.0),
    ]
    assert json.loads(path.read_text()) == merged
    exponents = exponents_table(merged)
    assert float(exponents.loc[0, "full build wall"]) == pytest.approx(
        math.log(50 / 12) / math.log(100), abs=0.005
    )
    timings = timings_table(merged)
    assert timings.loc[("medium", "duckdb"), "full/daily build"] == "6.2x"  # 50 / 8
    assert timings.loc[("medium", "duckdb"), "full run s"] == "-"  # not run


def test_no_exponent_is_taken_to_or_from_the_agency_mix():
    entries = [
        _entry("medium", "duckdb", 100_000, 50.0, 8.0),
        _entry("agency", "duckdb", 200_000, 400.0, 30.0),  # 100 tenants: another population
        _entry("large", "duckdb", 1_000_000, 500.0, 20.0),
    ]

    exponents = exponents_table(entries)

    assert list(exponents["sizes"]) == ["medium -> large"]
    assert float(exponents.loc[0, "full build wall"]) == pytest.approx(1.0)  # 10x, 10x
