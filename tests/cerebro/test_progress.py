"""`cerebro run`'s terminal lines: one per step with its time and notes, warnings on their own
line, a failed step marked — from a real Dagster job run in process."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import dagster as dg

from cerebro.progress import note, progress_logger_for


@dg.asset
def landed(context) -> int:
    note(context, "12 records for 2 tenants")
    context.log.info("an ordinary message stays in Dagster")
    return 12


@dg.asset
def modelled(context, landed: int) -> int:
    context.log.warning("tenant_b: skipped: too few days")
    note(context, "tenant_a 3 s")
    return landed


@dg.asset
def broken(modelled: int) -> None:
    raise RuntimeError("boom")


def _run(*assets) -> tuple[str, bool]:
    stream = io.StringIO()
    job = dg.define_asset_job("job", selection=dg.AssetSelection.assets(*assets))
    defs = dg.Definitions(assets=[landed, modelled, broken], jobs=[job])
    resolved = defs.resolve_job_def("job").with_logger_defs(
        {"progress": progress_logger_for(stream)}
    )
    result = resolved.execute_in_process(
        run_config={"loggers": {"progress": {}}}, raise_on_error=False
    )
    return stream.getvalue(), result.success


def test_one_line_per_step_with_time_and_notes():
    output, success = _run(landed, modelled)
    assert success
    lines = output.splitlines()
    assert re.fullmatch(r"  landed\s+\d+\.\d s · 12 records for 2 tenants", lines[0])
    assert lines[1] == "  modelled                      …"
    assert lines[2] == "  ! modelled: tenant_b: skipped: too few days"
    assert re.fullmatch(r"  modelled\s+\d+\.\d s · tenant_a 3 s", lines[3])
    assert len(lines) == 4 and "ordinary message" not in output


def test_a_failed_step_says_so():
    output, success = _run(landed, modelled, broken)
    assert not success
    assert re.search(r"^  broken\s+failed$", output, re.MULTILINE)
    assert "Traceback" not in output


def test_the_command_line_starts_without_importing_dagster():
    """`cerebro --help`, `cerebro tenants` and the other commands that run no job must not pay
    Dagster's import (half a second, measured; the command line imports this module)."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, cerebro.cli.main; print('dagster' in sys.modules)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip

    assert loaded == "False"
