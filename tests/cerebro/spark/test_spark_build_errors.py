"""`cerebro spark build`, and a platform run on Spark, stop with one line that says what to do."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from click.testing import CliRunner

from cerebro.cli.main import main
from cerebro.spark.dbt_command import first_error

#: The tail of a real `dbt seed` on Spark that failed (dbt-spark 1.11, Spark 4.3): Spark's
#: JSON log lines mixed with dbt's report.
FAILED_SEED_LOG = "\n".join([
    "$ dbt seed --full-refresh --project-dir dbt_project --target spark",
    "01:15:05  1 of 12 START seed file reference.ad_platforms ... [RUN]",
    '{"ts": "2026-11-24 01:15:05.535", "level": "ERROR", "msg": "[DATATYPE_MISSING_SIZE]"}',
    "01:15:06  Completed with 12 errors, 0 partial successes, and 0 warnings:",
    "01:15:06  ",
    "01:15:06  Failure in seed ad_platforms (seeds/ad_platforms.csv)",
    "01:15:06    Runtime Error in seed ad_platforms (seeds/ad_platforms.csv)",
    "  Runtime Error",
    "    ",
    '    [DATATYPE_MISSING_SIZE] DataType "VARCHAR" requires a length parameter. SQLSTATE: 42K01',
    "    == SQL (line 3, position 53) ==",
])  # fmt: skip


def test_the_first_failure_names_the_node_and_the_engine_message(tmp_path):
    log = tmp_path / "spark-dbt.log"
    log.write_text("$ dbt debug\n01:00:00  Runtime Error in model old (x.sql)\n" + FAILED_SEED_LOG)

    assert first_error(log) == (
        "Runtime Error in seed ad_platforms (seeds/ad_platforms.csv): [DATATYPE_MISSING_SIZE] "
        'DataType "VARCHAR" requires a length parameter. SQLSTATE: 42K01'
    )


def test_without_the_spark_extra_the_command_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark raises ImportError

    result = CliRunner().invoke(main, ["spark", "build", "--data-dir", str(tmp_path)])

    assert result.exit_code == 1
    assert result.output == (
        "Error: Spark is not installed (pyspark): run `make setup-spark` "
        "(Spark is an optional extra)\n"
    )


@pytest.mark.skipif(
    importlib.util.find_spec("pyspark") is None,
    reason="the Spark extra is not installed (make setup-spark)",
)
def test_without_a_landed_warehouse_the_command_says_to_run_the_platform(tmp_path):
    result = CliRunner().invoke(main, ["spark", "build", "--data-dir", str(tmp_path)])

    assert result.exit_code == 1
    assert result.output.startswith("Error: no warehouse at ")
    assert result.output.endswith("run `cerebro run` (or `make demo`)\n")


def test_a_spark_run_without_the_extra_stops_before_it_starts(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setenv("CEREBRO_WAREHOUSE", "spark")
    tenants = tmp_path / "tenants.yml"
    tenants.write_text(
        "tenants:\n  - tenant_id: shop_cl\n    name: Shop\n    timezone: America/Santiago\n"
        "    currency: CLP\n    country_code: CL\n"
    )

    result = CliRunner().invoke(
        main, ["run", "--tenants-file", str(tenants), "--data-dir", str(tmp_path / "data")]
    )

    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: Spark is not installed (pyspark): run `make setup-spark` "
        "(Spark is an optional extra)"
    )
    assert not (tmp_path / "data" / "dagster_home").exists()  # nothing ran
