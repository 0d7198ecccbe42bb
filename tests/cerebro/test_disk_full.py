"""A full disk recognised whichever layer met it (``cerebro/disk_full.py``): the errors are the
ones the libraries raise (an ``OSError`` from the kernel, SQLAlchemy wrapping sqlite3, DuckDB),
produced for real where that is cheap (a write to /dev/full, SQLite on a full tmpfs is the
catalogue's), and the noise filter fed Dagster's own wording."""

from __future__ import annotations

import errno
import io
import sqlite3
import sys
from pathlib import Path

import pytest
import sqlalchemy.exc

from cerebro.disk_full import DiskFullError, disk_full_message, disk_full_reported


def _raised(function) -> BaseException:
    try:
        function()
    except BaseException as error:
        return error
    raise AssertionError("nothing raised")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_write_to_a_full_device_names_the_file():
    def write():
        with open("/dev/full", "w") as handle:
            handle.write("x" * 10_000)

    error = _raised(write)
    assert isinstance(error, OSError) and error.errno == errno.ENOSPC
    assert disk_full_message(error).startswith("no space left on the disk")


def test_sqlalchemys_wrapping_of_sqlite_full_is_found_through_the_chain():
    full = sqlite3.OperationalError("database or disk is full")
    wrapped = sqlalchemy.exc.OperationalError("COMMIT", None, full)
    outer = _raised(lambda: _reraise(RuntimeError("run failed"), wrapped))
    assert disk_full_message(outer) == (
        "no space left on the disk (writing Dagster's run records in the data folder): free "
        "some space there (`df -h` shows how much is left) and run the command again"
    )


def test_a_bare_disk_io_error_is_a_full_disk_only_when_the_folder_has_no_room(
    tmp_path, monkeypatch
):
    error = sqlalchemy.exc.OperationalError(
        "INSERT", None, sqlite3.OperationalError("disk I/O error")
    )
    assert "the disk refused a write" in disk_full_message(error, tmp_path)  # tmp has room

    class NoRoom:
        f_bavail, f_frsize = 0, 4096

    monkeypatch.setattr("cerebro.disk_full.os.statvfs", lambda folder: NoRoom)
    assert disk_full_message(error, tmp_path).startswith(
        f"no space left on the disk (writing Dagster's run records in {tmp_path})"
    )


def test_other_errors_are_not_a_full_disk():
    assert disk_full_message(ValueError("unknown url type: 'a.klaviyo.com'")) is None
    assert disk_full_message(OSError(errno.EACCES, "Permission denied", "/x")) is None


def test_a_run_ending_for_a_full_disk_mutes_dagsters_reports_and_names_the_folder(tmp_path):
    stderr = io.StringIO()
    original, sys.stderr = sys.stderr, stderr
    try:
        full = rf"no space left on the disk \(.* in {tmp_path}\)"
        with pytest.raises(DiskFullError, match=full), disk_full_reported(tmp_path):
            sys.stderr.write(
                "Exception while writing logger call to event log: (sqlite3.Operational"
                "Error) database or disk is full\n[SQL: INSERT INTO event_logs ...]\n"
            )
            sys.stderr.write("a line of the run's own\n")
            raise sqlalchemy.exc.OperationalError(
                "COMMIT", None, sqlite3.OperationalError("database or disk is full")
            )
        sys.stderr.write("Exception while writing logger call to event log: disk I/O error\n")
    finally:
        sys.stderr = original
    assert stderr.getvalue() == "a line of the run's own\n"


def test_a_run_ending_otherwise_gives_stderr_back_and_its_error_unchanged(tmp_path):
    original = sys.stderr
    with pytest.raises(KeyError), disk_full_reported(tmp_path):
        raise KeyError("dbt_models")
    assert sys.stderr is original


def _reraise(outer: BaseException, inner: BaseException) -> None:
    try:
        raise inner
    except BaseException as error:
        raise outer from error
