"""The Dagster code location loads, and every job, asset and check resolves."""

from __future__ import annotations

import dagster as dg
import pytest
from tap_cerebro_demo.generator.storage import STREAMS_BY_SOURCE

from cerebro.platform import PLATFORM_JOB, prepare_dbt_manifest


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    prepare_dbt_manifest()
    from orchestration.definitions import defs

    return defs


def test_every_job_resolves(defs):
    names = {job.name for job in defs.resolve_all_job_defs()}
    assert PLATFORM_JOB in names
    for name in names:
        assert defs.resolve_job_def(name) is not None


def test_every_singer_stream_is_an_asset_that_feeds_its_staging_model(defs):
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    for source, streams in STREAMS_BY_SOURCE.items():
        for stream in streams:
            raw = dg.AssetKey([source, stream])
            assert raw.to_user_string() in keys
            children = {child.path[-1] for child in graph.get(raw).child_keys}
            assert f"stg_{source}__{stream}" in children


def test_dbt_tests_arrive_as_asset_checks_on_the_marts(defs):
    checks = defs.resolve_asset_graph().asset_check_keys
    on_orders = {c.name for c in checks if c.asset_key.path[-1] == "fct_orders"}
    assert "assert_order_totals_reconcile_with_lines" in on_orders
    assert any(name.startswith("unique_combination_of_columns") for name in on_orders)


def test_loading_the_definitions_has_no_side_effects_on_the_warehouse(defs, tmp_path, monkeypatch):
    monkeypatch.setenv("CEREBRO_DATA_DIR", str(tmp_path))
    import importlib

    import orchestration.definitions

    importlib.reload(orchestration.definitions)
    assert list(tmp_path.iterdir()) == []


def test_the_macro_tests_on_fixed_cases_are_left_to_ci(defs):
    """Decision 0017: the tagged macro tests and their case seeds are no Dagster assets (CI
    runs them, tests/dbt_quality); the check of the editable place seeds stays in every run."""
    keys = {key.path[-1] for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"macro_test_normalize_rut", "rut_cases", "pii_hash_cases"}.isdisjoint(keys)
    assert {"macro_test_place_keys_in_seeds", "comunas", "channel_mapping"} <= keys
