"""Use case: the dbt project built on Apache Spark from the landed warehouse's data.

Steps: write the sources as Parquet (``landing.py``), then ``dbt seed`` and ``dbt build``
(whose on-run-start hook registers the Parquet as tables, ``register_landed_tables_from_env``),
on Spark inside dbt or on one Spark Connect server (``connect_server.py``: the configured one,
or one started for the build). dbt's unit tests are left out: they check the models' logic,
which is the same SQL on every engine, and each costs Spark seconds.
The output of every dbt command goes to ``<logs>/spark-dbt.log``; a failure is one line naming
the step, dbt's first error and that log.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from cerebro.settings import Settings
from cerebro.spark.connect_server import reach_spark
from cerebro.spark.dbt_command import run_dbt
from cerebro.spark.landing import LandedTable
from cerebro.spark.serving import land_for_dbt, registration_env
from cerebro.warehouse import check_spark_installed


@dataclass
class SparkBuild:
    """What a Spark build did: the landed tables, seconds per step, and its log."""

    landed: list[LandedTable]
    log: Path
    seconds: dict[str, float] = field(default_factory=dict)


def build_on_spark(settings: Settings) -> SparkBuild:
    """Land, seed, then build (the project's on-run-start hook registers the landing); returns
    what was done (raises ``SparkBuildError``)."""
    check_spark_installed()
    settings.spark_home.mkdir(parents=True, exist_ok=True)
    settings.logs_dir.mkdir(parents=True, exist_ok=True)
    log = settings.logs_dir / "spark-dbt.log"
    log.write_text("", encoding="utf-8")
    seconds = {}
    started = time.perf_counter()
    landed = land_for_dbt(settings)
    seconds["landing"] = time.perf_counter() - started
    started = time.perf_counter()
    with reach_spark(settings) as reached:
        if reached.spark_remote != settings.spark_remote:
            seconds["Spark Connect server"] = time.perf_counter() - started
        _seed_and_build(reached, landed, log, seconds)
    return SparkBuild(landed, log, seconds)


def _seed_and_build(
    settings: Settings, landed: list[LandedTable], log: Path, seconds: dict[str, float]
) -> None:
    env = {**os.environ, **settings.dbt_env()}
    steps = (
        ("dbt seed", ["seed", "--full-refresh"], {}),
        ("dbt build", ["build", "--exclude", "resource_type:unit_test"], registration_env(landed)),
    )
    for step, arguments, step_env in steps:
        started = time.perf_counter()
        run_dbt(step, arguments, {**env, **step_env}, log)
        seconds[step] = time.perf_counter() - started
