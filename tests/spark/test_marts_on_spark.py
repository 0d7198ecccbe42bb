"""The dbt project on Spark gives the marts it gives on DuckDB (`cerebro spark build`).

Oracle: the DuckDB warehouse of the test demo run, whose landed and ML tables Spark reads as
Parquet. Spark's tables are read back from their Parquet files (the session's metastore is
closed when dbt exits), every mart table compared row by row with DuckDB's.

Slow (the build is about eight minutes on two cores) and needs the Spark extra
(`make setup-spark`); `make test-slow` runs it.
"""

from __future__ import annotations

import importlib.util
import math
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from cerebro.settings import console_script

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None,
        reason="the Spark extra is not installed (make setup-spark)",
    ),
]

#: Spark keeps six decimals in decimal arithmetic such as `1.0 * a / b` (DuckDB computes it as
#: a double): the health score's signals agree to about 1e-6 of their value.
RELATIVE_TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def spark_build(demo_duckdb, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("spark-data")
    shutil.copy(demo_duckdb.settings.duckdb_path, data_dir / "cerebro.duckdb")
    finished = subprocess.run(
        [console_script("cerebro"), "spark", "build", "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    return data_dir, finished


def _comparable(value):
    return None if isinstance(value, float) and math.isnan(value) else value


def _rows(connection, sql: str) -> tuple[list[str], list[tuple]]:
    cursor = connection.execute(sql)
    names = [d[0] for d in cursor.description]
    rows = [tuple(_comparable(v) for v in row) for row in cursor.fetchall()]
    return names, rows


def _sorted(rows):
    return sorted(rows, key=lambda row: tuple((v is None, str(v)) for v in row))


def _same(duck, spark) -> bool:
    if isinstance(duck, int | float) and isinstance(spark, int | float):
        return math.isclose(float(duck), float(spark), rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-9)
    return duck == spark


def test_the_build_succeeds_and_says_what_it_did(spark_build):
    _, finished = spark_build
    assert finished.returncode == 0, finished.stderr or finished.stdout
    assert finished.stdout.startswith("Landing: ")
    assert "Built on Spark" in finished.stdout


@pytest.mark.xfail(
    strict=True,
    reason="Spark computes `x / 3600.0` and `1.0 * a / b` in decimal(p, 6) where DuckDB uses "
    "doubles (fct_checkouts.hours_to_complete 0.21416666666666667 vs 0.214167), and dbt-spark's "
    "numeric is decimal(28, 6) where amounts land with 9 decimals (decision 0039, next step)",
)
def test_every_mart_table_has_duckdbs_rows(spark_build, demo_duckdb):
    data_dir, finished = spark_build
    assert finished.returncode == 0, finished.stderr or finished.stdout
    marts = data_dir / "spark" / "warehouse" / "marts.db"
    with duckdb.connect(str(demo_duckdb.settings.duckdb_path), read_only=True) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]
        assert len(tables) > 40
        for table in tables:
            folder: Path = marts / table
            assert folder.is_dir(), f"{table} was not built on Spark"
            duck_names, duck_rows = _rows(connection, f"select * from marts.{table}")
            spark_names, spark_rows = _rows(
                connection, f"select * from read_parquet('{folder}/*.parquet')"
            )
            assert sorted(spark_names) == sorted(duck_names), table
            order = [spark_names.index(name) for name in duck_names]
            spark_rows = [tuple(row[i] for i in order) for row in spark_rows]
            assert len(spark_rows) == len(duck_rows), table
            differences = [
                f"{name}: duckdb {d!r} != spark {s!r}"
                for duck_row, spark_row in zip(_sorted(duck_rows), _sorted(spark_rows), strict=True)
                for name, d, s in zip(duck_names, duck_row, spark_row, strict=True)
                if not _same(d, s)
            ]
            assert not differences, f"{table}: {len(differences)} differ, e.g. {differences[:5]}"
