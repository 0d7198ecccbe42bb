"""When `dagster dev` parses the dbt project again at load: only when a file of the project is
newer than the manifest (orchestration/dbt_project.py), instead of on every load."""

from __future__ import annotations

import os
from types import SimpleNamespace

import orchestration.dbt_project as project_module


def _project(tmp_path, monkeypatch):
    root = tmp_path / "dbt_project"
    (root / "models" / "marts").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: x\n")
    model = root / "models" / "marts" / "m.sql"
    model.write_text("select 1\n")
    manifest = root / "target" / "manifest.json"
    monkeypatch.setattr(project_module, "DBT_PROJECT_DIR", root)
    monkeypatch.setattr(project_module, "dbt_project", SimpleNamespace(manifest_path=manifest))
    return model, manifest


def _age(path, seconds: int) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - seconds * 10**9))


def test_a_missing_manifest_is_stale(tmp_path, monkeypatch):
    _project(tmp_path, monkeypatch)
    assert project_module.manifest_is_stale()


def test_a_manifest_newer_than_every_file_is_kept_and_an_edit_makes_it_stale(tmp_path, monkeypatch):
    model, manifest = _project(tmp_path, monkeypatch)
    for path in (model, model.parents[2] / "dbt_project.yml"):
        _age(path, 60)
    manifest.parent.mkdir()
    manifest.write_text("{}")
    assert not project_module.manifest_is_stale()

    model.write_text("select 2\n")
    assert project_module.manifest_is_stale()
