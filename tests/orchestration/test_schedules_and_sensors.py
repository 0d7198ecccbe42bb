"""The daily schedule, the tenant and publish sensors, evaluated with Dagster's contexts on an
ephemeral instance (no run is executed: the runs the sensor reads are recorded directly)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from dagster._core.test_utils import create_run_for_test

from orchestration.resources import CerebroResource
from tests.support.dagster_instance import dagster_test_instance
from tests.support.dbt_manifest import prepared_dbt_manifest

SANTIAGO = ZoneInfo("America/Santiago")
TENANTS_YAML = """
tenants:
  - {tenant_id: shop_cl, name: Chile, timezone: America/Santiago, currency: CLP,
     country_code: CL, sources: {}}
  - {tenant_id: shop_pe, name: Perú, timezone: America/Lima, currency: PEN,
     country_code: PE, sources: {}}
  - {tenant_id: shop_mx, name: México, timezone: America/Mexico_City, currency: MXN,
     country_code: MX, sources: {}}
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


def _tick(instance, cerebro, when: dt.datetime) -> list[dg.RunRequest]:
    from orchestration.schedules import daily_tenant_schedule

    # Inside `with`: a context left open restores its instance as Dagster's current
    # definitions-state storage whenever it is garbage-collected, and a Definitions resolved
    # after that (a later test) fails on the disposed instance.
    with dg.build_schedule_context(
        instance=instance, scheduled_execution_time=when, resources={"cerebro": cerebro}
    ) as context:
        return list(daily_tenant_schedule(context))


def test_the_schedule_asks_for_yesterday_in_each_tenants_timezone(instance, cerebro):
    # 02:00 in Santiago on 21 November 2026 (summer time, UTC-3) is 05:00 UTC: the 20th is
    # over in Santiago and Lima (00:00), but not yet in Mexico City (23:00 on the 20th). The
    # two tenants whose yesterday is the 20th share one run (decision 0078).
    requests = _tick(instance, cerebro, dt.datetime(2026, 11, 21, 2, 0, tzinfo=SANTIAGO))
    by_key = {r.run_key: r for r in requests}
    assert set(by_key) == {"shop_cl..shop_pe:2026-11-20", "shop_mx:2026-11-19"}
    both = by_key["shop_cl..shop_pe:2026-11-20"]
    assert both.partition_key is None
    assert both.tags["dagster/asset_partition_range_start"] == "2026-11-20|shop_cl"
    assert both.tags["dagster/asset_partition_range_end"] == "2026-11-20|shop_pe"
    assert by_key["shop_mx:2026-11-19"].partition_key == "2026-11-19|shop_mx"
    assert {r.tags["cerebro/publish_date"] for r in requests} == {"2026-11-21"}
    assert {r.tags["cerebro/tenants_expected"] for r in requests} == {"3"}
    assert set(instance.get_dynamic_partitions("tenant")) == {"shop_cl", "shop_pe", "shop_mx"}


def test_a_nights_runs_are_ranges_of_tenants_with_the_same_yesterday():
    from orchestration.schedules import runs_by_day

    day, before = dt.date(2026, 11, 20), dt.date(2026, 11, 19)
    # Registered a, b, c, gone, d, e: c's yesterday differs, and a tenant registered but taken
    # out of the tenants file splits the range around it (it would be landed otherwise).
    days = {"a": day, "b": day, "c": before, "d": day, "e": day}
    assert runs_by_day(["a", "b", "c", "gone", "d", "e"], days) == [
        (day, ["a", "b"]), (before, ["c"]), (day, ["d", "e"]),
    ]  # fmt: skip
    assert runs_by_day(["gone"], {}) == []


def test_the_schedule_fires_at_two_in_santiago(defs):
    # Dagster evaluates the cron in the execution timezone, daylight saving time included.
    schedule = defs.get_schedule_def("daily_tenant_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == (
        "0 2 * * *",
        "America/Santiago",
    )
    assert schedule.job_name == "daily_tenant"


def test_tenant_sensor_registers_only_new_tenants(instance, cerebro):
    from orchestration.sensors import tenant_partitions_sensor

    instance.add_dynamic_partitions("tenant", ["shop_cl"])
    context = dg.build_sensor_context(instance=instance, resources={"cerebro": cerebro})
    result = tenant_partitions_sensor(context)
    (request,) = result.dynamic_partitions_requests
    assert list(request.partition_keys) == ["shop_pe", "shop_mx"]


def _record_tenant_run(instance, tenant: str, day: str, status: dg.DagsterRunStatus):
    return create_run_for_test(
        instance,
        job_name="daily_tenant",
        status=status,
        tags={
            "dagster/partition/tenant": tenant,
            "dagster/partition/date": day,
            "cerebro/publish_date": "2026-11-21",
            "cerebro/tenants_expected": "2",
        },
    )


def _publish(defs, instance):
    from orchestration.sensors import daily_publish_sensor

    context = dg.build_sensor_context(instance=instance, definitions=defs)
    return daily_publish_sensor(context)


def test_publish_waits_for_every_tenant_run_to_finish(defs, instance):
    _record_tenant_run(instance, "shop_cl", "2026-11-20", dg.DagsterRunStatus.SUCCESS)
    assert isinstance(_publish(defs, instance), dg.SkipReason)  # shop_pe not launched yet
    _record_tenant_run(instance, "shop_pe", "2026-11-20", dg.DagsterRunStatus.STARTED)
    skipped = _publish(defs, instance)
    assert isinstance(skipped, dg.SkipReason) and "1 of 2" in skipped.skip_message


def test_publish_counts_each_tenant_of_a_run_for_several(defs, instance):
    instance.add_dynamic_partitions("tenant", ["shop_cl", "shop_pe"])
    tags = {
        "dagster/asset_partition_range_start": "2026-11-20|shop_cl",
        "dagster/asset_partition_range_end": "2026-11-20|shop_pe",
        "cerebro/publish_date": "2026-11-21",
        "cerebro/tenants_expected": "2",
    }
    run = create_run_for_test(
        instance, job_name="daily_tenant", status=dg.DagsterRunStatus.STARTED, tags=tags
    )
    skipped = _publish(defs, instance)
    assert isinstance(skipped, dg.SkipReason) and "0 of 2" in skipped.skip_message
    instance.report_run_failed(run)
    request = _publish(defs, instance)
    assert request.run_key == "publish:2026-11-21"
    assert request.tags["cerebro/tenants_failed"] == "shop_cl,shop_pe"


def test_publish_runs_once_per_day_with_the_models_when_never_fitted(defs, instance):
    _record_tenant_run(instance, "shop_cl", "2026-11-20", dg.DagsterRunStatus.SUCCESS)
    _record_tenant_run(instance, "shop_pe", "2026-11-20", dg.DagsterRunStatus.FAILURE)
    request = _publish(defs, instance)
    assert request.run_key == "publish:2026-11-21"
    selected = {key.to_user_string() for key in request.asset_selection}
    assert "ml/ml_customer_predictions" in selected  # never fitted: refit
    names = {key.path[-1] for key in request.asset_selection}
    assert {"orders", "stg_shopify__orders", "fct_orders"}.isdisjoint(names)  # the tenant runs'
    assert "stg_ml__customer_predictions" in names  # the dbt step on the models' outputs
    assert request.tags["cerebro/tenants_failed"] == "shop_pe"
    assert request.tags["cerebro/models_refit"] == "true"


def test_publish_leaves_the_models_out_when_a_refit_is_not_due(defs, instance):
    instance.report_runless_asset_event(
        dg.AssetMaterialization(asset_key=dg.AssetKey(["ml", "ml_customer_predictions"]))
    )
    instance.report_runless_asset_event(
        dg.AssetMaterialization(
            asset_key=dg.AssetKey(["shopify", "orders"]),
            metadata={"rows": 1000, "records_synced_this_run": {"shop_cl": 20, "shop_pe": 10}},
        )
    )
    _record_tenant_run(instance, "shop_cl", "2026-11-20", dg.DagsterRunStatus.SUCCESS)
    _record_tenant_run(instance, "shop_pe", "2026-11-20", dg.DagsterRunStatus.SUCCESS)
    request = _publish(defs, instance)
    selected = {key.to_user_string() for key in request.asset_selection}
    assert "ml/ml_customer_predictions" not in selected
    names = {key.path[-1] for key in request.asset_selection}
    assert {"metabase_dashboards", "stg_ml__customer_predictions"} <= names
    assert request.tags["cerebro/models_refit"] == "false"


# The reference sensor (decision 0019) ----------------------------------------------------------


def _reference(defs, instance):
    from orchestration.sensors import reference_data_sensor

    return reference_data_sensor(dg.build_sensor_context(instance=instance, definitions=defs))


def _record_reference_builds(defs, instance, **built_from: str) -> None:
    """A build of every seed from its current file, or from the version named for it."""
    from orchestration.jobs import REFERENCE_ASSETS

    graph = defs.resolve_asset_graph()
    for key in REFERENCE_ASSETS.resolve(graph):
        version = built_from.get(key.path[-1], graph.get(key).code_version)
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key=key, tags={"dagster/code_version": version})
        )


def test_the_reference_sensor_builds_seeds_that_were_never_built(defs, instance):
    request = _reference(defs, instance)
    assert request.run_key.startswith("reference:")
    changed = set(request.tags["cerebro/reference_changed"].split(","))
    assert {"reference/channel_mapping", "reference/comunas"} <= changed


def test_the_reference_sensor_skips_seeds_built_from_their_current_files(defs, instance):
    _record_reference_builds(defs, instance)
    assert isinstance(_reference(defs, instance), dg.SkipReason)


def test_an_edited_seed_is_rebuilt_once_per_change(defs, instance):
    _record_reference_builds(defs, instance, channel_mapping="the file before the deploy")
    request = _reference(defs, instance)
    assert request.tags["cerebro/reference_changed"] == "reference/channel_mapping"
    assert _reference(defs, instance).run_key == request.run_key  # not started yet: same run
    # Built, then the deploy reverted: another change, another run.
    _record_reference_builds(defs, instance, channel_mapping="the file after the revert")
    assert _reference(defs, instance).run_key != request.run_key
