"""dbt run in this process on a private DuckDB file, and comparisons of its marts."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from cerebro.settings import DBT_PROJECT_DIR, environment_set
from orchestration.partitions import PartitionWindow

#: The demo of tests/conftest.py ends here, for both tenants.
DEMO_LAST_DAY = dt.date(2026, 10, 31)
TENANTS = ("test_cl", "test_pe")


def _release_duckdb() -> None:
    """dbt-duckdb keeps its database open in the process after an invocation; close it so this
    process can open the file with its own settings (it is reopened by the next invocation)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


@dataclass
class DbtOnCopy:
    """dbt (in-process, dbtRunner) on one DuckDB file, with a target path of its own."""

    database: Path
    target_path: Path

    def invoke(self, *args: str, env: dict[str, str] | None = None) -> None:
        """dbt with ``args``, the environment variables ``env`` set while it runs."""
        from dbt.cli.main import dbtRunner

        env = {"CEREBRO_DUCKDB_PATH": str(self.database), **(env or {})}
        try:
            with environment_set(env):
                result = dbtRunner().invoke(
                    [
                        *args,
                        "--project-dir", str(DBT_PROJECT_DIR),
                        "--profiles-dir", str(DBT_PROJECT_DIR),
                        "--target-path", str(self.target_path),
                        "--target", "duckdb",
                        "--quiet",
                    ]
                )  # fmt: skip
        finally:
            _release_duckdb()
        if not result.success:
            detail = result.exception or result.result
            raise AssertionError(f"dbt {' '.join(args)} failed: {detail}")

    def run_partitions(
        self,
        first_day: dt.date,
        last_day: dt.date,
        *,
        tenants: Iterable[str] = TENANTS,
        lookback_days: int | None = None,
    ) -> None:
        """What Dagster does for a run over these partitions (the incremental models only):
        the window in the environment (orchestration/dbt_assets.py); a lookback other than the
        project's as a var."""
        window = PartitionWindow(tuple(tenants), first_day, last_day)
        variables = [] if lookback_days is None else [
            "--vars", json.dumps({"incremental_lookback_days": lookback_days})
        ]  # fmt: skip
        self.invoke(
            "run", "--select", "config.materialized:incremental", *variables, env=window.dbt_env()
        )

    def incremental_tables(self) -> dict[str, str | None]:
        """Incremental model as schema.table -> its partition date column (None for the merged
        entities): the marts and the intermediates incremental like them (decision 0017)."""
        manifest = json.loads((self.target_path / "manifest.json").read_text())
        return {
            f"{node['schema']}.{node['name']}": node["config"].get("partition_date_column")
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
        }


def table_differences(left: Path, right: Path, tables: Iterable[str]) -> dict[str, int]:
    """Rows of each schema.table in one file and not in the other (both ways, with
    multiplicity)."""
    differences = {}
    with duckdb.connect(str(left), read_only=True) as connection:
        connection.execute(f"attach '{right}' as other (read_only)")
        for table in tables:
            one = f"select * from {table}"
            two = f"select * from other.{table}"
            count = connection.execute(
                f"select (select count(*) from ({one} except all {two}))"
                f" + (select count(*) from ({two} except all {one}))"
            ).fetchone()[0]
            if count:
                differences[table] = count
    return differences
