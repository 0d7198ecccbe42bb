"""One stage of the platform benchmark in a process of its own (not a command for users).

    python -m benchmarks.bench_child REQUEST.json RESULT.json

``run_child`` (called by ``benchmarks/platform_benchmark.py``) writes the request (the stage,
the size, the warehouse's connection settings without the password, which comes through the
environment as for every Cerebro process, and the stage's options), runs this module on it
and reads the result. In its own process a stage
has a peak memory of its own (``benchmarks/process_usage.py`` samples it, with the
subprocesses it runs) without tracemalloc, which would slow the very code being timed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from benchmarks.process_usage import run_measured
from cerebro.settings import PROJECT_ROOT, PostgresSettings, Settings


def settings_to_json(settings: Settings) -> dict:
    """What a stage needs to reach the warehouse (never the password: only its variable)."""
    postgres = settings.postgres
    return {
        "data_dir": str(settings.data_dir),
        "warehouse": settings.warehouse,
        "duckdb_path": str(settings.duckdb_path),
        "postgres": {
            "host": postgres.host,
            "port": postgres.port,
            "user": postgres.user,
            "database": postgres.database,
            "password_env_var": postgres.password_env_var,
        },
    }


def settings_from_json(document: dict) -> Settings:
    data_dir = Path(document["data_dir"])
    return Settings(
        data_dir=data_dir,
        tenants_file=data_dir / "unused.yml",
        warehouse=document["warehouse"],
        duckdb_path=Path(document["duckdb_path"]),
        postgres=PostgresSettings(**document["postgres"]),
    )


def run(request: dict) -> dict:
    """Dispatch to the stage; modules are imported per stage, so that a stage's peak memory
    holds only what it uses."""
    from benchmarks.dbt_bench_data import DEMO_TENANTS_FILE, bench_tenants
    from cerebro.warehouse import Warehouse

    stage = request["stage"]
    tenants = bench_tenants(request["size"], Path(request.get("tenants_file", DEMO_TENANTS_FILE)))

    def warehouse(key: str = "settings") -> Warehouse:
        return Warehouse(settings_from_json(request[key]))

    if stage == "generate":
        from benchmarks.bench_landing import generate_stage

        return generate_stage(request, tenants)
    if stage == "singer":
        from benchmarks.bench_landing import singer_stage

        return singer_stage(
            request, warehouse("singer_settings"), warehouse("bulk_settings"), tenants
        )
    if stage == "load":
        from benchmarks.bench_landing import load_stage

        return load_stage(request, warehouse(), tenants)
    if stage == "clv":
        from benchmarks.bench_ml import clv_stage

        return clv_stage(request, warehouse(), tenants)
    if stage == "clv_lifetimes":
        from benchmarks.bench_ml import lifetimes_stage

        return lifetimes_stage(request, warehouse(), tenants)
    if stage == "mmm":
        from benchmarks.bench_ml import mmm_stage

        return mmm_stage(request, warehouse(), tenants)
    if stage == "mmm_tenants":
        from benchmarks.bench_mmm_tenants import mmm_tenants_stage

        return mmm_tenants_stage(request, warehouse(), tenants)
    if stage == "dashboards":
        from benchmarks.bench_queries import dashboards_stage

        return dashboards_stage(request, warehouse())
    if stage == "kpis":
        from benchmarks.bench_queries import kpis_stage

        return kpis_stage(request, warehouse())
    raise ValueError(f"unknown stage {stage!r}")


class StageError(RuntimeError):
    """A stage's process failed; the message ends with its log."""


def run_child(stage: str, request: dict, directory: Path, server_pid: int | None) -> dict:
    """Run one stage in its own process (this module) and add the process's figures."""
    directory.mkdir(parents=True, exist_ok=True)
    request_path, result_path = directory / f"{stage}.request.json", directory / f"{stage}.json"
    log = directory / f"{stage}.log"
    request_path.write_text(json.dumps({**request, "stage": stage}, indent=1, default=str))
    result_path.unlink(missing_ok=True)
    usage = run_measured(
        [sys.executable, "-m", "benchmarks.bench_child", str(request_path), str(result_path)],
        env=os.environ, cwd=PROJECT_ROOT, log_path=log, server_pid=server_pid,
    )  # fmt: skip
    if usage.returncode != 0 or not result_path.exists():
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        raise StageError(f"{stage} failed (exit {usage.returncode}); log {log}\n{tail}")
    result = json.loads(result_path.read_text())
    result["process"] = {
        "wall_seconds": usage.wall_seconds,
        "cpu_seconds": usage.cpu_seconds,
        "peak_mib": usage.peak_mib,
        "server_cpu_seconds": usage.server_cpu_seconds,
        "server_peak_mib": usage.server_peak_mib,
    }
    return result


def main(argv: list[str] | None = None) -> None:
    request_path, result_path = argv or sys.argv[1:]
    result = run(json.loads(Path(request_path).read_text()))
    Path(result_path).write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
