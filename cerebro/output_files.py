"""Output files of the command line: checked before any work, written whole or not at all.

A prediction or export file replaces the previous one only once it is complete: it is
written to a temporary file beside it and renamed over it (``os.replace`` is atomic on one
file system), so that Ctrl-C or a full disk leaves the previous good file, never a truncated
one that looks complete. An output path that is an input of the same command, or a folder
where a file is expected, is refused before the work starts, not after a long fit.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd


class OutputPathError(ValueError):
    """An output path that cannot be written as asked; the message says why and what to do."""


def check_output_file(path: Path, *, option: str, inputs: Iterable[Path | None] = ()) -> None:
    """Refuse a file output that is a folder or one of the command's inputs."""
    if path.is_dir():
        raise OutputPathError(f"{option} {path} is a folder; give a file name inside it")
    _refuse_inputs(path, option, inputs)


def check_output_folder(path: Path, *, option: str, inputs: Iterable[Path | None] = ()) -> None:
    """Refuse a folder output that is an existing file, or that would hold an input's name."""
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{option} {path} is a file; give a folder")
    _refuse_inputs(path, option, inputs)


def _refuse_inputs(path: Path, option: str, inputs: Iterable[Path | None]) -> None:
    target = path.resolve()
    for source in inputs:
        if source is None:
            continue
        resolved = source.resolve()
        if resolved == target or target in resolved.parents:
            raise OutputPathError(
                f"{option} {path} would overwrite the input {source}; write somewhere else"
            )


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed over ``path`` when the block
    ends normally, removed when it does not (an error or Ctrl-C)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial",
                                         dir=path.parent)  # fmt: skip
    os.close(handle)
    temporary_path = Path(temporary)
    temporary_path.chmod(0o666 & ~_umask())  # mkstemp's 0600 would outlive the rename
    try:
        yield temporary_path
        with open(temporary_path, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary_path, path)
    except BaseException:
        temporary_path.unlink(missing_ok=True)
        raise


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
