"""dbt in this process, from one parse of the project per process (an xdist worker): the parsed
manifest is handed to every later command, which then skips parsing. A full parse costs about
8 s of CPU, 18 to 33 s on two busy cores; the builds of crafted warehouses take 1 to 15 s.

A parse depends on its inputs, and is reused only where they agree:

- the warehouse kind (the profile's target): one parse per kind;
- the vars: one parse per set of vars, since a var may change a config or a ref while dbt
  parses (that is why dbt parses again when they change), except the vars the project reads
  only when it compiles SQL (`COMPILE_TIME_VARS`), which a command is given on the parse
  without them;
- the environment variables the project reads while parsing (dbt records them in the
  manifest): a build whose environment gives one of them another value gets its own parse;
- the database, which dbt writes into every relation of the manifest: the one input a build
  changes, by pointing the manifest at its own database before it runs (`_retarget`).
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cerebro.settings import DBT_PROJECT_DIR, environment_set

#: The database the parses name in their relations until a command points them elsewhere.
PARSED_DATABASE = "parsed"
#: Statuses of the nodes that made a command fail.
FAILED = {"error", "fail", "runtime error"}


def _release_duckdb() -> None:
    """dbt-duckdb keeps its database open in the process after a command; close it so that
    the test (and the next command, which reopens it) can use the file."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


@functools.cache
def _behavior_flags_named_without_inspect_stack() -> None:
    """dbt names the module that declared each of an adapter's behavior flags by walking
    `inspect.stack()`, which reads the source lines of every frame and searches sys.modules
    for each: with pytest's and dbt's frames over it, and thousands of modules loaded, a tenth
    of every in-process dbt command's time (the adapter is registered again for each one).
    The module's name is the same read from the frames' globals (what `inspect.getmodule`
    finds for a frame of a module's code); it only labels dbt's behavior-change warnings."""
    import sys

    from dbt_common import behavior_flags

    def default_source() -> str:
        frame = sys._getframe(1)
        while frame is not None:
            name = frame.f_globals.get("__name__")
            if name and name != behavior_flags.__name__:
                return name
            frame = frame.f_back
        return "Unknown"

    behavior_flags.BehaviorFlagRendered._default_source = staticmethod(default_source)


def invoke(
    args: list[str],
    environ: Mapping[str, str],
    target_path: Path,
    *,
    manifest: Any = None,
    project_dir: Path = DBT_PROJECT_DIR,
    log_path: Path | None = None,
):
    """A dbt command in this process with ``environ`` set while it runs (the profile reads the
    warehouse from it), its artifacts in ``target_path`` and its logs in ``log_path``
    (``target_path/logs`` by default). Without ``manifest``, dbt parses the project first.
    The result is returned whether the command succeeded or not."""
    from dbt.cli.main import dbtRunner

    _behavior_flags_named_without_inspect_stack()
    try:
        with environment_set(environ):
            return dbtRunner(manifest=manifest).invoke(
                [
                    *args,
                    "--project-dir", str(project_dir),
                    "--profiles-dir", str(project_dir),
                    "--target-path", str(target_path),
                    "--log-path", str(log_path or target_path / "logs"),
                    "--quiet",
                ]
            )  # fmt: skip
    finally:
        _release_duckdb()


def failures(result) -> str:
    """What made a command fail: dbt's exception, and each failing node with its message."""
    lines = [f"{type(result.exception).__name__}: {result.exception}"] if result.exception else []
    for node in getattr(result.result, "results", None) or []:
        if str(node.status) in FAILED:
            lines.append(f"{node.status} {node.node.unique_id}: {node.message}")
    return "\n".join(lines) or "dbt reported no failing node"


@dataclass(frozen=True)
class ParsedProject:
    """The dbt project parsed once: dbt's manifest object (handed to later commands), its
    JSON form (manifest.json, read by tests; copy it before changing it) and the environment
    variables it read while parsing, as dbt recorded them then (`manifest.env_vars` is no
    record of the parse for long: dbt adds to it every variable a model reads at run time,
    such as the partition window, with the run's value)."""

    manifest: Any
    manifest_json: dict
    parse_env_vars: Mapping[str, str]

    @property
    def nodes(self) -> dict[str, dict]:
        return self.manifest_json["nodes"]

    def parsed_as(self, environ: Mapping[str, str]) -> bool:
        """Whether the environment variables the project read while parsing have the same
        values in ``environ`` (dbt records one read at its default, unset, as a placeholder)."""
        from dbt.constants import DEFAULT_ENV_PLACEHOLDER

        return all(
            environ.get(name, DEFAULT_ENV_PLACEHOLDER) == value
            for name, value in self.parse_env_vars.items()
        )


_parses: dict[tuple[str, str], list[ParsedProject]] = {}

#: Vars the project reads only in SQL that dbt compiles when a command runs (the macros
#: health_clock and partition_window, and the partition tests' lookback), never in a config, a
#: ref, a source or dbt_project.yml: a parse given them is the parse without them (the three
#: manifests compared whole, nodes, sources, macros, exposures and maps, equal but for their
#: created_at when this was written), so a command given only these reuses the process's parse
#: without vars, and dbt compiles them in. A var that decides a config or a ref must not be
#: listed here.
COMPILE_TIME_VARS = frozenset(
    {"health_clock", "incremental_lookback_days", "partition_tenants", "partition_start_date",
     "partition_end_date"}
)  # fmt: skip


@functools.cache
def _parses_folder() -> Path:
    """One folder for this process's parses, removed when the process exits."""
    folder = Path(tempfile.mkdtemp(prefix="cerebro-dbt-parses-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _parse(kind: str, dbt_vars: dict, environ: Mapping[str, str]) -> ParsedProject:
    target_path = Path(tempfile.mkdtemp(dir=_parses_folder(), prefix=f"{kind}-"))
    parse_environ = {
        **environ,
        "CEREBRO_WAREHOUSE": kind,
        # dbt-duckdb names the database (catalog) after the file; parsing opens no warehouse.
        "CEREBRO_DUCKDB_PATH": str(target_path / f"{PARSED_DATABASE}.duckdb"),
        "CEREBRO_PG_DATABASE": PARSED_DATABASE,
    }
    var_args = ["--vars", json.dumps(dbt_vars)] if dbt_vars else []
    result = invoke(["parse", *var_args], parse_environ, target_path)
    if not result.success:
        raise AssertionError(f"dbt parse failed: {failures(result)}")
    manifest_json = json.loads((target_path / "manifest.json").read_text("utf-8"))
    return ParsedProject(result.result, manifest_json, dict(result.result.env_vars))


def parsed_project(
    kind: str = "duckdb", dbt_vars: dict | None = None, environ: Mapping[str, str] | None = None
) -> ParsedProject:
    """The project parsed for a warehouse kind and vars (those of `COMPILE_TIME_VARS` left
    out), once per process and per value of the environment variables it reads while
    parsing (``environ``, this process's by default)."""
    environ = os.environ if environ is None else environ
    parse_vars = {k: v for k, v in (dbt_vars or {}).items() if k not in COMPILE_TIME_VARS}
    candidates = _parses.setdefault((kind, json.dumps(parse_vars, sort_keys=True)), [])
    for parsed in candidates:
        if parsed.parsed_as(environ):
            return parsed
    candidates.append(_parse(kind, parse_vars, environ))
    return candidates[-1]


def _database(environ: Mapping[str, str]) -> str:
    """The database the profile (dbt_project/profiles.yml) points at: PostgreSQL's database,
    or the DuckDB catalog, which dbt-duckdb names after the file."""
    if environ.get("CEREBRO_WAREHOUSE", "duckdb") == "postgres":
        return environ["CEREBRO_PG_DATABASE"]
    return Path(environ["CEREBRO_DUCKDB_PATH"]).stem


def _retarget(manifest: Any, database: str) -> None:
    """Point every relation of the manifest at ``database``, in place (a process runs its
    commands one after another). dbt writes the target's database into each node and source
    while parsing (`database`, and `relation_name`, `"database"."schema"."name"` on both
    warehouses), and reads and writes those names; a command must use the warehouse it
    connects to (dbt-postgres refuses any other database before it runs: a missed relation
    fails loudly, as does a DuckDB catalog that is not attached)."""
    relations = [*manifest.nodes.values(), *manifest.sources.values()]
    relations += list(manifest.functions.values())
    (current,) = {relation.database for relation in relations}
    if current == database:
        return
    old, new = f'"{current}".', f'"{database}".'
    for relation in relations:
        relation.database = database
        if relation.relation_name:
            if not relation.relation_name.startswith(old):
                raise AssertionError(f"unexpected relation name {relation.relation_name}")
            relation.relation_name = new + relation.relation_name[len(old) :]
    # The `graph` variable of the macros is a copy of the nodes, made when dbt parses.
    manifest.build_flat_graph()


def run_dbt(
    args: list[str],
    environ: Mapping[str, str],
    target_path: Path,
    *,
    dbt_vars: dict | None = None,
):
    """A dbt command on the warehouse ``environ`` points at (CEREBRO_WAREHOUSE and its
    database), from this process's parse for that kind and those vars; the result is
    returned whether it succeeded or not (`failures` says why it failed)."""
    project = parsed_project(environ.get("CEREBRO_WAREHOUSE", "duckdb"), dbt_vars, environ)
    _retarget(project.manifest, _database(environ))
    var_args = ["--vars", json.dumps(dbt_vars)] if dbt_vars else []
    return invoke([*args, *var_args], environ, target_path, manifest=project.manifest)


@dataclass(frozen=True)
class WarehouseCopy:
    """A private copy of a built DuckDB warehouse, and dbt on it."""

    project: ParsedProject
    database: Path
    directory: Path

    @classmethod
    def of(cls, project: ParsedProject, original: Path, directory: Path) -> WarehouseCopy:
        directory.mkdir(parents=True, exist_ok=True)
        database = directory / "warehouse.duckdb"
        shutil.copy(original, database)
        return cls(project, database, directory)

    @property
    def target_path(self) -> Path:
        return self.directory / "target"

    def environ(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """This process's environment pointing dbt at the copy, with ``env`` added."""
        return {
            **os.environ,
            "CEREBRO_WAREHOUSE": "duckdb",
            "CEREBRO_DUCKDB_PATH": str(self.database),
            **(env or {}),
        }

    def dbt(self, *args: str, env: dict[str, str] | None = None, dbt_vars: dict | None = None):
        """A dbt command on the copy (``env`` set while it runs, ``dbt_vars`` given as
        ``--vars``); the result is returned whether it succeeded or not."""
        return run_dbt(list(args), self.environ(env), self.target_path, dbt_vars=dbt_vars)

    def artifact(self, name: str) -> dict:
        """run_results.json or sources.json of the last command."""
        return json.loads((self.target_path / name).read_text("utf-8"))

    def node_results(self) -> list[dict]:
        """The last command's results per node: run_results.json without the project's
        on-run-start hook, an operation that does nothing but on Spark (decision 0040)."""
        results = self.artifact("run_results.json")["results"]
        return [r for r in results if not r["unique_id"].startswith("operation.")]
