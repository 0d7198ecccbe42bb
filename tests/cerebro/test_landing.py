"""Landing runs tap | target for real, keeps Singer state, and fails loudly."""

from __future__ import annotations

import json
import sys

import duckdb
import pyarrow.parquet as pq
import pytest

from cerebro.landing.pipeline import (
    ForeseenLandingError,
    LandingError,
    UnusableStateError,
    run_pipeline,
)
from cerebro.settings import console_script

DEMO_TAP_CONFIG = {
    "tenant_id": "tienda_cl",
    "profile": "cl_services",
    "timezone": "America/Santiago",
    "customers": 60,
    "seed": 3,
    "end_date": "2026-06-30",
    "history_days": 120,
}


def python_command(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def land(tmp_path, source, tap_command=None, target_command=None):
    return run_pipeline(
        tenant_id="tienda_cl",
        source=source,
        tap_command=tap_command or [console_script("tap-cerebro-demo")],
        tap_config={**DEMO_TAP_CONFIG, "source": source, "cache_dir": str(tmp_path / "demo")},
        target_command=target_command or [console_script("target-cerebro-duckdb")],
        target_config={
            "path": str(tmp_path / "w.duckdb"),
            "default_target_schema": f"raw_{source}",
        },
        state_path=tmp_path / "state" / f"{source}.json",
        log_dir=tmp_path / "logs",
    )


def test_demo_source_lands_every_record_and_saves_state(tmp_path):
    result = land(tmp_path, "search_console")
    generated = pq.read_table(tmp_path / "demo" / "tienda_cl" / "performance_by_date.parquet")
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as connection:
        (rows,) = connection.execute(
            "select count(*) from raw_search_console.performance_by_date"
        ).fetchone()
    assert rows == generated.num_rows == result.records_by_stream["performance_by_date"]
    state = json.loads(result.state_path.read_text())
    assert state["bookmarks"]["performance_by_date"]["replication_key_value"].startswith(
        "2026-06-30"
    )


def test_second_run_resumes_from_state_and_adds_no_rows(tmp_path):
    first = land(tmp_path, "search_console")
    second = land(tmp_path, "search_console")
    # The bookmark is inclusive: only the last day is sent again, and upserted.
    landed_first = first.records_by_stream["performance_by_date"]
    assert second.records_by_stream["performance_by_date"] == 1 < landed_first
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as connection:
        (rows,) = connection.execute(
            "select count(*) from raw_search_console.performance_by_date"
        ).fetchone()
    assert rows == landed_first


def test_failing_tap_raises_with_the_end_of_its_log(tmp_path):
    failing = python_command("import sys; print('token rejected', file=sys.stderr); sys.exit(3)")
    with pytest.raises(LandingError, match=r"(?s)the tap failed \(exit 3\).*token rejected"):
        land(tmp_path, "calendar", tap_command=failing)


def test_a_traceback_in_the_log_is_cut_to_its_exception_lines(tmp_path):
    failing = python_command(
        "import logging\n"
        "logging.basicConfig(format='%(levelname)s | %(message)s')\n"
        "def fetch(page):\n"
        "    raise ConnectionError(f'page {page}: connection reset')\n"
        "try:\n"
        "    fetch(7)\n"
        "except ConnectionError as error:\n"
        "    logging.exception('sync failed')\n"
        "    raise RuntimeError('orders stream stopped') from error\n"
    )
    with pytest.raises(LandingError) as failure:
        land(tmp_path, "calendar", tap_command=failing)
    message = str(failure.value)
    shown = message.split("tap.log:\n", 1)[1].splitlines()
    # The logged traceback and the uncaught one, each cut to its exceptions (chained ones too).
    assert shown == [
        "ERROR | sync failed",
        "ConnectionError: page 7: connection reset",
        "ConnectionError: page 7: connection reset",
        "RuntimeError: orders stream stopped",
    ]
    # The whole traceback stays in the log file for whoever debugs the tap.
    assert "Traceback" in (tmp_path / "logs" / "calendar.tap.log").read_text()


def test_failing_target_raises_and_keeps_the_state_it_had_confirmed(tmp_path):
    confirmed = {"bookmarks": {"events": {"replication_key_value": "2026-03-01"}}}
    target = python_command(
        "import sys, json; sys.stdin.read(); "
        f"print(json.dumps({confirmed!r})); sys.stdout.flush(); "
        "print('disk full', file=sys.stderr); sys.exit(1)"
    )
    with pytest.raises(LandingError, match=r"(?s)the target failed \(exit 1\).*disk full"):
        land(tmp_path, "calendar", target_command=target)
    saved = json.loads((tmp_path / "state" / "calendar.json").read_text())
    assert saved == confirmed


def test_config_files_with_credentials_are_not_left_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "scratch"))
    (tmp_path / "scratch").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    land(tmp_path, "calendar")
    assert list((tmp_path / "scratch").iterdir()) == []


def test_a_killed_target_is_named_before_the_tap_its_death_broke(tmp_path):
    # The target dies by SIGKILL on its first line; the tap, writing on, gets a broken pipe.
    target = python_command(
        "import os, signal, sys; sys.stdin.readline(); os.kill(os.getpid(), signal.SIGKILL)"
    )
    tap = python_command("import sys\nwhile True: print('{}', flush=True)")
    with pytest.raises(
        LandingError,
        match=r"the target failed \(exit -9, killed by SIGKILL\) and the tap failed \(exit \d+\)",
    ):
        land(tmp_path, "calendar", tap_command=tap, target_command=target)


def test_a_state_line_torn_by_a_killed_target_leaves_the_state_before_it(tmp_path):
    confirmed = {"bookmarks": {"events": {"replication_key_value": "2026-03-01"}}}
    torn = json.dumps({"bookmarks": {"events": {"replication_key_value": "2026-04-01"}}})[:20]
    target = python_command(
        "import os, signal, sys, json; sys.stdin.read(); "
        f"sys.stdout.write(json.dumps({confirmed!r}) + '\\n' + {torn!r}); sys.stdout.flush(); "
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    tap = python_command("print('{}')")
    with pytest.raises(LandingError, match=r"the target failed \(exit -9, killed by SIGKILL\)"):
        land(tmp_path, "calendar", tap_command=tap, target_command=target)
    assert json.loads((tmp_path / "state" / "calendar.json").read_text()) == confirmed


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"bookmarks": {"orders": {"replication_key_value": "2026-06-', "Unterminated string"),
        ("[1, 2]", "a JSON list, not an object"),
        (b"\xff\xfe{}", "can't decode"),
    ],
    ids=["cut short", "not an object", "not UTF-8"],
)
def test_an_unusable_state_is_named_before_the_tap_runs_and_kept(tmp_path, content, problem):
    """Issue 56: a garbled state failed three times with the tap's JSON error and never named
    the file. Now one error names it and the way out; the tap never starts; the file stays."""
    state = tmp_path / "state" / "shopify.json"
    state.parent.mkdir(parents=True)
    if isinstance(content, bytes):
        state.write_bytes(content)
    else:
        state.write_text(content)
    before = state.read_bytes()
    marker = tmp_path / "tap-ran"
    with pytest.raises(UnusableStateError) as raised:
        land(tmp_path, "shopify", tap_command=python_command(f"open({str(marker)!r}, 'w')"))
    message = str(raised.value)
    assert f"the saved Singer state {state} cannot be used" in message
    assert problem in message and "move it aside (or delete it)" in message
    assert not marker.exists() and state.read_bytes() == before


@pytest.mark.parametrize(
    ("exit_code", "foreseen"), [(2, True), (1, False)], ids=["said in one line", "a crash"]
)
def test_a_tap_that_stops_on_a_failure_it_foresaw_is_one_line_and_not_retried(
    tmp_path, exit_code, foreseen
):
    """Exit 2 is a tap's foreseen failure (cerebro_tap_kit.clear_errors): its last log line
    says it all and the landing step does not retry it (issue 57: a misspelt shop cost two
    Dagster retries). Any other exit shows the log's end and stays retriable."""
    tap = python_command(
        "import sys; sys.stderr.write('INFO starting the sync\\n'); "
        "sys.stderr.write('ERROR orders: the host tienda.myshopify.com does not exist (DNS)\\n'); "
        f"sys.exit({exit_code})"
    )
    with pytest.raises(LandingError) as raised:
        land(tmp_path, "shopify", tap_command=tap)
    message = str(raised.value)
    assert isinstance(raised.value, ForeseenLandingError) is foreseen
    assert f"the tap failed (exit {exit_code})" in message
    assert "ERROR orders: the host tienda.myshopify.com does not exist (DNS)" in message
    assert ("starting the sync" in message) is not foreseen
    assert ("\n" in message) is not foreseen
