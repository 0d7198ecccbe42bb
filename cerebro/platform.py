"""The main job: run the whole platform through Dagster, in this process.

Runs land in the Dagster instance under ``data/dagster_home``, so the Dagster
UI (``dagster dev``) shows them afterwards with their logs and metadata.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cerebro.settings import Settings

PLATFORM_JOB = "cerebro_platform"


@dataclass
class PlatformRun:
    success: bool
    seconds: float
    materialized: list[str]  # asset keys, "/"-joined
    checks_passed: int
    checks_failed: list[str]
    dagster_home: Path
    error: str | None = None


def put_scripts_on_path() -> None:
    """The environment's scripts (dbt, the taps, the target) first on PATH, so that they
    are found even when the virtualenv is not activated."""
    scripts = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != scripts:
        os.environ["PATH"] = os.pathsep.join([scripts, os.environ.get("PATH", "")])


def export_settings(settings: Settings) -> None:
    """Make this process's settings visible to Dagster resources and to dbt subprocesses."""
    put_scripts_on_path()
    os.environ.update(
        {
            "CEREBRO_DATA_DIR": str(settings.data_dir),
            "CEREBRO_TENANTS_FILE": str(settings.tenants_file),
            **settings.dbt_env(),
        }
    )


def prepare_dagster_home(settings: Settings) -> Path:
    home = Path(os.environ.get("DAGSTER_HOME") or settings.dagster_home)
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def prepare_dbt_manifest() -> None:
    """Parse the dbt project (the manifest the Dagster definitions are built from)."""
    from orchestration.dbt_project import dbt_project

    put_scripts_on_path()
    dbt_project.preparer.prepare(dbt_project)


def run_platform(settings: Settings, *, instance=None) -> PlatformRun:
    """Materialize every asset (demo data → Singer landing → dbt build) and report."""
    import dagster as dg

    export_settings(settings)
    home = prepare_dagster_home(settings)
    prepare_dbt_manifest()
    from cerebro.run_history import write_run_history
    from cerebro.warehouse import Warehouse
    from orchestration.definitions import defs

    started = time.monotonic()
    job = defs.resolve_job_def(PLATFORM_JOB)
    instance = instance or dg.DagsterInstance.get()
    warehouse = Warehouse(settings)
    write_run_history(warehouse, instance)  # before: dbt's views over it find the table
    # The terminal gets the summary; the full event log stays in the Dagster instance.
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    result = job.execute_in_process(run_config=quiet, instance=instance, raise_on_error=False)
    write_run_history(warehouse, instance)  # after: with this run's outcome
    checks = result.get_asset_check_evaluations()
    error = None
    if not result.success:
        failures = [e for e in result.all_events if e.is_step_failure]
        error = "\n".join(str(e.step_failure_data.error.message) for e in failures) or "run failed"
    return PlatformRun(
        success=result.success,
        seconds=time.monotonic() - started,
        materialized=[
            "/".join(e.asset_key.path) for e in result.get_asset_materialization_events()
        ],
        checks_passed=sum(1 for c in checks if c.passed),
        checks_failed=[
            f"{c.asset_key.to_user_string()}: {c.check_name}" for c in checks if not c.passed
        ],
        dagster_home=home,
        error=error,
    )
