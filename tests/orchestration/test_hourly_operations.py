"""The hourly operations job and schedule (decision 0034): what the job selects, evaluated from
the loaded definitions and the dbt manifest, and the schedule's ticks on an ephemeral instance
(no run is executed here; benchmarks/hourly_bench.py runs the job on the demo)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.resources import CerebroResource
from tests.support.dagster_instance import dagster_test_instance
from tests.support.dbt_manifest import prepared_dbt_manifest

SANTIAGO = ZoneInfo("America/Santiago")
TENANTS_YAML = """
tenants:
  - {tenant_id: shop_cl, name: Chile, timezone: America/Santiago, currency: CLP,
     country_code: CL, demo: {profile: cl_services}, sources: {shopify: {tap: demo}}}
  - {tenant_id: shop_es, name: España, timezone: Europe/Madrid, currency: EUR,
     country_code: ES, demo: {profile: cl_services}, sources: {shopify: {tap: demo}}}
  - {tenant_id: ads_only, name: Solo anuncios, timezone: America/Lima, currency: PEN,
     country_code: PE, demo: {profile: cl_services}, sources: {meta_ads: {tap: demo}}}
"""
OPERATIONAL_MARTS = {"mart_orders_daily", "mart_order_completions_daily", "mart_checkouts_daily"}
#: Daily models the hourly run must leave alone: revenue and spend (finance), customers, the
#: models' inputs and outputs.
DAILY_ONLY = {
    "mart_customer_orders_daily", "mart_acquisition_daily", "mart_channel_spend_daily",
    "mart_services_daily", "fct_ad_spend_daily", "fct_order_lines", "dim_customers",
    "mart_rfm_customers", "mart_cohort_retention", "mart_customer_retention_daily",
    "mart_channel_value_monthly", "mart_budget_channels", "mart_executive_insights",
}  # fmt: skip


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    prepared_dbt_manifest()
    from orchestration.definitions import defs

    return defs


@pytest.fixture(scope="module")
def hourly_assets(defs) -> set[str]:
    job = defs.resolve_job_def("hourly_operations")
    return {key.to_user_string() for key in job.asset_layer.executable_asset_keys}


def _manifest() -> dict:
    from orchestration.dbt_project import dbt_project

    return json.loads(dbt_project.manifest_path.read_text())


def test_the_hourly_job_lands_shopify_and_builds_the_operational_marts(hourly_assets):
    models = {key.split("/")[-1] for key in hourly_assets}
    assert OPERATIONAL_MARTS | {"fct_orders", "fct_checkouts", "mart_landing_daily"} <= models
    assert {"shopify/orders", "shopify/checkouts"} <= hourly_assets
    # No other source is landed: Shopify is the one synced every hour.
    assert {key.split("/")[0] for key in hourly_assets if "/" in key} <= {
        "shopify", "staging", "intermediate", "marts",
    }  # fmt: skip
    assert not any(key.startswith(("meta_ads/", "google_ads/")) for key in hourly_assets)


def test_the_hourly_job_builds_no_daily_model_and_nothing_downstream(hourly_assets):
    models = {key.split("/")[-1] for key in hourly_assets}
    assert models.isdisjoint(DAILY_ONLY)
    manifest = _manifest()
    nodes = {node["name"]: node for node in manifest["nodes"].values()}
    seeds = {name for name, node in nodes.items() if node["resource_type"] == "seed"}
    assert models.isdisjoint(seeds)
    # Every dbt model it builds is tagged hourly or read (directly or not) by one that is, and
    # none is a table: on PostgreSQL dbt replaces a table by dropping it with cascade, which
    # drops the views over it that the hourly run does not build again.
    tagged = {name for name, node in nodes.items() if "hourly" in node["tags"]}
    assert tagged == OPERATIONAL_MARTS | {"mart_landing_daily"}
    needed, frontier = set(), [nodes[name]["unique_id"] for name in tagged]
    while frontier:
        unique_id = frontier.pop()
        if unique_id in needed:
            continue
        needed.add(unique_id)
        frontier += manifest["nodes"].get(unique_id, {}).get("depends_on", {}).get("nodes", [])
    needed_models = {uid.split(".")[-1] for uid in needed if uid.startswith("model.")}
    tables = {name for name, node in nodes.items() if node["config"]["materialized"] == "table"}
    dbt_models = {name for name in models if name in nodes}
    assert "dim_tenants" in needed_models & tables
    assert dbt_models == needed_models - tables


def test_hourly_runs_are_tagged_hourly_and_daily_runs_daily(defs):
    assert defs.resolve_job_def("hourly_operations").tags["cerebro/cadence"] == "hourly"
    assert defs.resolve_job_def("daily_tenant").tags["cerebro/cadence"] == "daily"


def test_the_operational_marts_promise_an_hour_and_the_others_a_day(defs):
    graph = defs.resolve_asset_graph()
    policy = {
        key.path[-1]: graph.get(key).freshness_policy
        for key in graph.get_all_asset_keys()
        if key.path[-1] in OPERATIONAL_MARTS | {"mart_customer_orders_daily"}
    }
    hours = {
        name: p.fail_window.to_timedelta() / dt.timedelta(hours=1) for name, p in policy.items()
    }
    assert hours == {**dict.fromkeys(OPERATIONAL_MARTS, 2.0), "mart_customer_orders_daily": 36.0}


@pytest.fixture
def cerebro(tmp_path) -> CerebroResource:
    tenants_file = tmp_path / "tenants.yml"
    tenants_file.write_text(TENANTS_YAML, encoding="utf-8")
    return CerebroResource(tenants_file=str(tenants_file), data_dir=str(tmp_path))


def _tick(cerebro, when: dt.datetime) -> list[dg.RunRequest]:
    from orchestration.schedules import hourly_operations_schedule

    with (
        dagster_test_instance() as instance,
        dg.build_schedule_context(
            instance=instance, scheduled_execution_time=when, resources={"cerebro": cerebro}
        ) as context,
    ):
        return list(hourly_operations_schedule(context))


def _range(request: dg.RunRequest) -> tuple[str, str]:
    """The first and last partition of a run for several tenants (decision 0078)."""
    assert request.partition_key is None
    return (
        request.tags["dagster/asset_partition_range_start"],
        request.tags["dagster/asset_partition_range_end"],
    )


def test_each_tick_asks_for_today_in_each_shopify_tenants_timezone(cerebro, defs):
    # 15:15 in Santiago on 23 November 2026 (UTC-3) is 19:15 in Madrid: today for both, so
    # one run for both. The tenant without Shopify gets no run.
    (request,) = _tick(cerebro, dt.datetime(2026, 11, 23, 15, 15, tzinfo=SANTIAGO))
    assert _range(request) == ("2026-11-23|shop_cl", "2026-11-23|shop_es")
    assert request.run_key == "hourly:shop_cl..shop_es:2026-11-23T18"


def test_after_midnight_east_of_santiago_the_tick_finishes_the_day_that_ended(cerebro, defs):
    # 21:15 in Santiago is 01:15 on the 24th in Madrid: the partitions end on Santiago's today,
    # so Madrid's run refreshes the 23rd, whose last hours it lands; the 24th comes at
    # Santiago's midnight.
    when = dt.datetime(2026, 11, 23, 21, 15, tzinfo=SANTIAGO)
    (request,) = _tick(cerebro, when)
    assert _range(request) == ("2026-11-23|shop_cl", "2026-11-23|shop_es")
    # Dagster accepts those days: the partitions reach Santiago's today (end_offset 1).
    from orchestration.partitions import daily_partitions

    days = daily_partitions.get_partition_keys(current_time=when)
    assert days[-1] == "2026-11-23"


def test_the_hourly_schedule_fires_every_hour_in_santiago(defs):
    schedule = defs.get_schedule_def("hourly_operations_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone, schedule.job_name) == (
        "15 * * * *",
        "America/Santiago",
        "hourly_operations",
    )
