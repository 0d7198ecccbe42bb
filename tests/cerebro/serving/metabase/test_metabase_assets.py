"""The Dagster asset `metabase_dashboards` and its check: downstream of the marts the specs
read, a no-op with a note when Metabase is not configured, and with Metabase a provisioning
run whose numbers land in the materialization's metadata."""

from __future__ import annotations

import asyncio

import dagster as dg
import pytest
from dagster._core.loader import LoadingContextForTest
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionResolvedStatus

from cerebro.serving.dashboards.spec import load_dashboards
from orchestration.metabase_assets import (
    NOT_CONFIGURED,
    every_card_runs_in_metabase,
    metabase_dashboards,
)
from orchestration.resources import CerebroResource
from tests.cerebro.serving.metabase.provisioning_support import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    READER_PASSWORD,
    WAREHOUSE_ENVIRONMENT,
    spec_tables,
    tenant_logins,
)

METABASE_VARIABLES = ("METABASE_URL", "METABASE_API_KEY", "METABASE_API_KEY_FILE")


def _materialize(tmp_path, instance=None):
    # An embedded warehouse that is not built: the provisioning context falls back to today.
    resource = CerebroResource(data_dir=str(tmp_path / "data"),
                               duckdb_path=str(tmp_path / "data" / "none.duckdb"))  # fmt: skip
    return dg.materialize(
        [metabase_dashboards, every_card_runs_in_metabase],
        resources={"cerebro": resource},
        raise_on_error=False,
        instance=instance,
    )


def _desired():
    """What the asset should create for the tenants file it reads (the demo's)."""
    from cerebro.serving.metabase.access import load_access
    from cerebro.serving.metabase.context import offline_context
    from cerebro.serving.metabase.layout import desired_state
    from cerebro.serving.metabase.provision import load_portfolio

    dashboards = load_dashboards()
    tenants = CerebroResource().tenants()
    context = offline_context(dashboards, tenants)
    return desired_state(dashboards, context, load_access(), load_portfolio())


def _metadata(result) -> dict:
    (event,) = result.get_asset_materialization_events()
    return {key: value.value for key, value in event.materialization.metadata.items()}


def test_the_asset_is_downstream_of_every_mart_the_specs_read():
    from tests.support.dbt_manifest import prepared_dbt_manifest

    prepared_dbt_manifest()
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    parents = graph.get(metabase_dashboards.key).parent_keys
    assert parents == {dg.AssetKey(["marts", t]) for t in spec_tables(load_dashboards())}
    # Every one of them is built by the platform (a spec reading an unknown mart fails here).
    assert parents <= set(graph.get_all_asset_keys())


def test_without_metabase_the_asset_succeeds_with_a_note(tmp_path, monkeypatch):
    for name in METABASE_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    result = _materialize(tmp_path)

    assert result.success
    assert _metadata(result) == {"status": NOT_CONFIGURED}


def test_without_metabase_the_check_is_recorded_as_skipped_not_passed(tmp_path, monkeypatch):
    """Dagster's own rule (AssetCheckExecutionRecord.resolve_status): a check planned in a run
    that succeeded without evaluating it is SKIPPED; a passed result would show green."""
    for name in METABASE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    instance = dg.DagsterInstance.ephemeral()

    result = _materialize(tmp_path, instance)

    assert result.success
    assert result.get_asset_check_evaluations() == []
    key = dg.AssetCheckKey(metabase_dashboards.key, "every_card_runs_in_metabase")
    (record,) = instance.event_log_storage.get_asset_check_execution_history(key, limit=1)
    status = asyncio.run(record.resolve_status(LoadingContextForTest(instance)))
    assert status == AssetCheckExecutionResolvedStatus.SKIPPED


@pytest.fixture
def metabase_environment(fake, tmp_path, monkeypatch):
    monkeypatch.delenv("METABASE_API_KEY", raising=False)
    for name, value in {
        "METABASE_URL": fake.url,
        "METABASE_ADMIN_EMAIL": ADMIN_EMAIL,
        "METABASE_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "METABASE_API_KEY_FILE": str(tmp_path / "key"),
        **WAREHOUSE_ENVIRONMENT,
        "METABASE_WAREHOUSE_PASSWORD": READER_PASSWORD,
        "METABASE_SYNC_TIMEOUT_SECONDS": "10",
        **tenant_logins(),
    }.items():
        monkeypatch.setenv(name, value)


def test_with_metabase_the_asset_provisions_and_reports_its_calls(
    fake, metabase_environment, tmp_path
):
    desired = _desired()
    objects = sum(len(x) for x in (desired.collections, desired.cards, desired.actions,
                                    desired.dashboards, desired.groups))  # fmt: skip

    result = _materialize(tmp_path)

    assert result.success
    metadata = _metadata(result)
    assert (metadata["created"], metadata["updated"], metadata["archived"]) == (objects, 0, 0)
    assert metadata["api_calls"] == sum(metadata["api_calls_by_method"].values()) > 0
    (check,) = result.get_asset_check_evaluations()
    assert check.passed
    assert check.metadata["cards"].value == len(desired.cards)

    again = _metadata(_materialize(tmp_path))
    assert (again["created"], again["updated"], again["archived"]) == (0, 0, 0)


def test_the_check_fails_listing_the_cards_whose_query_errors(fake, metabase_environment, tmp_path):
    card = load_dashboards()[0].cards[-1]
    key = f"casafacil_pe/{load_dashboards()[0].key}/{card.key}"
    fake.failing_cards[key] = 'ERROR: column "region_name" does not exist'

    result = _materialize(tmp_path)

    (check,) = result.get_asset_check_evaluations()
    assert not check.passed
    assert check.metadata["failed"].value == {key: 'ERROR: column "region_name" does not exist'}
    assert key in check.description


def test_a_refused_warehouse_password_fails_once_without_retries(
    fake, metabase_environment, tmp_path, monkeypatch
):
    """Metabase tests the connection and refuses it: retrying 30 s later meets the same
    answer, so the step fails at once with the one line that names what to fix."""
    monkeypatch.setenv("METABASE_WAREHOUSE_PASSWORD", "not-the-readers-password")

    result = _materialize(tmp_path)

    assert not result.success
    kinds = [event.event_type for event in result.all_events]
    assert dg.DagsterEventType.STEP_UP_FOR_RETRY not in kinds
    (failure,) = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    message = failure.step_failure_data.error.message
    assert "Metabase cannot connect to the warehouse" in message
    assert "METABASE_WAREHOUSE_PASSWORD" in message and "not-the-readers-password" not in message
