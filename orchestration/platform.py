"""The platform runner: the whole platform through Dagster, in this process (``cerebro run``).

Runs land in the Dagster instance under ``data/dagster_home``, so the Dagster
UI (``dagster dev``) shows them afterwards with their logs and metadata.

Not part of the code location's definitions: ``definitions.py`` does not import it. Dagster,
the definitions and dbt are imported inside the functions, so that the command line starts
without them and ``prepare_dbt_manifest`` runs before anything reads the manifest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from cerebro.platform_run import PlatformRun
from cerebro.settings import Settings, put_scripts_on_path
from cerebro.spark.connect_server import reach_spark
from orchestration.orphaned_runs import close_orphaned_runs, process_tags
from orchestration.partition_days import last_complete_day, record_partitions_start


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
        # DuckDB takes one writer at a time: queued runs (the daily schedule's one run per
        # tenant, a backfill) go one after another instead of failing on the file lock.
        config.write_text("telemetry:\n  enabled: false\nrun_queue:\n  max_concurrent_runs: 1\n")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def prepare_dbt_manifest() -> None:
    """Parse the dbt project (the manifest the Dagster definitions are built from).

    Other processes may load the definitions while this one parses (two `cerebro run`s, the
    Dagster daemon, parallel test workers). dbt writes its manifest in place, so a reader could
    see half a file: the parse writes into a folder of its own, one process at a time, and the
    finished manifest replaces the old one in one rename.
    """
    from dagster_dbt import DbtCliResource

    from orchestration.dbt_project import dbt_project

    put_scripts_on_path()
    manifest = dbt_project.manifest_path
    parse_dir = manifest.parent / "parse"
    parse_dir.mkdir(parents=True, exist_ok=True)
    with (parse_dir / "parse.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        dbt = DbtCliResource(project_dir=dbt_project)
        dbt.cli(["parse", "--quiet"], target_path=parse_dir).wait()
        # dagster-dbt seeds each dbt invocation with the project's partial-parse file.
        partial_parse = parse_dir / "partial_parse.msgpack"
        if partial_parse.exists():
            staged = parse_dir / "partial_parse.msgpack.staged"
            shutil.copyfile(partial_parse, staged)
            os.replace(staged, manifest.parent / partial_parse.name)
        os.replace(parse_dir / "manifest.json", manifest)


def partition_range_tags(
    instance, tenant_ids: list[str], first_day: dt.date, last_day: dt.date
) -> dict[str, str]:
    """Tags for one run over every tenant and the days ``first_day..last_day``.

    The tenant dimension is ordered as the tenants were registered; the range spans from the
    first to the last of ``tenant_ids`` in that order.
    """
    from orchestration.partitions import TENANT_PARTITIONS, range_tags, register_tenants

    register_tenants(instance, tenant_ids)
    order = {t: i for i, t in enumerate(instance.get_dynamic_partitions(TENANT_PARTITIONS))}
    ordered = sorted(tenant_ids, key=order.__getitem__)
    return range_tags(first_day, ordered[0], last_day, ordered[-1])


def latest_complete_day(timezones: list[str], now: dt.datetime | None = None) -> dt.date:
    """The latest day that is over in every tenant's timezone."""
    now = now or dt.datetime.now(dt.UTC)
    return min(last_complete_day(timezone, now) for timezone in timezones)


@contextlib.contextmanager
def one_run_per_warehouse(
    settings: Settings, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the DuckDB warehouse for one platform run and its summary: a second run on the
    same file waits (``on_wait`` is told why) until the first has finished.

    The Dagster run queue (``max_concurrent_runs: 1``) serializes the runs the daemon launches,
    but ``cerebro run`` executes in its own process, outside the queue: two at once would
    interleave their steps on one file, which DuckDB opens for one writer only, and fail at
    random. The lock is an ``flock`` on a file beside the warehouse, which the kernel releases
    when the process ends however it ends: a killed run never leaves it behind. On Spark the
    same file lands and serves, and Spark's local metastore takes one process: held alike.
    PostgreSQL takes concurrent writers; its runs are not held.
    """
    if not settings.serves_from_duckdb:
        yield
        return
    path = settings.duckdb_path.with_name(f"{settings.duckdb_path.name}.run.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "?"
            if on_wait is not None:
                on_wait(
                    f"Another run is using {settings.duckdb_path} (pid {holder}); "
                    "waiting for it to finish…"
                )
            fcntl.flock(lock, fcntl.LOCK_EX)
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        yield


#: The error Dagster fails a step with when Ctrl-C (or SIGTERM, cerebro.interrupts) stops it.
_INTERRUPTED = "DagsterExecutionInterruptedError"


def _was_interrupted(failure) -> bool:
    error = failure.step_failure_data.error
    return error is not None and error.cls_name == _INTERRUPTED


def report_orphaned_runs(run_ids: list[str], progress: TextIO | None = None) -> None:
    """One line when earlier runs were closed as failed (``orphaned_runs``)."""
    if run_ids:
        print(
            f"{len(run_ids)} earlier run(s) left unfinished by a killed or crashed process "
            f"closed as failed: {', '.join(run_id[:8] for run_id in run_ids)}",
            file=progress or sys.stdout,
            flush=True,
        )


def step_failure_message(error) -> str:
    """A failed step's error and its causes: a step that failed on its last retry says only
    `Exceeded max_retries of 2`; the attempt's own error, its cause, says why."""
    messages = []
    while error is not None:
        messages.append(error.message.strip())
        error = error.cause
    return "\n".join(messages)


def run_platform(
    settings: Settings,
    *,
    instance=None,
    day: dt.date | None = None,
    days: int = 1,
    progress: TextIO | None = None,
) -> PlatformRun:
    """Materialize every asset for every tenant and the ``days`` days ending on ``day`` (default:
    the latest day complete for every tenant) in one run, and report. On a new warehouse the
    incremental models build their whole history whatever the window. Each step's line goes
    to ``progress`` (default: stdout)."""
    if days < 1:
        raise ValueError(f"days must be at least 1 (got {days})")
    started = time.monotonic()
    export_settings(settings)
    # With CEREBRO_SPARK_REMOTE=local, every dbt step of the run reaches the one Spark Connect
    # server started here (decision 0049).
    with reach_spark(settings) as settings:
        return _run_platform(settings, instance, day, days, progress, started)


def _run_platform(
    settings: Settings,
    instance,
    day: dt.date | None,
    days: int,
    progress: TextIO | None,
    started: float,
) -> PlatformRun:
    import dagster as dg

    from cerebro.tenants import load_tenants

    home = prepare_dagster_home(settings)
    tenants = load_tenants(settings.tenants_file)
    last_day = day or latest_complete_day([tenant.timezone for tenant in tenants])
    first_day = last_day - dt.timedelta(days=days - 1)
    # Before the definitions are imported: their partitions begin on the recorded day.
    record_partitions_start(home, first_day)
    prepare_dbt_manifest()
    from cerebro.progress import progress_logger_for
    from cerebro.warehouse import Warehouse
    from orchestration.definitions import defs
    from orchestration.jobs import PLATFORM_JOB
    from orchestration.run_history import write_run_history

    job = defs.resolve_job_def(PLATFORM_JOB)
    instance = instance or dg.DagsterInstance.get()
    report_orphaned_runs(close_orphaned_runs(instance), progress)  # before the history is copied
    tags = {
        **partition_range_tags(instance, [t.tenant_id for t in tenants], first_day, last_day),
        **process_tags(),
    }
    warehouse = Warehouse(settings)
    write_run_history(warehouse, instance)  # before: dbt's views over it find the table
    # The terminal gets a line per step and the summary; the full event log stays in the
    # Dagster instance.
    job = job.with_logger_defs({"progress": progress_logger_for(progress)})
    result = job.execute_in_process(
        run_config={"loggers": {"progress": {}}}, instance=instance, raise_on_error=False,
        tags=tags,
    )  # fmt: skip
    write_run_history(warehouse, instance)  # after: with this run's outcome
    checks = result.get_asset_check_evaluations()
    error = None
    failures = [e for e in result.all_events if e.is_step_failure]
    interrupted = [e for e in failures if _was_interrupted(e)]
    if not result.success:
        # A step stopped by Ctrl-C or SIGTERM is not an error of its own: the command says
        # the run was stopped, once, after the summary.
        error = "\n".join(
            step_failure_message(e.step_failure_data.error)
            for e in failures
            if e not in interrupted
        )
        error = error or (None if interrupted else "run failed")
    return PlatformRun(
        interrupted=bool(interrupted),
        success=result.success,
        seconds=time.monotonic() - started,
        # One event per partition: each asset once, in the order they ran.
        materialized=list(
            dict.fromkeys(
                "/".join(e.asset_key.path) for e in result.get_asset_materialization_events()
            )
        ),
        checks_passed=sum(1 for c in checks if c.passed),
        checks_failed=[_check_name(c) for c in checks if not c.passed and not _is_warning(c)],
        checks_warned=[_check_name(c) for c in checks if not c.passed and _is_warning(c)],
        dagster_home=home,
        error=error,
        first_day=first_day,
        last_day=last_day,
    )


def _check_name(check) -> str:
    return f"{check.asset_key.to_user_string()}: {check.check_name}"


def _is_warning(check) -> bool:
    """A check of severity WARN (dbt's `severity: warn`, the model-health checks) that did not
    pass warns: the run succeeded, and the summary says so apart from failures."""
    import dagster as dg

    return check.severity == dg.AssetCheckSeverity.WARN
