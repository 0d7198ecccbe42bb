"""A disk that refuses a write (full, over quota, failing), recognised whichever layer met it:
Python's own files (``OSError`` ENOSPC), Dagster's SQLite run storage (through SQLAlchemy:
"database or disk is full", or "disk I/O error" when the file system refused a write midway)
or DuckDB ("No space left on device" in an ``IOException``).

The command line turns any of them into one line saying what to do, instead of the dozens of
lines of a library's traceback. Nothing is left half-written by then: outputs are written to
a temporary file renamed at the end (``cerebro.output_files``), DuckDB and SQLite roll back
the transaction the write belonged to.
"""

from __future__ import annotations

import contextlib
import errno
import io
import sys
from collections.abc import Iterator
from typing import TextIO

#: errno values of a write refused for lack of room.
_NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT})
#: How the libraries below Cerebro word the same, lower-cased.
_NO_ROOM_TEXTS = ("no space left on device", "database or disk is full", "disk quota exceeded")
#: SQLite's SQLITE_IOERR: a write the file system refused, most often for lack of room.
_IO_ERROR_TEXT = "disk i/o error"


def _chain(error: BaseException):
    """``error`` and the exceptions it was raised from or during, once each."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def disk_full_message(error: BaseException) -> str | None:
    """One line for a write the disk refused, found anywhere in ``error``'s chain; else None.
    Lack of room is looked for first: SQLite may report the same full disk both ways."""
    chain = list(_chain(error))
    for link in chain:
        if isinstance(link, OSError) and link.errno in _NO_ROOM:
            where = f" (writing {link.filename})" if link.filename else ""
            return f"no space left on the disk{where}: {_ADVICE}"
        if _no_room(str(link)):
            return f"no space left on the disk{_storage(link)}: {_ADVICE}"
    for link in chain:
        if _IO_ERROR_TEXT in str(link).lower():
            return (
                f"the disk refused a write{_storage(link)} (disk I/O error: most often a full "
                f"disk, else a failing one): {_ADVICE}"
            )
    return None


def _no_room(text: str) -> bool:
    return any(words in text.lower() for words in _NO_ROOM_TEXTS)


_ADVICE = "free some space there (`df -h` shows how much is left) and run the command again"


def _storage(error: BaseException) -> str:
    """Which storage met it, when the library's error does not name the file."""
    module = type(error).__module__
    if module.startswith(("sqlite3", "sqlalchemy")):
        return " (writing Dagster's run records in the data folder)"
    if module.startswith("duckdb") or module.startswith("_duckdb"):
        return " (writing the DuckDB warehouse)"
    return ""


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
def without_disk_full_noise() -> Iterator[None]:
    """Around a platform run: stderr without Dagster's reports of a full disk. When the run
    ends for a full disk they stay muted to the end (threads of the failed run still log),
    and the command ends with one ``Error:`` line saying it."""
    original = sys.stderr
    sys.stderr = _WithoutDiskFullNoise(original)
    try:
        yield
    except BaseException as error:
        if disk_full_message(error) is None:
            sys.stderr = original
        raise
    else:
        sys.stderr = original


def silence_unraisable() -> None:
    """Once a command ends for a full disk: the generators and connections the failed run
    leaves behind may fail again as they are collected ("Exception ignored in …"), with a
    traceback that says nothing the error line does not."""
    sys.unraisablehook = lambda unraisable: None
