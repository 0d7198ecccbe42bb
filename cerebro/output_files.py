"""Output files of the command line: checked before any work, written whole or not at all.

A prediction or export file replaces the previous one only once it is complete: it is
written to a temporary file beside it and renamed over it (``os.replace`` is atomic on one
file system), so that Ctrl-C or a full disk leaves the previous good file, never a truncated
one that looks complete. An output path that is an input of the same command, or a folder
where a file is expected (or a file where a folder is expected), or in a folder that cannot
be written, is refused before the work starts, not after a long fit.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pandas as pd

#: Suffix of the temporaries ``atomic_outputs`` writes (hidden, beside their final name).
PARTIAL_SUFFIX = ".partial"


class OutputPathError(ValueError):
    """An output path that cannot be written as asked; the message says why and what to do."""


def check_output_file(path: Path, *, option: str, inputs: Iterable[Path | None] = ()) -> None:
    """Refuse a file output that is a folder, lies under a file, or is one of the command's
    inputs (``inputs`` may hold ``None`` for inputs not given)."""
    if path.is_dir():
        raise OutputPathError(f"{option} {path} is a folder; give a file name inside it")
    _refuse_file_ancestor(path, option)
    _refuse_inputs(path, option, inputs)


def check_output_folder(path: Path, *, option: str, inputs: Iterable[Path | None] = ()) -> None:
    """Refuse a folder output that is an existing file, lies under a file, or is an input.
    Inputs inside the folder are fine unless a file written there has their name: check
    each such file with ``check_output_file``."""
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{option} {path} is a file; give a folder")
    if path.is_dir() and not os.access(path, os.W_OK | os.X_OK):
        raise OutputPathError(f"{option} {path}: {_UNWRITABLE}")
    _refuse_file_ancestor(path, option)
    _refuse_inputs(path, option, inputs)


def check_writable_folder(folder: Path, *, what: str, fix: str) -> None:
    """Refuse, before any work, a folder the command must write in but cannot (read-only,
    another user's, on a read-only disk): creating it if missing and a throwaway file in it
    is the test the file system answers; one line names ``what`` and says ``fix``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        reason = (error.strerror or type(error).__name__).lower()
        raise OutputPathError(f"cannot write in {what} {folder} ({reason}): {fix}") from None


def check_distinct_outputs(outputs: Mapping[str, Path | None]) -> None:
    """Refuse two options naming the same file (the second would replace the first)."""
    seen: dict[Path, str] = {}
    for option, path in outputs.items():
        if path is None:
            continue
        target = path.resolve()
        if target in seen:
            raise OutputPathError(
                f"{seen[target]} and {option} are the same file {path}; give each its own"
            )
        seen[target] = option


_UNWRITABLE = (
    "is a folder this command cannot write (a read-only disk, or another user's folder); "
    "give a path in a folder you can write"
)


def _refuse_file_ancestor(path: Path, option: str) -> None:
    # ``mkdir(parents=True)`` would fail on it only after the work is done; so would the
    # temporary file in a folder this process may not write (a read-only disk, a folder of
    # another user's).
    for ancestor in path.absolute().parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise OutputPathError(f"{option} {path}: {ancestor} is a file, not a folder")
            if not os.access(ancestor, os.W_OK | os.X_OK):
                raise OutputPathError(f"{option} {path}: {ancestor} {_UNWRITABLE}")
            return


def _refuse_inputs(path: Path, option: str, inputs: Iterable[Path | None]) -> None:
    target = path.resolve()
    for source in inputs:
        if source is None:
            continue
        # samefile also catches hard links and case-insensitive file systems.
        same = source.resolve() == target or (
            path.exists() and source.exists() and os.path.samefile(source, path)
        )
        if same:
            raise OutputPathError(
                f"{option} {path} would overwrite the input {source}; write somewhere else"
            )


@contextlib.contextmanager
def atomic_outputs(*paths: Path) -> Iterator[list[Path]]:
    """Temporary paths beside ``paths`` to write to, in the same order; all renamed over
    their final names once the block ends normally, all removed when it does not (an error
    or Ctrl-C). Files that belong together (a model and its tables) are thus replaced
    together: the renames take microseconds, the writing before them no longer matters."""
    temporaries: list[Path] = []
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=PARTIAL_SUFFIX, dir=path.parent
            )
            os.close(handle)
            temporaries.append(Path(name))
            # mkstemp's 0600 would outlive the rename: give the file the usual permissions.
            temporaries[-1].chmod(0o666 & ~_umask())
        yield list(temporaries)
        for temporary in temporaries:
            with open(temporary, "rb") as written:
                os.fsync(written.fileno())
        for temporary, path in zip(temporaries, paths, strict=True):
            os.replace(temporary, path)
    except BaseException:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed over ``path`` when the block
    ends normally, removed when it does not (an error or Ctrl-C)."""
    with atomic_outputs(path) as (temporary,):
        yield temporary


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_csv(frame: pd.DataFrame, path: Path, **to_csv) -> None:
    """``frame.to_csv(path)`` written whole or not at all (UTF-8, no index by default)."""
    to_csv.setdefault("index", False)
    to_csv.setdefault("encoding", "utf-8")
    with atomic_output(path) as temporary:
        frame.to_csv(temporary, **to_csv)


def write_text(path: Path, text: str) -> None:
    """``path.write_text(text)`` (UTF-8) written whole or not at all."""
    with atomic_output(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
