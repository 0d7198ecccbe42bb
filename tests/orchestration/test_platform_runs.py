"""`cerebro run` next to other processes and failures: one run at a time per DuckDB file (a
second waits, a killed run leaves no lock behind), a file held by another process fails with an
error that says so, the Dagster instance launches one queued run at a time, and a step that
failed on its last retry reports why."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cerebro.settings import load_settings
from cerebro.warehouse import Warehouse, WarehouseLockedError
from orchestration.platform import one_run_per_warehouse
from tests.support.dbt_manifest import prepared_dbt_manifest


@pytest.fixture
def settings(tmp_path):
    return load_settings(
        {"CEREBRO_DATA_DIR": str(tmp_path), "CEREBRO_DUCKDB_PATH": str(tmp_path / "w.duckdb")}
    )


def _python(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


#: Another `cerebro run` on the same settings: says when it waits, then when it holds the lock.
OTHER_RUN = """
    import sys
    from orchestration.platform import one_run_per_warehouse
    from cerebro.settings import load_settings

    settings = load_settings({"CEREBRO_DATA_DIR": sys.argv[1], "CEREBRO_DUCKDB_PATH": sys.argv[2]})
    with one_run_per_warehouse(settings, on_wait=lambda message: print(message, flush=True)):
        print("running", flush=True)
        sys.stdin.read()
"""


def test_a_second_run_on_the_same_file_waits_for_the_first_and_says_so(settings, tmp_path):
    with one_run_per_warehouse(settings):
        other = _python(OTHER_RUN, str(tmp_path), str(settings.duckdb_path))
        waiting = other.stdout.readline()
        assert "Another run is using" in waiting and "waiting for it to finish" in waiting
        assert other.poll() is None
    assert other.stdout.readline().strip() == "running"
    other.stdin.close()
    assert other.wait(timeout=30) == 0


def test_a_killed_run_leaves_no_lock_behind(settings, tmp_path):
    other = _python(OTHER_RUN, str(tmp_path), str(settings.duckdb_path))
    assert other.stdout.readline().strip() == "running"
    other.send_signal(signal.SIGKILL)
    other.wait(timeout=30)
    told = []
    with one_run_per_warehouse(settings, on_wait=told.append):
        pass
    assert told == []


def test_a_file_held_by_another_process_fails_with_an_error_naming_it(settings):
    holder = _python(
        """
        import duckdb, sys
        connection = duckdb.connect(sys.argv[1])
        print("held", flush=True)
        sys.stdin.read()
        """,
        str(settings.duckdb_path),
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseLockedError, match=r"w\.duckdb is in use by another process"):
            Warehouse(settings).query("select 1")
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert Warehouse(settings).query("select 1 as one")["one"].tolist() == [1]


def test_the_dagster_instance_launches_one_queued_run_at_a_time(settings, monkeypatch):
    import dagster as dg

    from orchestration.platform import prepare_dagster_home

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    home = prepare_dagster_home(settings)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.run_coordinator.get_run_queue_config().max_concurrent_runs == 1


def test_a_step_that_failed_on_its_last_retry_reports_why():
    from dagster._utils.error import SerializableErrorInfo

    from orchestration.platform import step_failure_message

    cause = SerializableErrorInfo("LandingError: t/shopify: the tap failed (exit -9)\n", [], "E")
    retried = SerializableErrorInfo("Exceeded max_retries of 2\n", [], "R", cause=cause)
    assert step_failure_message(retried) == (
        "Exceeded max_retries of 2\nLandingError: t/shopify: the tap failed (exit -9)"
    )


def test_the_manifest_is_replaced_whole_by_one_parse_at_a_time(monkeypatch):
    """Definitions are loaded while another process parses: the manifest must never be seen
    half written, so a parse waits for the one in progress and then swaps the file in.

    About the lock and the swap, not dbt's parse (which the run's first test loading the
    definitions ran, tests/support/dbt_manifest.py): dbt stands in, writing what a parse
    writes where it was told to."""
    import fcntl
    import json
    import threading
    from types import SimpleNamespace

    from dagster_dbt import DbtCliResource

    from orchestration.platform import prepare_dbt_manifest

    manifest = prepared_dbt_manifest()
    parsed = manifest.read_bytes()
    before = manifest.stat().st_ino
    dbt_started = threading.Event()

    def cli(self, args, *, target_path, **kwargs):
        dbt_started.set()
        (Path(target_path) / "manifest.json").write_bytes(parsed)
        return SimpleNamespace(wait=lambda: None)

    monkeypatch.setattr(DbtCliResource, "cli", cli)
    parse = threading.Thread(target=prepare_dbt_manifest)
    (manifest.parent / "parse").mkdir(exist_ok=True)
    with (manifest.parent / "parse" / "parse.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process is parsing
        parse.start()
        assert not dbt_started.wait(timeout=2), "dbt parsed while another parse held the lock"
    parse.join(timeout=300)
    assert dbt_started.is_set() and not parse.is_alive()
    assert manifest.stat().st_ino != before, "the manifest was rewritten in place"
    assert json.loads(manifest.read_text())["nodes"]
