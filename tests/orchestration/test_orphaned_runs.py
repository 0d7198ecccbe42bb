"""Runs whose process was killed are closed as failures by the next run (issue 56, item 7),
on a real Dagster instance (SQLite storage in a temporary DAGSTER_HOME) with real processes:
one killed with SIGKILL in the middle of its run, one still running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import dagster as dg

from orchestration.orphaned_runs import close_orphaned_runs
from orchestration.run_history import run_history

#: A process that executes a one-op job in-process, as `cerebro run` does, tagged with its
#: process; the op waits until the process is killed.
_RUN_FOREVER = """
import time
import dagster as dg
from orchestration.orphaned_runs import process_tags

@dg.op
def wait():
    time.sleep(600)

@dg.job
def long_job():
    wait()

long_job.execute_in_process(instance=dg.DagsterInstance.get(), tags=process_tags())
"""


def _start_run(home) -> subprocess.Popen:
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    return subprocess.Popen([sys.executable, "-c", _RUN_FOREVER], env=env)


def _wait_for_started_runs(instance, count: int) -> list[dg.DagsterRun]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        runs = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
        if len(runs) == count:
            return runs
        time.sleep(0.5)
    raise AssertionError(f"{count} runs did not start")


def test_a_killed_processs_run_is_closed_as_failed_and_a_live_one_is_left(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    killed = alive = None
    try:
        # The instance's storage is created here, before the processes share it.
        with dg.DagsterInstance.from_config(str(home)) as instance:
            instance.get_runs()
            killed = _start_run(home)
            (killed_run,) = _wait_for_started_runs(instance, 1)
            killed.send_signal(signal.SIGKILL)
            killed.wait(timeout=30)
            alive = _start_run(home)
            runs = _wait_for_started_runs(instance, 2)
            (alive_run,) = [run for run in runs if run.run_id != killed_run.run_id]
            # Before: the killed run looks as if it were still running.
            assert instance.get_run_by_id(killed_run.run_id).status.value == "STARTED"

            assert close_orphaned_runs(instance) == [killed_run.run_id]

            assert instance.get_run_by_id(killed_run.run_id).status.value == "FAILURE"
            assert instance.get_run_by_id(alive_run.run_id).status.value == "STARTED"
            failure = instance.all_logs(killed_run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[
                0
            ]
            assert f"pid {killed.pid}" in failure.message and "killed or crashed" in failure.message
            # What the Salud de datos marts read: the run counts as a failure.
            history = run_history(instance).set_index("run_id")
            assert history.loc[killed_run.run_id, "status"] == "FAILURE"
            assert history.loc[alive_run.run_id, "status"] == "STARTED"
            # Closing again changes nothing.
            assert close_orphaned_runs(instance) == []
    finally:
        for process in (killed, alive):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(timeout=30)


def test_runs_without_the_process_tag_are_left_to_dagsters_run_monitoring(tmp_path):
    with dg.DagsterInstance.local_temp(str(tmp_path)) as instance:
        run = instance.create_run_for_job(
            job_def=dg.GraphDefinition(name="g", node_defs=[]).to_job(),
            status=dg.DagsterRunStatus.STARTED,
        )
        assert close_orphaned_runs(instance) == []
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED
