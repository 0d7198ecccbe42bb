"""`dagster.instance_for_test` on storage copied from an empty one made once per process.

A new instance creates its SQLite storages (runs, event log, schedules): every table and
index, and the schema's version stamp, each committed to disk, about 1.5 s of a test's time
on a busy machine. Copying the files of an instance that did it once, still empty, takes a
tenth of that; the instance opened on the copy finds its schema in place and is otherwise the
one `instance_for_test` makes (same storages, settings and DAGSTER_HOME), with nothing in it.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import dagster as dg


@functools.cache
def _empty_instance_files() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="cerebro-dagster-instance-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    with dg.instance_for_test(temp_dir=str(folder)):
        pass
    return folder


@contextlib.contextmanager
def dagster_test_instance(temp_dir: Path | None = None) -> Iterator[dg.DagsterInstance]:
    """An empty `instance_for_test` in ``temp_dir`` (a new temporary folder by default)."""
    with contextlib.ExitStack() as stack:
        if temp_dir is None:
            temp_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        shutil.copytree(_empty_instance_files(), temp_dir, dirs_exist_ok=True)
        yield stack.enter_context(dg.instance_for_test(temp_dir=str(temp_dir)))
