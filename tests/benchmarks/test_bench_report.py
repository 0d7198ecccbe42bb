"""How the platform benchmark turns measurements into growth exponents, target verdicts and
the CLV comparison, on hand-worked examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from benchmarks.bench_ml import prediction_differences
from benchmarks.bench_report import (
    card_exponents,
    exponents_table,
    format_seconds,
    nightly_line,
    per_tenant_table,
    print_size,
    size_classes,
    stage_exponent,
    target_rows,
    targets_table,
)


def _line(wall, rows, peak=100.0, server=None, **extra) -> dict:
    return {"label": extra.pop("label", "stage"), "wall_seconds": wall, "rows": rows,
            "peak_mib": peak, "server_peak_mib": server, **extra}  # fmt: skip


def _card(card: str, p50: float, p95: float | None = None, period: str = "30 d") -> dict:
    return {"dashboard": "d", "card": card, "period": period, "p50_seconds": p50,
            "p95_seconds": p95 if p95 is not None else p50}  # fmt: skip


def test_a_stage_exponent_uses_the_stages_own_rows():
    # 8x the rows and 8^0.75 the seconds; 10x the customers and 100x the seconds (quadratic).
    assert stage_exponent(_line(2.0, 1_000), _line(2.0 * 8**0.75, 8_000)) == pytest.approx(0.75)
    assert stage_exponent(_line(0.5, 10_000), _line(50.0, 100_000)) == pytest.approx(2.0)
    # The MMM's input (days) does not grow with the size: no exponent, not a division by 0.
    assert stage_exponent(_line(30.0, 730), _line(31.0, 730)) is None
    assert stage_exponent(_line(None, 1_000), _line(3.0, 8_000)) is None


def test_the_fastest_growing_card_is_found_against_the_sizes_raw_rows():
    small = {"raw_rows_total": 100_000, "dashboards": [_card("flat", 0.010), _card("grows", 0.010)]}
    large = {
        "raw_rows_total": 10_000_000,
        "dashboards": [
            _card("flat", 0.020),
            _card("grows", 1.0),
            {**_card("x", 0.0), "error": "boom"},
        ],
    }

    found = card_exponents(small, large)

    # 100x the rows: 2x the seconds is b = log(2)/log(100) = 0.15; 100x the seconds is b = 1.
    assert [round(b, 2) for b, _ in found] == [1.0, 0.15]
    assert found[0][1] == "d/grows 30 d"


def test_exponents_table_lines_up_stages_and_consecutive_sizes():
    def entry(size, rows, full):
        line = _line(full, rows, label="dbt build, full refresh")
        return {"size": size, "warehouse": "duckdb", "stages": {"dbt_full_build": line}}

    table = exponents_table(
        [entry("small", 1_000, 10.0), entry("medium", 100_000, 100.0), entry("large", 1e7, 1e4)]
    )

    line = table.loc[("duckdb", "dbt build, full refresh")]
    assert line["small -> medium"] == "0.50"  # 100x the rows, 10x the seconds
    assert line["medium -> large"] == "1.00"


def test_the_agency_mix_is_no_step_of_the_growth_ladder():
    """agency (100 mixed tenants) lies between medium and large in rows, but is another
    population: an exponent to or from it would mix the size with the tenant count."""

    def entry(size, rows, full):
        line = _line(full, rows, label="dbt build, full refresh")
        return {"size": size, "warehouse": "duckdb", "stages": {"dbt_full_build": line}}

    entries = [entry("medium", 100_000, 100.0), entry("agency", 200_000, 900.0),
               entry("large", 1e6, 1e3)]  # fmt: skip

    assert list(exponents_table(entries).columns) == ["medium -> large"]
    assert list(targets_table(entries).columns) == ["medium", "large", "agency"]


def _large_entries() -> list[dict]:
    duckdb = {
        "size": "large",
        "warehouse": "duckdb",
        "stages": {
            "dbt_full_build": _line(100.0, 10**8, peak=2_000.0),
            "dbt_daily_build_one_tenant": _line(12.0, 10**8),
            "clv_cerebro": _line(3.2, 1_000_000),
            "mmm_fit": _line(130.0, 730),
        },
        "clv_comparison": {"speedup": 6.0},
    }
    postgres = {
        "size": "large",
        "warehouse": "postgres",
        "stages": {
            "dbt_full_build": _line(300.0, 10**8, peak=3_000.0, server=1_500.0),
            "dbt_daily_build_one_tenant": _line(15.0, 10**8),
        },
        "dashboards": [_card("a", 0.1, 0.4), _card("b", 0.2, 0.8, period="90 d")],
    }
    return [duckdb, postgres]


def test_targets_are_judged_on_the_large_size():
    rows = {row["target"]: (row["value"], row["met"]) for row in target_rows(_large_entries())}

    assert rows == {
        "full dbt build on DuckDB < 2 min": ("100 s", True),
        "one daily partition < 10 % of the full build (duckdb)": ("12%", False),
        "one daily partition < 10 % of the full build (postgres)": ("5%", True),
        "CLV fit + score < 5 s": ("3.20 s (1,000,000 customers)", True),
        "CLV >= 5x faster than lifetimes": ("6.0x", True),
        "MMM fit incl. search and backtest < 2 min": ("130 s", False),
        "every dashboard card p95 < 1 s on PostgreSQL": ("0.800 s (b 90 d)", True),
        # dbt and the PostgreSQL server at once: (3000 + 1500) / 1024.
        "peak memory of any stage < 4 GiB": ("4.39 GiB", False),
    }


def test_a_failing_card_misses_the_target_and_unmeasured_targets_are_not_judged():
    entries = _large_entries()
    entries[1]["dashboards"].append({"dashboard": "d", "card": "c", "period": "all", "error": "x"})
    entries[0]["stages"].pop("mmm_fit")

    rows = {row["target"]: (row["value"], row["met"]) for row in target_rows(entries)}

    assert rows["every dashboard card p95 < 1 s on PostgreSQL"] == ("1 cards failed", False)
    assert rows["MMM fit incl. search and backtest < 2 min"] == ("-", None)
    table = targets_table(entries)
    assert list(table.columns) == ["large"]
    assert table.loc["MMM fit incl. search and backtest < 2 min", "large"] == "-"
    assert table.loc["CLV fit + score < 5 s", "large"].endswith("  met")
    assert table.loc["full dbt build on DuckDB < 2 min", "large"] == "100 s  met"


def test_seconds_are_printed_with_the_precision_of_their_scale():
    assert [format_seconds(v) for v in (None, 0.01234, 1.234, 12.34, 123.4)] == [
        "-", "0.012", "1.23", "12.3", "123",
    ]  # fmt: skip


def test_prediction_differences_are_the_largest_gaps_over_customers_both_paths_scored():
    ours = pd.DataFrame(
        {
            "tenant_id": ["a", "a", "b"],
            "customer_id": ["1", "2", "1"],
            "prob_alive": [0.5, 0.9, 0.3],
            "expected_purchases_90d": [1.0, 2.0, 3.0],
            "predicted_clv_12m": [100.0, 200.0, 300.0],
        }
    )
    theirs = ours.iloc[[0, 2]].assign(
        prob_alive=[0.5001, 0.29],
        expected_purchases_90d=[1.0, 3.5],
        predicted_clv_12m=[np.nan, 299.0],  # no Gamma-Gamma for one customer's tenant
    )

    found = prediction_differences(ours, theirs)

    assert found["customers_compared"] == 2  # customer a/2 was scored by one path only
    gaps = found["max_abs_difference"]
    assert math.isclose(gaps["prob_alive"], 0.01)
    assert gaps["expected_purchases_90d"] == 0.5
    assert gaps["predicted_clv_12m"] == 1.0


def _agency_entry() -> dict:
    customers = {"big": 40_000, "mid": 8_000, "s1": 400, "s2": 400, "s3": 400}
    return {
        "size": "agency",
        "warehouse": "postgres",
        "tenants": list(customers),
        "tenant_customers": customers,
        "customers": 49_200,
        "history_days": 730,
        "cores": 2,
        "memory_gib": 8,
        "load_average_1m": 1.0,
        "measured_at": "now",
        "commit": "x",
        "stages": {
            "dbt_daily_build": _line(600.0, 10**7, label="dbt build, last day, every tenant"),
            "clv_cerebro": _line(30.0, 49_200, label="CLV fit + score, ml_assets.clv"),
            "mmm_tenants": _line(5_400.0, 4, label="MMM + optimizer, every tenant (revenue)"),
        },
        "failures": {},
        "per_tenant": {
            "clv_cerebro": {
                "seconds": {"big": 9.0, "mid": 2.0, "s1": 0.3, "s2": 0.5, "s3": 0.4},
                "failed": {},
            },
            "mmm_tenants": {
                "seconds": {"big": 200.0, "mid": 90.0, "s1": 40.0, "s3": 60.0},
                "failed": {"s2": "data cannot support a fit: too few rows: 20 days"},
            },
        },
    }


def test_size_classes_give_each_class_its_median_and_slowest_tenant_and_its_failures():
    kept = _agency_entry()["per_tenant"]["mmm_tenants"]

    classes = size_classes(kept["seconds"], kept["failed"], _agency_entry()["tenant_customers"])

    assert classes == [
        {"customers": 40_000, "tenants": 1, "timed": 1, "failed": 0,
         "median_seconds": 200.0, "max_seconds": 200.0},
        {"customers": 8_000, "tenants": 1, "timed": 1, "failed": 0,
         "median_seconds": 90.0, "max_seconds": 90.0},
        # s2 failed: the median and max are of s1 and s3 alone.
        {"customers": 400, "tenants": 3, "timed": 2, "failed": 1,
         "median_seconds": 50.0, "max_seconds": 60.0},
    ]  # fmt: skip
    table = per_tenant_table([_agency_entry()])
    assert table.loc[("postgres", "CLV fit + score", "400"), "median s"] == "0.400"
    assert table.loc[("postgres", "MMM + optimizer", "400"), "failed"] == 1


def test_the_nightly_path_sums_what_every_tenant_runs_in_a_night(capsys):
    entry = _agency_entry()

    # 600 + 30 + 5400 = 6030 s.
    assert nightly_line(entry) == (
        "Nightly path of every tenant (postgres): dbt daily build 600 s + CLV 30.0 s + MMM "
        "5400 s = 6030 s (1.68 h); the MMM is the revenue model alone, the nightly asset also "
        "fits new customers"
    )
    entry["stages"].pop("mmm_tenants")
    assert nightly_line(entry) is None

    print_size([_agency_entry()])
    printed = capsys.readouterr().out
    assert "Seconds per tenant by size class" in printed
    assert "FAILED postgres/mmm_tenants/s2: data cannot support a fit: too few rows" in printed
