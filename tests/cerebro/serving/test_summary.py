"""The run summary a newcomer reads after `cerebro run`, on runs that did not go as planned."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb

from cerebro.platform_run import PlatformRun
from cerebro.serving import summary
from cerebro.settings import load_settings
from cerebro.tenants import Tenant

TENANT = Tenant("t_cl", "Tienda", "America/Santiago", "CLP", "CL", sources={})


def _render(tmp_path: Path, monkeypatch, **run) -> list[str]:
    settings = load_settings(
        {"CEREBRO_DATA_DIR": str(tmp_path / "data"), "CEREBRO_TENANTS_FILE": str(tmp_path / "t")}
    )
    settings.duckdb_path.parent.mkdir(parents=True)
    duckdb.connect(str(settings.duckdb_path)).close()  # a warehouse where nothing landed yet
    monkeypatch.setattr(summary, "_dbt_resource_types", lambda: {"fct_orders": "model"})
    base = PlatformRun(
        success=False, seconds=12.3, materialized=[], checks_passed=0, checks_failed=[],
        dagster_home=settings.dagster_home,
    )  # fmt: skip
    return summary.render_summary(dataclasses.replace(base, **run), settings, [TENANT]).splitlines()


def test_a_stopped_run_says_it_stopped_and_that_nothing_landed(tmp_path, monkeypatch):
    lines = _render(tmp_path, monkeypatch, interrupted=True)
    assert lines[0] == "Cerebro platform run stopped after 12.3 s"
    landed = lines.index("Rows in the raw tables (landed through Singer):")
    assert lines[landed + 1] == "  none yet"
    assert "Error:" not in lines


def test_a_warning_check_is_told_apart_from_a_failure(tmp_path, monkeypatch):
    lines = _render(
        tmp_path, monkeypatch, materialized=["marts/fct_orders"], checks_passed=3,
        checks_failed=["marts/fct_orders: unique"], checks_warned=["ml/diagnostics: modelled"],
    )  # fmt: skip
    dbt = lines.index(next(line for line in lines if line.startswith("dbt: ")))
    assert lines[dbt : dbt + 3] == [
        "dbt: 1 models and 0 seeds built; 3 of 5 tests passed, 1 with a warning",
        "  failed: marts/fct_orders: unique",
        "  warning: ml/diagnostics: modelled",
    ]


def test_the_dagster_hint_opens_this_runs_history(tmp_path, monkeypatch):
    """`make dagster` opened data/dagster_home whatever the run's data directory was."""
    (hint,) = [line for line in _render(tmp_path, monkeypatch) if line.startswith("Dagster UI:")]
    assert hint.startswith(f"Dagster UI: `make dagster DATA_DIR={tmp_path / 'data'}`, then open")
    default = load_settings({"CEREBRO_TENANTS_FILE": str(tmp_path / "t")})
    assert summary.dagster_command(default) == "make dagster"


def test_a_deployed_instance_is_opened_by_its_own_webserver(tmp_path, monkeypatch):
    """In the compose stack DAGSTER_HOME is /opt/dagster/home, beside its workspace file, and
    the image has no make: `make dagster DATA_DIR=…` would open an empty instance."""
    deployed = tmp_path / "dagster" / "home"
    deployed.mkdir(parents=True)
    (hint,) = [
        line
        for line in _render(tmp_path, monkeypatch, dagster_home=deployed)
        if line.startswith("Dagster UI:")
    ]
    assert f"`DAGSTER_HOME={deployed} dagster dev`" in hint
    (deployed / "workspace.yaml").write_text("load_from: []\n")
    settings = load_settings({"CEREBRO_DATA_DIR": str(tmp_path / "data")})
    assert summary.dagster_command(settings, deployed) == (
        f"dagster-webserver -w {deployed / 'workspace.yaml'}"
    )


def test_make_dagster_points_dagster_at_the_data_directory_it_is_given(tmp_path):
    """The Makefile's recipe, as make expands it (-n prints without running)."""
    import subprocess

    from cerebro.settings import PROJECT_ROOT

    recipe = subprocess.run(
        ["make", "-n", "--no-print-directory", "-o", "setup", "dagster", f"DATA_DIR={tmp_path}"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert f"CEREBRO_DATA_DIR={tmp_path} DAGSTER_HOME={tmp_path}/dagster_home" in recipe
    assert "dagster dev" in recipe
