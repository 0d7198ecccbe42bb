"""The partitioned dbt step hands dbt its window in dbt's environment, and only there (decision
0016): the environment dbt starts with holds the window, and the step's own environment is as it
was afterwards, so a later run in the same process (or the unpartitioned ML step) never
inherits a window."""

from __future__ import annotations

import datetime as dt
import json
import os

import dagster as dg
import pytest
from dagster_dbt import DbtCliResource

from cerebro.settings import DBT_PROJECT_DIR, console_script
from orchestration.partitions import (
    DBT_WINDOW_ENV,
    TENANT_PARTITIONS,
    PartitionWindow,
    partition_key,
)
from orchestration.resources import CerebroResource
from tests.support.dbt_manifest import prepared_dbt_manifest

#: What the stand-in for dbt was asked to run: its arguments and the window it would inherit.
CALLS: list[dict] = []


class _NoEvents:
    def stream(self):
        return iter(())

    def get_artifact(self, name):
        return {"results": []}  # run_results.json of a build that built nothing


class RecordingDbt(DbtCliResource):
    """Records each invocation instead of starting dbt."""

    def cli(self, args, **kwargs):
        CALLS.append(
            {
                "args": list(args),
                "window": os.environ.get(DBT_WINDOW_ENV),
                "pgoptions": os.environ.get("PGOPTIONS"),
                "target_path": kwargs.get("target_path"),
            }
        )
        return _NoEvents()


@pytest.fixture(scope="module")
def dbt_assets_module():
    # The dbt assets are built from the manifest, which a fresh clone does not have yet.
    prepared_dbt_manifest()
    from orchestration import dbt_assets

    return dbt_assets


def test_a_partition_run_passes_its_window_to_dbt_alone(tmp_path, monkeypatch, dbt_assets_module):
    # The step also exports the warehouse settings for dbt: keep them out of other tests.
    monkeypatch.setattr(os, "environ", os.environ.copy())
    os.environ.pop(DBT_WINDOW_ENV, None)
    os.environ.pop("PGOPTIONS", None)
    CALLS.clear()
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(TENANT_PARTITIONS, ["casafacil_cl"])
    context = dg.build_asset_context(
        partition_key=partition_key(dt.date(2026, 11, 20), "casafacil_cl"), instance=instance
    )

    list(
        dbt_assets_module.dbt_models(
            context,
            dbt=RecordingDbt(
                project_dir=os.fspath(DBT_PROJECT_DIR), dbt_executable=console_script("dbt")
            ),
            cerebro=CerebroResource(data_dir=os.fspath(tmp_path)),
        )
    )

    (call,) = CALLS
    assert json.loads(call["window"]) == {
        "partition_tenants": ["casafacil_cl"],
        "partition_start_date": "2026-11-20",
        "partition_end_date": "2026-11-20",
    }
    # No --vars: new vars would make dbt parse the whole project again.
    assert call["args"] == ["build", *dbt_assets_module.PARTITION_RUN_EXCLUDES]
    # PostgreSQL's JIT is off for the partition run's sessions only (decision 0043).
    assert call["pgoptions"] == "-c jit=off"
    assert DBT_WINDOW_ENV not in os.environ and "PGOPTIONS" not in os.environ
    # dbt's folder is the data directory's, never the code checkout's (it may be read-only).
    assert call["target_path"].parent == tmp_path / "dbt_runs"
    assert call["target_path"].name.startswith("dbt_models-")


def test_a_partition_run_keeps_the_session_options_already_set(monkeypatch):
    monkeypatch.setenv("PGOPTIONS", "-c statement_timeout=600000")
    window = PartitionWindow(("casafacil_cl",), dt.date(2026, 11, 20), dt.date(2026, 11, 20))
    assert window.dbt_env()["PGOPTIONS"] == "-c statement_timeout=600000 -c jit=off"


def test_a_step_keeps_its_last_five_dbt_folders(tmp_path, dbt_assets_module):
    """One folder per step and run grew the checkout by 3 GB over a few weeks of runs."""
    runs = tmp_path / "dbt_runs"
    for age_hours, name in enumerate(["dbt_models-a", "dbt_models-b", "dbt_models-c",
                                      "dbt_models-d", "dbt_models-e", "dbt_models-f"]):  # fmt: skip
        folder = runs / name
        folder.mkdir(parents=True)
        old = dt.datetime.now().timestamp() - (10 - age_hours) * 3600
        os.utime(folder, (old, old))
    (runs / "dbt_ml_models-z").mkdir()
    settings = CerebroResource(data_dir=os.fspath(tmp_path)).settings()

    new = dbt_assets_module._run_folder(settings, "dbt_models")

    kept = sorted(path.name for path in runs.iterdir())
    assert kept == ["dbt_ml_models-z", "dbt_models-c", "dbt_models-d", "dbt_models-e",
                    "dbt_models-f"]  # fmt: skip
    assert new.parent == runs and new.name.startswith("dbt_models-") and not new.exists()
