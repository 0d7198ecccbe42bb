"""Whole `cerebro run`s for the fault suite: a small demo, run as a real process (so that the
shims replace dbt too, and two runs can race), faults placed at seeded points, and the checks
every recovered warehouse must pass.
"""

from __future__ import annotations

import os
import random
import re
import select
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
from cerebro_raw_contract import STREAMS_BY_SOURCE

from cerebro.settings import PROJECT_ROOT
from tests.platform.faults.fault_injection import DBT, TAP, TARGET, Fault, fired, install_shims
from tests.platform.faults.warehouse_diff import (
    MART_SCHEMAS,
    WarehouseDiff,
    diff_warehouses,
    duplicate_keys,
    fact_keys,
    raw_keys,
)

#: Two tenants (two timezones and currencies); the second with fewer sources, to keep a run
#: to a few minutes on two cores. 120 days is the least the budget brain fits on with a
#: 28-day holdout (it needs 56 + 28 + holdout days).
TENANTS_YAML = """
tenants:
  - tenant_id: faults_cl
    name: Fallas Chile
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    # Most demo customers book once or twice a year: fewer signups leave the customer brain
    # too few repeat purchases to fit in 120 days.
    demo: {profile: cl_services, customers: 180, seed: 21, end_date: "2026-10-31",
           history_days: 120}
    mmm: {draws: 60, holdout_days: 28}
    sources:
      shopify: {tap: demo}
      meta_ads: {tap: demo}
      google_ads: {tap: demo}
      tiktok_ads: {tap: demo}
      search_console: {tap: demo}
      calendar: {tap: demo}
  - tenant_id: faults_pe
    name: Fallas Perú
    timezone: America/Lima
    currency: PEN
    country_code: PE
    demo: {profile: pe_services, customers: 120, seed: 22, end_date: "2026-10-31",
           history_days: 120}
    mmm: {draws: 60, holdout_days: 28}
    sources: {shopify: {tap: demo}, meta_ads: {tap: demo}, google_ads: {tap: demo}}
"""
SOURCES_BY_TENANT = {
    "faults_cl": ["shopify", "meta_ads", "google_ads", "tiktok_ads", "search_console", "calendar"],
    "faults_pe": ["shopify", "meta_ads", "google_ads"],
}
#: The demo's last day: runs build the partition ending there (its lookback is inside the data).
RUN_DATE = "2026-10-31"
#: A Dagster landing step is tried three times (RetryPolicy): a landing fault that should fail
#: the run fires on every attempt.
LANDING_ATTEMPTS = 3
KINDS = ("tap", "target", "dbt", "lock")
#: What the output of a run failed by each kind of fault must say.
CLEAR_ERRORS = {
    "tap": r"the tap failed \(exit -9, killed by SIGKILL\)",
    "target": r"the target failed \(exit -9, killed by SIGKILL\)",
    "dbt": r"The dbt CLI process with command.*failed with exit code `-9`",
    "lock": r"Could not set lock on file",
}


@dataclass
class RunResult:
    exit_code: int
    output: str
    seconds: float


@dataclass
class PlatformDir:
    """A data directory, its Dagster home and its tenants file."""

    root: Path

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def duckdb_path(self) -> Path:
        return self.data_dir / "cerebro.duckdb"

    @property
    def tenants_file(self) -> Path:
        return self.root / "tenants.yml"

    @classmethod
    def create(cls, root: Path, demo_from: PlatformDir | None = None) -> PlatformDir:
        """A new, empty platform; with ``demo_from``, its demo datasets are copied (the same
        data, without generating it again)."""
        platform = cls(root)
        platform.data_dir.mkdir(parents=True)
        platform.tenants_file.write_text(TENANTS_YAML, encoding="utf-8")
        if demo_from is not None:
            shutil.copytree(demo_from.data_dir / "demo", platform.data_dir / "demo")
        return platform

    def command(self) -> list[str]:
        cerebro = str(Path(sys.executable).parent / "cerebro")
        return [cerebro, "run", "--tenants-file", str(self.tenants_file),
                "--data-dir", str(self.data_dir), "--date", RUN_DATE]  # fmt: skip

    def environ(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        environ = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith("CEREBRO_") and name != "DAGSTER_HOME"
        }
        return {**environ, "DAGSTER_HOME": str(self.root / "dagster_home"), **(extra or {})}

    def start(self, extra: dict[str, str] | None = None, log_name: str = "run") -> subprocess.Popen:
        """Start `cerebro run` (output to ``<root>/<log_name>.log``)."""
        log = (self.root / f"{log_name}.log").open("w")
        return subprocess.Popen(
            self.command(), env=self.environ(extra), cwd=PROJECT_ROOT,
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def run(self, extra: dict[str, str] | None = None, log_name: str = "run") -> RunResult:
        started = time.monotonic()
        process = self.start(extra, log_name)
        exit_code = process.wait(timeout=3600)
        output = (self.root / f"{log_name}.log").read_text(errors="replace")
        return RunResult(exit_code, output, time.monotonic() - started)

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.duckdb_path), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def raw_records(self, tenant_id: str, source: str) -> dict[str, int]:
        """Rows per stream of one tenant's source in the raw tables."""
        return {
            stream: self.query(
                f"select count(*) from raw_{source}.{stream} where tenant_id = '{tenant_id}'"
            )[0][0]
            for stream in STREAMS_BY_SOURCE[source]
        }


# Faults at seeded points --------------------------------------------------------------------


def seeded_fault(
    kind: str, rng: random.Random, clean: PlatformDir, dbt_nodes: int, name: str
) -> Fault:
    """A fault of ``kind`` at a random point of a run of ``clean``'s data."""
    tenant = rng.choice(sorted(SOURCES_BY_TENANT))
    source = rng.choice(SOURCES_BY_TENANT[tenant])
    records = clean.raw_records(tenant, source)
    if kind == "tap":
        return Fault(
            name, TAP, rng.randint(1, sum(records.values())),
            match={"tenant_id": tenant, "source": source}, times=LANDING_ATTEMPTS,
            partial_line=rng.choice([0.0, 0.5]),
        )  # fmt: skip
    if kind == "target":
        # The target's config names the schema, not the tenant: a source's landing runs its
        # tenants in file order, so the n-th invocation is the n-th tenant's.
        batch_size = rng.randint(20, 200)
        batches = sum(-(-n // batch_size) for n in records.values())
        tenants = [t for t in SOURCES_BY_TENANT if source in SOURCES_BY_TENANT[t]]
        return Fault(
            name, TARGET, rng.randint(1, max(1, batches - 1)),
            match={"default_target_schema": f"raw_{source}"},
            occurrence=tenants.index(tenant) + 1, times=LANDING_ATTEMPTS,
            batch_size_rows=batch_size,
        )  # fmt: skip
    if kind == "dbt":
        # The first `dbt build` of a run is the partitioned step (dbt_models), which has no
        # retry policy; the models on the ML outputs are the second.
        return Fault(name, DBT, rng.randint(1, dbt_nodes - 1), match={"command": "build"})
    raise ValueError(f"no program to fault for {kind!r}")


def place_faults(kind: str, rng: random.Random, clean: PlatformDir, dbt_nodes: int, name: str):
    """The shim faults of one faulted run (none for a lock: see DuckDBHolder)."""
    if kind == "lock":
        return []
    return [seeded_fault(kind, rng, clean, dbt_nodes, name)]


class DuckDBHolder:
    """Another process with a read-write connection to a DuckDB file, as a SQL client or a
    notebook keeps one: it takes the file ``after_seconds`` from now, or as soon after as the
    file is free (DuckDB refuses a second writer at once rather than queueing it), and keeps
    it until ``release``."""

    def __init__(self, path: Path, *, after_seconds: float = 0.0) -> None:
        code = (
            "import duckdb, sys, time\n"
            f"time.sleep({after_seconds})\n"
            "while True:\n"
            "    try:\n"
            "        connection = duckdb.connect(sys.argv[1])\n"
            "        break\n"
            "    except duckdb.IOException:\n"
            "        time.sleep(0.05)\n"
            "print('held', flush=True)\n"
            "sys.stdin.read()\n"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, str(path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip

    def took_the_file(self, timeout: float = 0.0) -> bool:
        """Whether it has the file (waiting up to ``timeout`` seconds for it)."""
        return bool(select.select([self.process.stdout], [], [], timeout)[0])

    def release(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def run_with_fault(
    platform: PlatformDir, kind: str, faults: list[Fault], shims: Path, rng: random.Random
) -> tuple[RunResult, list[dict]]:
    """One `cerebro run` of ``platform`` under a fault; returns the run and what fired."""
    environ = install_shims(shims, faults)
    if kind != "lock":
        result = platform.run(environ, log_name=shims.name)
        return result, [f for f in fired(shims) if f.get("after") is not None]
    # A reader takes the file at a random moment of the run and keeps it until the run ends.
    delay = rng.uniform(0.0, 60.0)
    started = time.monotonic()
    process = platform.start(environ, log_name=shims.name)
    while not platform.duckdb_path.exists() and process.poll() is None:
        time.sleep(0.2)  # a first run creates the file
    holder = DuckDBHolder(platform.duckdb_path, after_seconds=delay)
    exit_code = process.wait(timeout=3600)
    took_it = holder.took_the_file()
    holder.release()
    output = (platform.root / f"{shims.name}.log").read_text(errors="replace")
    firing = {"kind": "lock", "after_seconds": round(delay, 1)}
    return RunResult(exit_code, output, time.monotonic() - started), [firing] if took_it else []


# Checks of a recovered warehouse -------------------------------------------------------------


def assert_failed_clearly(kind: str, result: RunResult) -> None:
    """The run failed, and the error it ends with (the summary's, or the command's) says why."""
    assert result.exit_code != 0, f"a run under a {kind} fault succeeded:\n{result.output[-3000:]}"
    ending = re.split(r"^Error:", result.output, flags=re.MULTILINE)[-1]
    assert re.search(CLEAR_ERRORS[kind], ending, re.DOTALL), (
        f"the {kind} fault's error is not in the error the run ends with:\n{ending[:3000]}"
    )


@dataclass
class Recovery:
    marts: WarehouseDiff
    raw: WarehouseDiff
    duplicates: dict[str, int]

    @property
    def rows_lost(self) -> int:
        return self.marts.rows_lost + self.raw.rows_lost

    @property
    def duplicate_rows(self) -> int:
        return sum(self.duplicates.values())


def compare_with_clean(platform: PlatformDir, clean: PlatformDir) -> Recovery:
    """Marts and raw tables against the clean run's, and duplicate keys in raw and facts."""
    raw_schemas = tuple(f"raw_{source}" for source in STREAMS_BY_SOURCE)
    return Recovery(
        marts=diff_warehouses(clean.duckdb_path, platform.duckdb_path, MART_SCHEMAS),
        raw=diff_warehouses(clean.duckdb_path, platform.duckdb_path, raw_schemas),
        duplicates=duplicate_keys(platform.duckdb_path, {**raw_keys(), **fact_keys()}),
    )


def assert_recovered(platform: PlatformDir, clean: PlatformDir) -> Recovery:
    recovery = compare_with_clean(platform, clean)
    assert recovery.marts.identical, recovery.marts.describe()
    assert recovery.raw.identical, recovery.raw.describe()
    assert recovery.duplicate_rows == 0, {t: n for t, n in recovery.duplicates.items() if n}
    compared = len(recovery.marts.tables)
    assert compared >= 40, f"only {compared} mart tables compared"
    return recovery


def failed_runs_still_open(platform: PlatformDir) -> tuple[int, int]:
    """Failed runs in the run-history mart, and those not recovered since."""
    ((failures, open_incidents),) = platform.query(
        "select count(*) filter (where is_failure), count(*) filter (where is_open_incident) "
        "from marts.mart_pipeline_runs"
    )
    return failures, open_incidents


def dbt_nodes_of_first_build(shims: Path) -> int:
    """Nodes the observed clean run's first `dbt build` finished."""
    observed = [f["observed"] for f in fired(shims) if f.get("program") == DBT]
    return observed[0]
