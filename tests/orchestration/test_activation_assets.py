"""The activation asset: wired after the customer brain's marts, in no job that `cerebro run`
or the daily runs execute, scheduled by a schedule that starts stopped; run for one tenant
with the sync replaced by a recorder (no warehouse, no vendor), it syncs each of the tenant's
activations for real (not a dry run) and fails, after the others, on one that cannot run (not
retried) or whose vendor kept failing (retried)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from cerebro.actions.activation.errors import ActivationError
from orchestration import activation_assets
from orchestration.resources import CerebroResource
from tests.support.dagster_instance import dagster_test_instance
from tests.support.dbt_manifest import prepared_dbt_manifest

TENANTS_YAML = """
tenants:
  - tenant_id: shop_cl
    name: Chile
    timezone: America/Santiago
    currency: CLP
    country_code: CL
    sources: {}
    destinations:
      klaviyo: {secrets: {api_key: SHOP_CL_KLAVIYO_KEY}}
      whatsapp: {secrets: {access_token: SHOP_CL_WHATSAPP_TOKEN}}
    activations:
      - {segment: Frecuentes alejados, destination: klaviyo}
      - {segment: Muy frecuentes alejados, destination: whatsapp, control_share: 0.2}
  - {tenant_id: shop_pe, name: Perú, timezone: America/Lima, currency: PEN,
     country_code: PE, sources: {}}
"""


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    prepared_dbt_manifest()
    from orchestration.definitions import defs

    return defs


@pytest.fixture
def cerebro(tmp_path) -> CerebroResource:
    tenants_file = tmp_path / "tenants.yml"
    tenants_file.write_text(TENANTS_YAML, encoding="utf-8")
    return CerebroResource(tenants_file=str(tenants_file), data_dir=str(tmp_path))


@pytest.fixture
def instance():
    with dagster_test_instance() as instance:
        yield instance


def _job_assets(defs, job_name: str) -> set[str]:
    return {key.to_user_string() for key in defs.resolve_job_def(job_name).asset_layer
            .executable_asset_keys}  # fmt: skip


def test_syncs_run_only_in_their_own_job_after_the_customer_brain(defs):
    from orchestration.jobs import PLATFORM_JOB  # the jobs read the manifest the fixture made

    graph = defs.resolve_asset_graph()
    parents = {
        key.to_user_string() for key in graph.get(dg.AssetKey("activation_syncs")).parent_keys
    }
    assert {"marts/mart_customer_value", "marts/mart_customer_contacts"} <= parents
    assert _job_assets(defs, "activation_sync") == {"activation_syncs"}
    for job in (PLATFORM_JOB, "daily_tenant", "daily_publish", "reference_data"):
        assert "activation_syncs" not in _job_assets(defs, job), job


def test_the_schedule_starts_stopped_and_asks_for_each_tenant_with_activations(
    defs, instance, cerebro
):
    from orchestration.schedules import activation_schedule

    schedule = defs.get_schedule_def("activation_schedule")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert schedule.job_name == "activation_sync"
    tick = dt.datetime(2026, 11, 21, 7, 0, tzinfo=ZoneInfo("America/Santiago"))
    # Inside `with`: the context makes its instance Dagster's current one until it exits; left
    # set, a Definitions resolved later in the session would find it disposed.
    with dg.build_schedule_context(
        instance=instance, scheduled_execution_time=tick, resources={"cerebro": cerebro}
    ) as context:
        requests = list(activation_schedule(context))
    assert [(r.partition_key, r.run_key) for r in requests] == [("shop_cl", "shop_cl:2026-11-21")]
    assert "shop_cl" in instance.get_dynamic_partitions("tenant")


class _Report:
    """What cerebro.actions.activation.sync.activate returns, as far as the asset reads it."""

    def __init__(self, segment: str):
        self.run_id, self.sent, self.removed, self.refused, self.failed = segment, 7, 1, 0, 0
        self.calls, self.seconds = 2, 0.5
        self.plan = type("Plan", (), {"held_out": (1, 2), "no_consent": (3,), "unchanged": 4})


def _record_syncs(monkeypatch, answer) -> list[tuple]:
    """Replace the sync by a recorder answering ``answer(segment)``; the calls, as made."""
    calls = []

    def recorded(warehouse, tenant, segment, destination, **options):
        calls.append((tenant.tenant_id, segment, destination, options))
        return answer(segment)

    monkeypatch.setattr(activation_assets, "activate", recorded)
    return calls


def _sync_shop_cl(cerebro):
    """The asset invoked directly for shop_cl's partition (no run: a run would leave Dagster's
    process-wide definitions context pointing at an instance the test then closes)."""
    context = dg.build_asset_context(partition_key="shop_cl", resources={"cerebro": cerebro})
    return activation_assets.activation_syncs(context)


def test_each_activation_of_the_tenant_is_synced_for_real(cerebro, monkeypatch):
    calls = _record_syncs(monkeypatch, _Report)
    result = _sync_shop_cl(cerebro)
    assert calls == [
        ("shop_cl", "Frecuentes alejados", "klaviyo", {}),
        ("shop_cl", "Muy frecuentes alejados", "whatsapp", {}),
    ]
    assert result.metadata["sent"] == 14
    assert result.metadata["activations"]["Frecuentes alejados → klaviyo"]["held_out"] == 2
    assert result.metadata["failed_activations"] == {}


def test_an_activation_that_cannot_run_fails_the_asset_after_the_others(cerebro, monkeypatch):
    def answer(segment):
        if segment == "Frecuentes alejados":
            raise ActivationError("environment variable SHOP_CL_KLAVIYO_KEY not set")
        return _Report(segment)

    calls = _record_syncs(monkeypatch, answer)
    with pytest.raises(dg.Failure, match="SHOP_CL_KLAVIYO_KEY") as failure:
        _sync_shop_cl(cerebro)
    assert [segment for _, segment, _, _ in calls] == [
        "Frecuentes alejados",
        "Muy frecuentes alejados",
    ]
    # Not retried by the asset's retry policy: a missing secret is for a person to fix.
    assert failure.value.allow_retries is False
    assert failure.value.metadata["sent"].value == 7


def test_failed_answers_fail_the_asset_for_a_retry_as_the_command_exits_1(cerebro, monkeypatch):
    def answer(segment):
        report = _Report(segment)
        report.failed = 3 if segment == "Muy frecuentes alejados" else 0
        return report

    _record_syncs(monkeypatch, answer)
    with pytest.raises(dg.Failure, match="Muy frecuentes alejados → whatsapp: 3") as failure:
        _sync_shop_cl(cerebro)
    # Retried by the asset's policy: the next sync sends only what failed.
    assert failure.value.allow_retries is not False


def test_a_stopped_activation_is_not_synced(cerebro, monkeypatch):
    """A pair stopped from Metabase (ops.stopped_activations) is skipped and said so; the
    others sync."""
    from cerebro.actions.activation.stops import stop_writes

    cerebro.warehouse().execute(
        *stop_writes("shop_cl", "Frecuentes alejados", "klaviyo", dt.datetime(2026, 11, 20), "x")
    )
    calls = _record_syncs(monkeypatch, _Report)
    result = _sync_shop_cl(cerebro)
    assert [segment for _, segment, _, _ in calls] == ["Muy frecuentes alejados"]
    assert result.metadata["stopped_activations"] == ["Frecuentes alejados → klaviyo"]
