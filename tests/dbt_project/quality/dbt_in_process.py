"""dbt in this process, from one parse of the project per session: the parsed manifest is
handed to every later invocation, which then skips parsing (seconds each on two cores)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cerebro.settings import DBT_PROJECT_DIR, environment_set

#: dbt-duckdb names the database (catalog) after the file, and a parsed manifest keeps that
#: name in every relation: the parse and the copies use the same file name.
DATABASE_FILE = "warehouse.duckdb"


def _release_duckdb() -> None:
    """dbt-duckdb keeps its database open in the process after an invocation; close it so that
    the test (and the next invocation, which reopens it) can use the file."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def _invoke(
    args: list[str],
    target_path: Path,
    database: Path,
    manifest: Any = None,
    env: dict[str, str] | None = None,
):
    from dbt.cli.main import dbtRunner

    env = {"CEREBRO_DUCKDB_PATH": str(database), "CEREBRO_WAREHOUSE": "duckdb", **(env or {})}
    try:
        with environment_set(env):
            return dbtRunner(manifest=manifest).invoke(
                [
                    *args,
                    "--project-dir", str(DBT_PROJECT_DIR),
                    "--profiles-dir", str(DBT_PROJECT_DIR),
                    "--target-path", str(target_path),
                    "--log-path", str(target_path / "logs"),
                    "--quiet",
                ]
            )  # fmt: skip
    finally:
        _release_duckdb()


@dataclass(frozen=True)
class ParsedProject:
    """The dbt project parsed once: dbt's manifest object (handed to later invocations) and
    its JSON form (manifest.json, read by tests; copy it before changing it)."""

    manifest: Any
    manifest_json: dict

    @property
    def nodes(self) -> dict[str, dict]:
        return self.manifest_json["nodes"]


def parse_project(target_path: Path) -> ParsedProject:
    """`dbt parse` into ``target_path`` (no warehouse is opened)."""
    result = _invoke(["parse"], target_path, target_path / DATABASE_FILE)
    if not result.success:
        raise AssertionError(f"dbt parse failed: {result.exception}")
    manifest_json = json.loads((target_path / "manifest.json").read_text("utf-8"))
    return ParsedProject(manifest=result.result, manifest_json=manifest_json)


@dataclass(frozen=True)
class WarehouseCopy:
    """A private copy of a built DuckDB warehouse, and dbt on it."""

    project: ParsedProject
    database: Path
    directory: Path

    @classmethod
    def of(cls, project: ParsedProject, original: Path, directory: Path) -> WarehouseCopy:
        directory.mkdir(parents=True, exist_ok=True)
        database = directory / DATABASE_FILE
        shutil.copy(original, database)
        return cls(project, database, directory)

    def dbt(self, *args: str, env: dict[str, str] | None = None):
        """A dbt command on the copy (``env`` set while it runs); the result is returned whether
        it succeeded or not."""
        return _invoke(
            list(args), self.directory / "target", self.database, self.project.manifest, env
        )

    def artifact(self, name: str) -> dict:
        """run_results.json or sources.json of the last command."""
        return json.loads((self.directory / "target" / name).read_text("utf-8"))

    def node_results(self) -> list[dict]:
        """The last command's results per node: run_results.json without the project's
        on-run-start hook, an operation that does nothing but on Spark (decision 0040)."""
        results = self.artifact("run_results.json")["results"]
        return [r for r in results if not r["unique_id"].startswith("operation.")]
