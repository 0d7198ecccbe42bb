"""dbt run the way Dagster runs a partition, on a private copy of the DuckDB demo warehouse,
in this process from its parse of the project (tests/support/dbt_in_process); comparisons of
the marts it leaves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.partitions import PartitionWindow
from tests.support.dbt_in_process import WarehouseCopy, failures
from tests.support.demo_platform import DEMO_TENANTS

#: The demo of tests/conftest.py ends here, for every tenant.
DEMO_LAST_DAY = dt.date(2026, 10, 31)
#: Every tenant of that demo: a run for fewer leaves the others' rows as they were.
TENANTS = DEMO_TENANTS


def expect_success(result, args: Iterable[str]) -> None:
    """An AssertionError with dbt's failures when the command ``args`` failed."""
    if not result.success:
        raise AssertionError(f"dbt {' '.join(args)} failed: {failures(result)}")


@dataclass(frozen=True)
class PartitionedCopy(WarehouseCopy):
    """A copy of the demo warehouse whose dbt commands must succeed."""

    def invoke(
        self, *args: str, env: dict[str, str] | None = None, dbt_vars: dict | None = None
    ) -> None:
        """dbt with ``args`` (and ``dbt_vars``), the environment variables ``env`` set while
        it runs; an AssertionError with dbt's failures when it fails. It writes no
        manifest.json, graph.gpickle nor run_results.json: nothing here reads them (the
        incremental tables come from the parse), and writing the whole project's costs
        seconds per command."""
        expect_success(self.dbt(*args, "--no-write-json", env=env, dbt_vars=dbt_vars), args)

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
        project's as a var (a parse of its own, once per process)."""
        window = PartitionWindow(tuple(tenants), first_day, last_day)
        lookback = None if lookback_days is None else {"incremental_lookback_days": lookback_days}
        self.invoke(
            "run",
            "--select",
            "config.materialized:incremental",
            env=window.dbt_env(),
            dbt_vars=lookback,
        )

    def incremental_tables(self) -> dict[str, str | None]:
        """Incremental model as schema.table -> its partition date column (None for the merged
        entities): the marts and the intermediates incremental like them (decision 0017)."""
        return {
            f"{node['schema']}.{node['name']}": node["config"].get("partition_date_column")
            for node in self.project.nodes.values()
            if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
        }

    def per_customer_tables(self) -> dict[str, list[tuple[str, str]]]:
        """The incremental models a partition run recomputes per touched customer
        (`partition_customers`, macros/touched_customers.sql), as schema.table -> their dated
        inputs (schema.table, date column) whose customers on a window's days it recomputes
        beside the window's persons."""
        models = {
            node["name"]: node
            for node in self.project.nodes.values()
            if node["resource_type"] == "model"
        }
        return {
            f"{node['schema']}.{name}": [
                (f"{models[ref]['schema']}.{ref}", date_column)
                for ref, date_column in node["config"]["partition_customers"].get("dated", [])
            ]
            for name, node in models.items()
            if node["config"].get("partition_customers") is not None
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
