"""A disk that refuses a write (full, over quota, failing), recognised whichever layer met it:
Python's own files (``OSError`` ENOSPC), Dagster's SQLite run storage (through SQLAlchemy:
"database or disk is full", or SQLite's "disk I/O error" when the file system refused a write
midway) or DuckDB ("No space left on device" in an ``IOException``).

The command line turns any of them into one line saying what to do, instead of the dozens of
lines of a library's traceback. Outputs are written to a temporary file renamed at the end
(``cerebro.output_files``), and DuckDB and SQLite roll back the transaction the write
belonged to, so the previous outputs and the warehouse are what they were.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

#: errno values of a write refused for lack of room.
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT})
#: How the libraries below Cerebro word the same, lower-cased.
_NO_ROOM_TEXTS = ("no space left on device", "database or disk is full", "disk quota exceeded")
#: SQLite's SQLITE_IOERR: a write the file system refused, for lack of room or a failing disk.
_IO_ERROR_TEXT = "disk i/o error"
#: Below this many free bytes, a disk on which a write failed is taken to be full.
NEARLY_FULL_BYTES = 16 << 20
_ADVICE = "free some space there (`df -h` shows how much is left) and run the command again"


class DiskFullError(RuntimeError):
    """A write the disk refused, worded for the user (one line) where the folder is known."""


def _chain(error: BaseException | None) -> Iterator[BaseException]:
    """``error`` and the exceptions it was raised from or during, once each."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def disk_full_message(error: BaseException, folder: Path | None = None) -> str | None:
    """One line for a write the disk refused, found anywhere in ``error``'s chain; else None.

    Lack of room is looked for first (SQLite may report one full disk both ways); a bare
    "disk I/O error" is called a full disk when ``folder`` (where the command was writing)
    has almost no room left, and a refused write otherwise."""
    chain = list(_chain(error))
    for link in chain:
        if isinstance(link, DiskFullError):
            return str(link)
        if isinstance(link, OSError) and link.errno in _NO_ROOM:
            where = f" (writing {link.filename})" if link.filename else ""
            return f"no space left on the disk{where}: {_ADVICE}"
        if _no_room(str(link)):
            return f"no space left on the disk{_storage(link, folder)}: {_ADVICE}"
    for link in chain:
        if _IO_ERROR_TEXT in str(link).lower():
            if folder is not None and _nearly_full(folder):
                return f"no space left on the disk{_storage(link, folder)}: {_ADVICE}"
            return (
                f"the disk refused a write{_storage(link, folder)} (disk I/O error: most often "
                f"a full disk, else a failing one): {_ADVICE}"
            )
    return None


def _no_room(text: str) -> bool:
    return any(words in text.lower() for words in _NO_ROOM_TEXTS)


def _nearly_full(folder: Path) -> bool:
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < NEARLY_FULL_BYTES


def _storage(error: BaseException, folder: Path | None) -> str:
    """Which storage met it, when the library's error does not name the file."""
    module = type(error).__module__
    inside = f" in {folder}" if folder is not None else " in the data folder"
    if module.startswith(("sqlite3", "sqlalchemy")):
        return f" (writing Dagster's run records{inside})"
    if module.startswith(("duckdb", "_duckdb")):
        return f" (writing the DuckDB warehouse{inside})"
    return f" (writing{inside})" if folder is not None else ""


class _WithoutDiskFullNoise(io.TextIOBase):
    """A text stream passing on what is written to it, except Dagster's report of each log
    call it could not store on a full disk (one multi-line write each, SQL and parameters
    included): the command's own one line says it, once."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        noise = text.startswith(_DAGSTER_LOG_FAILURE) and (
            _no_room(text) or _IO_ERROR_TEXT in text.lower()
        )
        if not noise:
            self.stream.write(text)
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


#: How dagster._core.instance.types begins the report of a log call it could not store.
_DAGSTER_LOG_FAILURE = "Exception while writing logger call to event log"


@contextlib.contextmanager
def disk_full_reported(folder: Path) -> Iterator[None]:
    """Around a platform run writing in ``folder``: stderr without Dagster's reports of a
    full disk, and a ``DiskFullError`` naming the folder if the run ends for one. Those
    reports then stay muted to the end (threads of the failed run still log)."""
    original = sys.stderr
    sys.stderr = _WithoutDiskFullNoise(original)
    try:
        yield
    except Exception as error:
        message = disk_full_message(error, folder)
        if message is None:
            sys.stderr = original
            raise
        raise DiskFullError(message) from error
    except BaseException:
        sys.stderr = original
        raise
    else:
        sys.stderr = original


def silence_unraisable() -> None:
    """Once a command ends for a full disk: the generators and connections the failed run
    leaves behind may fail again as they are collected ("Exception ignored in …"), with a
    traceback that says nothing the error line does not."""
    sys.unraisablehook = lambda unraisable: None
