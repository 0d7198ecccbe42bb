"""Sensors: tenants become partitions, changed seed files are rebuilt, and each day's publish
step follows its tenant runs."""

from __future__ import annotations

import datetime as dt
import hashlib

import dagster as dg
from dagster._core.definitions.data_version import CODE_VERSION_TAG

from cerebro.model_refresh import models_refresh_due
from orchestration.clv_assets import PREDICTIONS
from orchestration.jobs import (
    MODEL_ASSETS,
    PUBLISH_ASSETS,
    REFERENCE_ASSETS,
    daily_publish_job,
    daily_tenant_job,
    reference_data_job,
)
from orchestration.partitions import TENANT_PARTITIONS, tenant_partitions, tenants_of_run
from orchestration.resources import CerebroResource
from orchestration.schedules import PUBLISH_DATE_TAG, TENANTS_EXPECTED_TAG

FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
#: What the refresh rule counts as new data, and the asset whose last fit it compares with.
ORDERS_KEY = dg.AssetKey(["shopify", "orders"])
FIT_KEY = PREDICTIONS


@dg.sensor(
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Adds the tenants file's new tenants.",
)
def tenant_partitions_sensor(context: dg.SensorEvaluationContext, cerebro: CerebroResource):
    known = set(context.instance.get_dynamic_partitions(TENANT_PARTITIONS))
    missing = [t.tenant_id for t in cerebro.tenants() if t.tenant_id not in known]
    if not missing:
        return dg.SkipReason("every tenant of the tenants file has its partitions")
    add = tenant_partitions.build_add_request(missing)
    return dg.SensorResult(dynamic_partitions_requests=[add])


def _built_code_version(instance: dg.DagsterInstance, key: dg.AssetKey) -> str | None:
    """The code version the asset's last materialization was built from (None: never built)."""
    event = instance.get_latest_materialization_event(key)
    if event is None or event.asset_materialization is None:
        return None
    return event.asset_materialization.tags.get(CODE_VERSION_TAG)


@dg.sensor(
    job=reference_data_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Builds the dbt seeds when a seed file differs from the one their last build read "
        "(a deploy that edits the channel mapping or the comunas), or they were never built."
    ),
)
def reference_data_sensor(context: dg.SensorEvaluationContext):
    graph = context.repository_def.asset_graph
    # A seed's code version is its file's checksum (dagster-dbt's default for seeds).
    changed = {}
    for key in sorted(REFERENCE_ASSETS.resolve(graph)):
        built, current = _built_code_version(context.instance, key), graph.get(key).code_version
        if built != current:
            changed[key.to_user_string()] = f"{built}->{current}"
    if not changed:
        return dg.SkipReason("every seed was built from its current file")
    # The run key is the change (what was built, what the files hold now): a re-evaluation
    # before the run has finished asks for nothing new, and a later revert is a change again.
    change = ",".join(f"{key}:{versions}" for key, versions in changed.items())
    return dg.RunRequest(
        run_key=f"reference:{hashlib.sha256(change.encode()).hexdigest()[:16]}",
        tags={"cerebro/reference_changed": ",".join(changed)[:200]},
    )


def _latest_run_per_tenant(
    runs: list[dg.DagsterRun], instance: dg.DagsterInstance
) -> dict[str, dg.DagsterRun]:
    """Re-executions share the tick's tags: a tenant's latest run is its outcome (a run of
    several tenants is each one's). ``runs`` are newest first, as Dagster lists them."""
    latest: dict[str, dg.DagsterRun] = {}
    for run in reversed(runs):
        for tenant in tenants_of_run(run.tags, instance):
            latest[tenant] = run
    return latest


def _orders_landed_since(instance: dg.DagsterInstance, since: float | None) -> tuple[int, int]:
    """Orders synced after ``since`` (from landing metadata) and the orders landed in total."""
    records = instance.fetch_materializations(ORDERS_KEY, limit=1000, ascending=False).records
    total, landed = 0, 0
    for index, record in enumerate(records):
        metadata = record.asset_materialization.metadata
        if index == 0 and "rows" in metadata:
            total = int(metadata["rows"].value)
        if since is None or record.timestamp > since:
            synced = metadata.get("records_synced_this_run")
            landed += sum((synced.value if synced else {}).values())
    return landed, total


@dg.sensor(
    job=daily_publish_job,
    minimum_interval_seconds=120,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Once every tenant run of a daily tick has finished: the publish step, with the CLV and "
        "budget brains when a refit is due (weekly, or 10 % more orders)."
    ),
)
def daily_publish_sensor(context: dg.SensorEvaluationContext):
    runs = context.instance.get_runs(
        filters=dg.RunsFilter(job_name=daily_tenant_job.name), limit=500
    )
    by_date: dict[str, list[dg.DagsterRun]] = {}
    for run in runs:
        if PUBLISH_DATE_TAG in run.tags:
            by_date.setdefault(run.tags[PUBLISH_DATE_TAG], []).append(run)
    if not by_date:
        return dg.SkipReason("no scheduled tenant runs yet")
    publish_date = max(by_date)
    latest = _latest_run_per_tenant(by_date[publish_date], context.instance)
    expected = max(int(r.tags.get(TENANTS_EXPECTED_TAG, "0")) for r in by_date[publish_date])
    pending = [t for t, r in latest.items() if r.status not in FINISHED]
    if len(latest) < expected or pending:
        finished = len(latest) - len(pending)
        return dg.SkipReason(f"{publish_date}: {finished} of {expected} tenants' runs finished")
    last_fit = context.instance.get_latest_materialization_event(FIT_KEY)
    since = last_fit.timestamp if last_fit else None
    landed, total = _orders_landed_since(context.instance, since)
    decision = models_refresh_due(
        last_refresh_at=dt.datetime.fromtimestamp(since, dt.UTC) if since else None,
        now=dt.datetime.now(dt.UTC),
        orders_landed_since=landed,
        orders_total=total,
    )
    selection = PUBLISH_ASSETS if decision.due else PUBLISH_ASSETS - MODEL_ASSETS
    failed = sorted(t for t, r in latest.items() if r.status != dg.DagsterRunStatus.SUCCESS)
    return dg.RunRequest(
        run_key=f"publish:{publish_date}",
        asset_selection=sorted(selection.resolve(context.repository_def.asset_graph)),
        tags={
            PUBLISH_DATE_TAG: publish_date,
            "cerebro/models_refit": str(decision.due).lower(),
            "cerebro/models_refit_reason": decision.reason,
            "cerebro/tenants_failed": ",".join(failed) or "none",
        },
    )
