"""The Dagster code location loads, and every job, asset and check resolves."""

from __future__ import annotations

import dagster as dg
import pytest
from cerebro_raw_contract import STREAMS_BY_SOURCE

from tests.support.dbt_manifest import prepared_dbt_manifest


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    prepared_dbt_manifest()
    from orchestration.definitions import defs

    return defs


def test_every_job_resolves(defs):
    from orchestration.jobs import PLATFORM_JOB  # the jobs read the manifest the fixture made

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
    assert "unique_key_fct_orders" in on_orders


def test_loading_the_definitions_has_no_side_effects_on_the_warehouse(defs, tmp_path, monkeypatch):
    monkeypatch.setenv("CEREBRO_DATA_DIR", str(tmp_path))
    import importlib

    import orchestration.definitions

    importlib.reload(orchestration.definitions)
    assert list(tmp_path.iterdir()) == []


def test_the_macro_tests_on_fixed_cases_are_left_to_ci(defs):
    """Decision 0017: the tagged macro tests and their case seeds are no Dagster assets (CI
    runs them, tests/dbt_project/quality); the editable seeds are."""
    keys = {key.path[-1] for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"macro_test_normalize_rut", "rut_cases", "pii_hash_cases"}.isdisjoint(keys)
    assert {"comunas", "channel_mapping"} <= keys


def _job_assets_and_checks(defs, job_name: str) -> tuple[set[str], dict[str, set[str]]]:
    """The names of the assets a job materializes, and of the checks it runs per asset."""
    layer = defs.resolve_job_def(job_name).asset_layer
    checks: dict[str, set[str]] = {}
    for key in layer.asset_graph.asset_check_keys:
        checks.setdefault(key.asset_key.path[-1], set()).add(key.name)
    return {key.path[-1] for key in layer.executable_asset_keys}, checks


def test_the_seeds_are_a_step_of_their_own_not_part_of_the_daily_runs(defs):
    """Decision 0019: reference data changes with the code; a daily run builds none of it, the
    reference job builds it with its tests, and nothing else."""
    daily, _ = _job_assets_and_checks(defs, "daily_tenant")
    reference, reference_checks = _job_assets_and_checks(defs, "reference_data")
    assert reference == {
        "ad_platforms", "campaign_aliases", "channel_mapping", "comuna_aliases", "comunas",
        "payment_gateways", "regions", "rfm_segments",
    }  # fmt: skip
    assert reference.isdisjoint(daily) and "fct_orders" in daily
    assert "unique_payment_gateways_gateway" in reference_checks["payment_gateways"]
    assert any(name.startswith("is_normalized_place_name") for name in reference_checks["comunas"])
    assert set(reference_checks) <= reference


def test_a_test_of_a_model_against_a_seed_runs_with_the_model(defs):
    """fct_orders' gateways against the payment_gateways seed is a check of the partition runs
    (they build fct_orders), not of the seeds' step, which would test a table it does not build."""
    against_seed = "relationships_fct_orders_payment_gateway"
    _, daily_checks = _job_assets_and_checks(defs, "daily_tenant")
    _, reference_checks = _job_assets_and_checks(defs, "reference_data")
    assert against_seed in daily_checks["fct_orders"]
    assert "fct_orders" not in reference_checks
