"""The partitions' calendar days (orchestration/partition_days.py): the day that is over or
under way in a tenant's timezone, and where a deployment's daily partitions begin (decision
0035): its first run's first day, recorded in the Dagster home and read there by every later
process, unless the operator sets CEREBRO_PARTITIONS_START."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from cerebro.settings import SettingsError
from orchestration.partition_days import (
    FALLBACK_START,
    START_ENV,
    START_FILE,
    hourly_day,
    last_complete_day,
    partitions_start,
    record_partitions_start,
)

DAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize(
    ("utc", "timezone", "expected"),
    [
        # 03:30 UTC on 21 Nov is 00:30 in Santiago (UTC-3) but 22:30 on the 20th in Lima.
        ("2026-11-21T03:30", "America/Santiago", "2026-11-20"),
        ("2026-11-21T03:30", "America/Lima", "2026-11-19"),
        # The night Chile leaves summer time (5 Apr 2026, 00:00 -> 23:00 on the 4th).
        ("2026-04-05T03:30", "America/Santiago", "2026-04-03"),
        ("2026-04-05T04:30", "America/Santiago", "2026-04-04"),
    ],
)
def test_the_last_complete_day_is_yesterday_in_the_tenants_timezone(utc, timezone, expected):
    now = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    assert last_complete_day(timezone, now) == dt.date.fromisoformat(expected)


@pytest.mark.parametrize(
    ("utc", "timezone", "expected"),
    [
        # 23:30 in Santiago (UTC-3): still the 23rd in Lima and Santiago; the 24th in Madrid,
        # past the partitions' last day, so Madrid finishes the 23rd.
        ("2026-11-24T02:30", "America/Lima", "2026-11-23"),
        ("2026-11-24T02:30", "America/Santiago", "2026-11-23"),
        ("2026-11-24T02:30", "Europe/Madrid", "2026-11-23"),
        # Ten minutes after Santiago's midnight every tenant east of it is on the 24th too.
        ("2026-11-24T03:10", "Europe/Madrid", "2026-11-24"),
        ("2026-11-24T03:10", "America/Lima", "2026-11-23"),
    ],
)
def test_an_hourly_run_refreshes_today_up_to_santiagos_today(utc, timezone, expected):
    now = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    assert hourly_day(timezone, now) == dt.date.fromisoformat(expected)


@pytest.fixture
def fresh_home(tmp_path, monkeypatch):
    """A Dagster home no run has used, and no operator's start in the environment."""
    monkeypatch.delenv(START_ENV, raising=False)
    home = tmp_path / "dagster_home"
    home.mkdir()
    return home


def test_the_first_run_records_its_first_day_and_later_runs_keep_it(fresh_home):
    assert record_partitions_start(fresh_home, DAY) == DAY
    assert (fresh_home / START_FILE).read_text().strip() == "2026-11-22"
    assert os.environ[START_ENV] == "2026-11-22"  # the definitions this process imports next
    later = DAY + dt.timedelta(days=3)
    assert record_partitions_start(fresh_home, later) == DAY
    assert (fresh_home / START_FILE).read_text().strip() == "2026-11-22"
    assert [p.name for p in fresh_home.iterdir()] == [START_FILE]  # no staged file left


def test_a_run_before_the_first_day_is_refused_in_one_line(fresh_home):
    record_partitions_start(fresh_home, DAY)
    with pytest.raises(SettingsError, match=r"^2026-11-01 is before 2026-11-22, .*") as error:
        record_partitions_start(fresh_home, dt.date(2026, 11, 1))
    assert "\n" not in str(error.value) and START_ENV in str(error.value)


def test_an_operators_start_wins_and_nothing_is_recorded(fresh_home, monkeypatch):
    monkeypatch.setenv(START_ENV, "2025-06-01")
    assert record_partitions_start(fresh_home, DAY) == dt.date(2025, 6, 1)
    assert not (fresh_home / START_FILE).exists()


def test_the_start_is_read_from_the_environment_the_home_or_the_fallback(tmp_path):
    (tmp_path / START_FILE).write_text("2026-03-04\n")
    assert partitions_start({START_ENV: "2025-01-02", "DAGSTER_HOME": str(tmp_path)}) == (
        "2025-01-02"
    )
    assert partitions_start({"DAGSTER_HOME": str(tmp_path)}) == "2026-03-04"
    assert partitions_start({"DAGSTER_HOME": str(tmp_path / "unused")}) == FALLBACK_START
    assert partitions_start({}) == FALLBACK_START


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01"])
def test_a_start_that_is_not_a_date_names_the_variable(value):
    with pytest.raises(SettingsError, match=rf"^{START_ENV}: '{value}' is not a date"):
        partitions_start({START_ENV: value})


def test_definitions_loaded_over_a_used_home_begin_on_its_first_day(tmp_path):
    # What `dagster dev` sees over the demo's home: no day before the first run, so nothing
    # before it is listed as missing or offered for backfill.
    (tmp_path / START_FILE).write_text("2026-11-20\n")
    environ = {k: v for k, v in os.environ.items() if k != START_ENV}
    environ["DAGSTER_HOME"] = str(tmp_path)
    script = (
        "import datetime as dt\n"
        "from orchestration.partitions import daily_partitions\n"
        "keys = daily_partitions.get_partition_keys("
        "current_time=dt.datetime(2026, 11, 23, 12, tzinfo=dt.timezone.utc))\n"
        "print(keys[0], len(keys))\n"
    )
    printed = subprocess.run(
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True, check=True
    ).stdout.split()
    # 20 to 22 November are over in Santiago at 09:00 on the 23rd; the 23rd is today, which
    # the hourly run builds (end_offset 1, decision 0034).
    assert printed == ["2026-11-20", "4"]
