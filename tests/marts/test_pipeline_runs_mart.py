"""mart_pipeline_runs on crafted run histories, built by the real dbt project on DuckDB and
on PostgreSQL: a failure's time to recover runs to the next success of the same job."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from cerebro.settings import PROJECT_ROOT, load_settings
from cerebro.warehouse import Warehouse

T = pd.Timestamp
RUNS = pd.DataFrame(
    [
        ("a", "daily", "SUCCESS", T("2026-11-01 02:00"), T("2026-11-01 02:10")),
        ("b", "daily", "FAILURE", T("2026-11-02 02:00"), T("2026-11-02 02:05")),
        ("c", "other", "SUCCESS", T("2026-11-02 03:00"), T("2026-11-02 03:01")),
        ("d", "daily", "FAILURE", T("2026-11-02 04:00"), T("2026-11-02 04:05")),
        ("e", "daily", "SUCCESS", T("2026-11-02 08:00"), T("2026-11-02 08:35")),
        ("f", "daily", "FAILURE", T("2026-11-03 02:00"), T("2026-11-03 02:05")),
    ],
    columns=["run_id", "job_name", "status", "started_at", "finished_at"],
).assign(created_at=lambda frame: frame["started_at"])
#: run_id -> (hours to recover or None, duration in seconds); by hand from RUNS.
EXPECTED = {
    "a": (None, 600), "b": (6.5, 300), "c": (None, 60),
    "d": (4.5, 300), "e": (None, 2100), "f": (None, 300),
}  # fmt: skip


def _environ(request, kind: str, tmp_path: Path) -> dict[str, str]:
    if kind == "duckdb":
        return {"CEREBRO_WAREHOUSE": "duckdb", "CEREBRO_DUCKDB_PATH": str(tmp_path / "w.duckdb")}
    server = request.getfixturevalue("postgres_server")
    return server.cerebro_environ(server.create_database("pipeline_runs"))


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
def test_time_to_recover_is_until_the_next_success_of_the_same_job(request, kind, tmp_path):
    environ = {**os.environ, **_environ(request, kind, tmp_path)}
    warehouse = Warehouse(load_settings(environ))
    warehouse.replace_table("ops", "dagster_runs", RUNS)
    dbt = Path(sys.executable).parent / "dbt"
    done = subprocess.run(
        [str(dbt), "build", "--profiles-dir", ".", "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs"),
         "--select", "path:models/staging/ops", "path:models/marts/ops"],
        cwd=PROJECT_ROOT / "dbt_project", env=environ, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:]
    mart = warehouse.query("select * from marts.mart_pipeline_runs").set_index("run_id")
    assert set(mart.index) == set(EXPECTED)
    for run_id, (hours, seconds) in EXPECTED.items():
        row = mart.loc[run_id]
        assert float(row["duration_seconds"]) == seconds, run_id
        if hours is None:
            assert pd.isna(row["hours_to_recover"]), run_id
        else:
            assert float(row["hours_to_recover"]) == pytest.approx(hours), run_id
    assert mart["is_failure"].sum() == 3 and mart["is_success"].sum() == 3
