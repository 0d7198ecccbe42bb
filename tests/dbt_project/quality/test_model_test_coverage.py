"""Every dbt model has data tests on its grain, read from the parsed manifest (no build): a
uniqueness test (`unique` on a column, or `unique_combination_of_columns`) and every column of
that key required (`not_null_columns`, the model's one test of its required columns, decision
0019; `not_null` on the column in the macro-test fixtures). A genuine exception is declared in
the model's yml with the reason, which these checks read: `meta.grain_test_exception` (no
uniqueness test possible) or `meta.nullable_key_columns` ({column: reason}). The table-driven
macro tests (models/macro_tests) are fixtures of macro tests, not models anyone reads, and are
left out."""

from __future__ import annotations

import copy

import pytest


def _models(manifest: dict) -> dict[str, dict]:
    return {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["fqn"][1] != "macro_tests"
    }


def _generic_tests(manifest: dict) -> dict[str, list[dict]]:
    """Model unique id -> the generic data tests attached to it."""
    attached: dict[str, list[dict]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("test_metadata"):
            attached.setdefault(node.get("attached_node"), []).append(node)
    return attached


def _meta(node: dict) -> dict:
    return {**node.get("meta", {}), **node.get("config", {}).get("meta", {})}


def _keys(tests: list[dict]) -> list[list[str]]:
    """The column lists the model's uniqueness tests declare unique."""
    keys = []
    for test in tests:
        metadata = test["test_metadata"]
        if metadata["name"] == "unique":
            keys.append([test["column_name"]])
        elif metadata["name"] == "unique_combination_of_columns":
            keys.append(list(metadata["kwargs"]["combination_of_columns"]))
    return keys


def _required_columns(tests: list[dict]) -> set[str]:
    """The columns the model's tests require to be non-NULL."""
    required = set()
    for test in tests:
        metadata = test["test_metadata"]
        if metadata["name"] == "not_null":
            required.add(test["column_name"])
        elif metadata["name"] == "not_null_columns":
            required.update(metadata["kwargs"]["column_names"])
    return required


def models_without_grain_test(manifest: dict) -> list[str]:
    """Models with neither a uniqueness test nor a grain_test_exception reason."""
    attached = _generic_tests(manifest)
    missing = []
    for unique_id, node in sorted(_models(manifest).items()):
        reason = str(_meta(node).get("grain_test_exception") or "").strip()
        has_key = bool(_keys(attached.get(unique_id, [])))
        assert not (has_key and reason), f"{node['name']}: a uniqueness test and an exception"
        if not has_key and not reason:
            missing.append(node["name"])
    return missing


def key_columns_without_not_null(manifest: dict) -> list[str]:
    """`model.column` for each key column without not_null and not excused with a reason."""
    attached = _generic_tests(manifest)
    missing = set()
    for unique_id, node in _models(manifest).items():
        tests = attached.get(unique_id, [])
        not_null = _required_columns(tests)
        excused = {
            column
            for column, reason in (_meta(node).get("nullable_key_columns") or {}).items()
            if str(reason or "").strip()
        }
        for key in _keys(tests):
            missing |= {f"{node['name']}.{c}" for c in key if c not in not_null | excused}
    return sorted(missing)


def test_every_model_has_a_uniqueness_test_on_its_grain(dbt_project_parsed):
    manifest = dbt_project_parsed.manifest_json
    assert len(_models(manifest)) >= 60
    missing = models_without_grain_test(manifest)
    assert not missing, (
        "models without a uniqueness test on their grain (add unique or "
        "unique_combination_of_columns, or meta.grain_test_exception with the reason): "
        + ", ".join(missing)
    )


def test_every_key_column_is_tested_not_null(dbt_project_parsed):
    missing = key_columns_without_not_null(dbt_project_parsed.manifest_json)
    assert not missing, (
        "key columns not required (add them to the model's not_null_columns, or list them under "
        "meta.nullable_key_columns with the reason): " + ", ".join(missing)
    )


def test_every_model_description_starts_with_its_grain(dbt_project_parsed):
    vague = [
        node["name"]
        for node in _models(dbt_project_parsed.manifest_json).values()
        if not node["description"].strip().startswith("One row per")
    ]
    assert not vague, f"descriptions that do not start with 'One row per …': {vague}"


# The checks name what loses its protection -----------------------------------------------------


def _without_tests(manifest: dict, model: str, test_names: set[str]) -> dict:
    doctored = copy.deepcopy(manifest)
    doctored["nodes"] = {
        unique_id: node
        for unique_id, node in doctored["nodes"].items()
        if not (
            node["resource_type"] == "test"
            and node.get("attached_node") == f"model.cerebro.{model}"
            and node.get("test_metadata", {}).get("name") in test_names
        )
    }
    return doctored


@pytest.fixture(scope="module")
def manifest(dbt_project_parsed) -> dict:
    return dbt_project_parsed.manifest_json


def test_a_model_that_loses_its_uniqueness_test_is_named(manifest):
    doctored = _without_tests(manifest, "fct_orders", {"unique_combination_of_columns"})
    assert models_without_grain_test(doctored) == ["fct_orders"]
    model = doctored["nodes"]["model.cerebro.fct_orders"]
    model["config"]["meta"]["grain_test_exception"] = "a reason a reviewer accepted"
    assert models_without_grain_test(doctored) == []
    model["config"]["meta"]["grain_test_exception"] = "  "
    assert models_without_grain_test(doctored) == ["fct_orders"]


def test_a_key_column_that_loses_its_not_null_test_is_named(manifest):
    doctored = _without_tests(manifest, "fct_orders", {"not_null_columns"})
    assert key_columns_without_not_null(doctored) == ["fct_orders.order_id", "fct_orders.tenant_id"]
    meta = doctored["nodes"]["model.cerebro.fct_orders"]["config"]["meta"]
    meta["nullable_key_columns"] = {"order_id": "a reason", "tenant_id": ""}
    assert key_columns_without_not_null(doctored) == ["fct_orders.tenant_id"]
