"""The dbt manifest the Dagster definitions are built from, parsed once per test run.

`prepare_dbt_manifest` starts dbt twice each time it is called (dagster-dbt asks `dbt
--version`, then `dbt parse`): about 13 s of CPU even when partial parsing finds nothing
changed. The project does not change while the tests run, so the first test of a run that
loads the definitions parses, and every later one, in any worker, reads that manifest: a
changed project is never read from a stale manifest of an earlier run. The parse itself, and
how it replaces the manifest while other processes read it, is tested in
tests/orchestration/test_platform_runs.py, which calls `prepare_dbt_manifest` directly.
"""

from __future__ import annotations

import fcntl
import functools
import os
from pathlib import Path

#: The same for every pytest-xdist worker of one run, and only for them.
RUN_VARIABLE = "PYTEST_XDIST_TESTRUNUID"
MARKER_PREFIX = "parsed-for-tests-"


@functools.cache
def prepared_dbt_manifest() -> Path:
    """The project parsed by `prepare_dbt_manifest` once in this test run (once in this
    process without pytest-xdist); the manifest's path."""
    from orchestration.dbt_project import dbt_project
    from orchestration.platform import prepare_dbt_manifest

    manifest = dbt_project.manifest_path
    run = os.environ.get(RUN_VARIABLE)
    if run is None:
        prepare_dbt_manifest()
        return manifest
    folder = manifest.parent / "parse"
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / f"{MARKER_PREFIX}{run}"
    # Not parse.lock, which prepare_dbt_manifest takes: a second lock on it in this process
    # would wait for the first forever.
    with (folder / "tests.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists() or not manifest.exists():
            prepare_dbt_manifest()
            for old in folder.glob(f"{MARKER_PREFIX}*"):
                old.unlink()
            marker.touch()
    return manifest
