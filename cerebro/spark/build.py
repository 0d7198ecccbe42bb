"""Use case: the dbt project built on Apache Spark from the landed warehouse's data.

Steps, each a dbt command on the profile's ``spark`` target (dbt_project/profiles.yml):
write the sources as Parquet (``landing.py``), ``dbt seed``, register the Parquet as tables
(``register_landed_tables``), ``dbt build``. dbt's unit tests are left out: they check the
models' logic, which is the same SQL on every engine, and each costs Spark seconds.
The output of every dbt command goes to ``<logs>/spark-dbt.log``; a failure is one line naming
the step, dbt's first error and that log.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from cerebro.settings import DBT_PROJECT_DIR, Settings, console_script
from cerebro.spark.landing import LandedTable, land_as_parquet

SPARK_EXTRA_HINT = "run `make setup-spark` (Spark is an optional extra)"
#: dbt's heading of a failed node ("Runtime Error in seed x (path)"), or of a failure before
#: any node ran ("Compilation Error", "Encountered an error").
_DBT_ERROR = re.compile(r"^(?:\w+ Error in \w+ .*|Compilation Error\b.*|Encountered an error.*)$")
_TIME = re.compile(r"^\d\d:\d\d:\d\d\s+")


class SparkBuildError(RuntimeError):
    """The Spark build stopped; the message, one line, says where and what to do."""


@dataclass
class SparkBuild:
    """What a Spark build did: the landed tables, seconds per step, and its log."""

    landed: list[LandedTable]
    log: Path
    seconds: dict[str, float] = field(default_factory=dict)


def spark_home(settings: Settings) -> Path:
    """Where Spark keeps its metastore, its tables and the landing: ``CEREBRO_SPARK_HOME``,
    by default ``<data dir>/spark``."""
    return Path(os.environ.get("CEREBRO_SPARK_HOME", settings.data_dir / "spark")).resolve()


def check_spark_installed() -> None:
    """Spark's pieces are present: dbt-spark with pyspark, and a Java runtime."""
    try:
        import pyspark  # noqa: F401, I001 (first: the package the extra is named after)
        import dbt.adapters.spark  # noqa: F401
    except ImportError as error:
        missing = error.name
        raise SparkBuildError(f"Spark is not installed ({missing}): {SPARK_EXTRA_HINT}") from None
    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise SparkBuildError(f"Spark needs a Java 17 runtime (java not found): {SPARK_EXTRA_HINT}")


def _dbt(step: str, arguments: list[str], env: dict[str, str], log: Path) -> None:
    command = [console_script("dbt"), *arguments, "--project-dir", str(DBT_PROJECT_DIR),
               "--profiles-dir", str(DBT_PROJECT_DIR), "--target", "spark"]  # fmt: skip
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        finished = subprocess.run(
            command, cwd=DBT_PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    if finished.returncode != 0:
        raise SparkBuildError(f"{step} failed on Spark: {_first_error(log)} (log: {log})")


def _first_error(log: Path) -> str:
    """dbt's first failure in the last command of ``log``: the node, then the first line of
    the engine's message (Spark's own JSON log lines are skipped)."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("$ "))
    lines = [_TIME.sub("", line).strip() for line in lines[start:]]
    for i, line in enumerate(lines):
        if _DBT_ERROR.match(line):
            message = next(
                (m for m in lines[i + 1 :] if m and not m.startswith("{") and m != _kind(line)),
                "",
            )
            return f"{line}: {message}"[:400] if message else line[:400]
    return "dbt exited with an error"


def _kind(line: str) -> str:
    """``Runtime Error`` of ``Runtime Error in seed x``: dbt repeats it on the next line."""
    return line.split(" in ", 1)[0]


def build_on_spark(settings: Settings) -> SparkBuild:
    """Land, seed, register and build; returns what was done (raises ``SparkBuildError``)."""
    check_spark_installed()
    home = spark_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    log = settings.logs_dir / "spark-dbt.log"
    log.write_text("", encoding="utf-8")
    env = {**os.environ, **settings.dbt_env(), "CEREBRO_WAREHOUSE": "spark",
           "CEREBRO_SPARK_HOME": str(home)}  # fmt: skip
    seconds = {}
    started = time.perf_counter()
    landed = land_as_parquet(settings.duckdb_path, home / "landing")
    seconds["landing"] = time.perf_counter() - started
    tables = json.dumps({"tables": [table.as_dbt_arg() for table in landed]})
    steps = (
        ("dbt seed", ["seed", "--full-refresh"]),
        ("registering the landing", ["run-operation", "register_landed_tables", "--args", tables]),
        ("dbt build", ["build", "--exclude", "resource_type:unit_test"]),
    )
    for step, arguments in steps:
        started = time.perf_counter()
        _dbt(step, arguments, env, log)
        seconds[step] = time.perf_counter() - started
    return SparkBuild(landed, log, seconds)
