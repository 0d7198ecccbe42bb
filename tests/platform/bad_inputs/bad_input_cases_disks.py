"""Disks that refuse a write (issue 56): full before or during the command, or read-only. Each
ends in one line saying what to do; the previous output stays as it was (the catalogue checks
every file written before the run), and no temporary is left behind.

A full or read-only disk is a real one: a tmpfs of a few kilobytes mounted in the case's
folder (filled up, or remounted read-only), so every layer meets the kernel's own ENOSPC or
EROFS. Mounting needs root (the suite's container runs as root); elsewhere the case skips
rather than fake the error. The mounts are lazily unmounted when the test process ends: the
catalogue compares the files on them after the run.
"""

from __future__ import annotations

import atexit
import os
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from cerebro.output_files import PARTIAL_SUFFIX
from tests.platform.bad_inputs.bad_input_cases_clv import RUN as CLV_RUN
from tests.platform.bad_inputs.bad_input_cases_clv import export
from tests.platform.bad_inputs.bad_input_cases_guards_outputs import _with_model
from tests.platform.bad_inputs.bad_input_catalogue import Case

FULL = r"no space left on the disk(?: \(writing \S+\))?: free some space there \(`df -h` shows how "
FULL += r"much is left\) and run the command again$"
READ_ONLY = r"is a folder this command cannot write \(a read-only disk, or another user's "
READ_ONLY += r"folder\); give a path in a folder you can write$"
#: The previous predictions, on the disk that is then full: they must survive the failed write.
OLD_PREDICTIONS = "cliente,frequency\nC00,1\n"


def _mount_tmpfs(mount_point: Path, size: str) -> None:
    mount_point.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"a small disk cannot be mounted here ({mounted.stderr.strip()}): needs root")
    atexit.register(subprocess.run, ["umount", "-l", str(mount_point)], check=False)


def _disk(
    relative: str,
    *,
    size: str = "64k",
    room: int | None = None,
    read_only: bool = False,
    files: Mapping[str, str] | None = None,
) -> Callable[[Path], None]:
    """A setup: a tmpfs of ``size`` at ``relative`` in the case's folder holding ``files``,
    then filled up to ``room`` free bytes (None: not filled) or remounted read-only."""

    def setup(folder: Path) -> None:
        mount_point = folder / relative
        _mount_tmpfs(mount_point, size)
        for name, content in (files or {}).items():
            (mount_point / name).write_text(content, encoding="utf-8")
        if room is not None:
            stats = os.statvfs(mount_point)
            free = stats.f_bavail * stats.f_frsize
            (mount_point / "other-files.bin").write_bytes(b"\0" * max(0, free - room))
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], check=True)

    return setup


def _no_partial_files(folder: Path, output: str) -> None:
    left = [str(p) for p in folder.rglob(f"*{PARTIAL_SUFFIX}")]
    assert not left, f"temporaries left behind: {left}\n{output}"


def _model_on_a_full_disk(folder: Path) -> None:
    _with_model(folder)
    _disk("disk", room=0)(folder)


def _clv(name: str, *outputs: str, setup, message: str, check=_no_partial_files) -> Case:
    args = (*CLV_RUN[: CLV_RUN.index("--out")], *outputs)
    return Case(f"disk: clv {name}", "error", args, message=message,
                files={"t.csv": export()}, setup=setup, check=check)  # fmt: skip


TENANTS = """\
tenants:
  - tenant_id: test_cl
    name: Tienda
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    demo: {profile: cl_services, customers: 200, seed: 11, end_date: "2026-10-31",
           history_days: 120}
    sources: {shopify: {tap: demo}}
"""
RUN = ("run", "--tenants-file", "{dir}/tenants.yml", "--data-dir", "{dir}/data")
LOCAL = {
    "CEREBRO_DATA_DIR": "{dir}/data",
    "CEREBRO_DUCKDB_PATH": "{dir}/data/cerebro.duckdb",
    "CEREBRO_TENANTS_FILE": "{dir}/tenants.yml",
}
LOCAL_FILES = {"tenants.yml": "tenants: []\n", "data/cerebro.duckdb": "not a real warehouse"}
SEGMENT = ("segment", "export", "--tenant", "test_cl", "--segment", "Frecuentes alejados")

CASES = [
    _clv(
        "--out on a full disk: the previous predictions stay",
        "--out",
        "{dir}/disk/out.csv",
        setup=_disk("disk", files={"out.csv": OLD_PREDICTIONS}, room=0),
        message=FULL,
    ),
    _clv(
        "--out on a disk with room for part of the predictions",
        "--out",
        "{dir}/disk/out.csv",
        setup=_disk("disk", room=1024),
        message=FULL,
        check=lambda folder, output: (
            _no_partial_files(folder, output),
            _absent(folder / "disk" / "out.csv"),
        ),
    ),
    _clv(
        "--params-out on a full disk: --out, elsewhere, is not replaced either",
        "--out",
        "{dir}/out.csv",
        "--params-out",
        "{dir}/disk/params.json",
        setup=_disk("disk", room=0),
        message=FULL,
        check=lambda folder, output: (
            _no_partial_files(folder, output),
            _absent(folder / "out.csv"),
        ),
    ),
    _clv(
        "--out on a read-only disk, refused before any work",
        "--out",
        "{dir}/disk/out.csv",
        setup=_disk("disk", files={"out.csv": OLD_PREDICTIONS}, read_only=True),
        message=r"--out \S+/disk/out\.csv: \S+/disk " + READ_ONLY,
    ),
    _clv(
        "--quarantine in a folder of a read-only disk",
        "--out",
        "{dir}/out.csv",
        "--quarantine",
        "{dir}/disk/rechazos/q.csv",
        setup=_disk("disk", read_only=True),
        message=r"--quarantine \S+/disk/rechazos/q\.csv: \S+/disk " + READ_ONLY,
    ),
    _clv(
        "--params-out is a folder",
        "--out",
        "{dir}/out.csv",
        "--params-out",
        "{dir}/params",
        setup=lambda folder: (folder / "params").mkdir(),
        message=r"--params-out \S+/params is a folder; give a file name inside it",
    ),
    _clv(
        "--quarantine is a folder",
        "--out",
        "{dir}/out.csv",
        "--quarantine",
        "{dir}/rechazos",
        setup=lambda folder: (folder / "rechazos").mkdir(),
        message=r"--quarantine \S+/rechazos is a folder; give a file name inside it",
    ),
    Case(
        "disk: mmm optimize --out on a full disk",
        "error",
        (
            "mmm",
            "optimize",
            "--model",
            "{dir}/model",
            "--total-budget",
            "1000",
            "--out",
            "{dir}/disk/plan.csv",
        ),
        message=FULL,
        setup=_model_on_a_full_disk,
        check=_no_partial_files,
    ),
    Case(
        "disk: mmm fit --out-dir on a read-only disk, refused before the fit",
        "error",
        (
            "mmm",
            "fit",
            "--spend-columns",
            "search,social",
            "--target-column",
            "revenue",
            "--input",
            "{dir}/spend.csv",
            "--out-dir",
            "{dir}/disk/model",
        ),
        message=r"--out-dir \S+/disk/model: \S+/disk " + READ_ONLY,
        files={"spend.csv": "date,search,social,revenue\n2024-01-01,1,1,1\n"},
        setup=_disk("disk", read_only=True),
    ),
    Case(
        "disk: segment export --out on a read-only disk, refused before the warehouse",
        "error",
        (*SEGMENT, "--out", "{dir}/disk/lista.csv"),
        message=r"--out \S+/disk/lista\.csv: \S+/disk " + READ_ONLY,
        files=LOCAL_FILES,
        env=LOCAL,
        setup=_disk("disk", read_only=True),
    ),
    Case(
        "disk: cerebro run when the data folder's disk fills during the run",
        "error",
        RUN,
        message=r"no space left on the disk \(writing (Dagster's run records|the DuckDB "
        r"warehouse)? ?in \S+/data\): free some space there",
        files={"tenants.yml": TENANTS},
        setup=_disk("data", size="6m"),
    ),
]


def _absent(path: Path) -> None:
    assert not path.exists(), f"{path} was written on a failed run"
