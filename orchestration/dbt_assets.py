"""dbt models, seeds and tests as Dagster assets and asset checks (dagster-dbt).

Three steps. ``dbt_models`` is partitioned per tenant and day (orchestration/partitions.py): a run
passes its window to dbt (in the environment, decision 0016), and the incremental models replace
just that window (plus their lookback; decision 0011); the other models of the step (views,
whole-history tables) are rebuilt.
A backfill of many partitions is a single run and a single dbt invocation.
``dbt_reference`` builds the seeds, which change with the code rather than with the day, when
their files change (the reference sensor, decision 0019); ``dbt_ml_models`` the models on the ML
outputs.
"""

import contextlib
import dataclasses
import os
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from cerebro.progress import note
from cerebro.serving.security import apply_tenant_isolation
from cerebro.settings import Settings, environment_set
from cerebro.spark.connect_server import reach_spark
from cerebro.spark.serving import land_for_dbt, registration_env, serve_spark_tables
from orchestration.dbt_checks import check_description
from orchestration.dbt_project import dbt_project, load_manifest
from orchestration.dbt_selection import (
    HOURLY_TAG,
    MACRO_TESTS,
    ML_MODELS,
    PARTITION_RUN_EXCLUDES,
    PARTITIONED_MODELS,
    REFERENCE_DATA,
)
from orchestration.freshness import DAILY_FRESHNESS, HOURLY_FRESHNESS
from orchestration.held_back import tenants_held_back
from orchestration.partitions import tenant_daily_partitions, window_of
from orchestration.resources import CerebroResource


class CerebroDbtTranslator(DagsterDbtTranslator):
    """Groups follow the dbt folder (staging, intermediate, marts, ...); seeds are 'reference';
    the marts, which dashboards read, carry the daily freshness policy, those tagged `hourly`
    the hourly one; a test's check is described by what it checks (orchestration/dbt_checks.py)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else None

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        # A NamedTuple: dagster-dbt describes a check by `meta.description` only.
        return spec._replace(description=check_description(manifest["nodes"][unique_id]))

    def get_asset_spec(self, manifest, unique_id, project) -> dg.AssetSpec:
        # Memoized as dagster-dbt memoizes its own part (by manifest object, node and
        # project): each node's spec is asked for again by every node downstream of it.
        memo = self.__dict__.setdefault("_cerebro_specs", {})
        memo_key = (id(manifest), unique_id, id(project))
        if memo_key not in memo:
            memo[memo_key] = self._with_freshness(
                super().get_asset_spec(manifest, unique_id, project),
                manifest["nodes"].get(unique_id, {}),
            )
        return memo[memo_key]

    @staticmethod
    def _with_freshness(spec: dg.AssetSpec, node: Mapping[str, Any]) -> dg.AssetSpec:
        if node.get("resource_type") == "model" and HOURLY_TAG in node.get("tags", []):
            return spec.replace_attributes(freshness_policy=HOURLY_FRESHNESS)
        if node.get("resource_type") == "model" and node.get("fqn", [None, None])[1] == "marts":
            return spec.replace_attributes(freshness_policy=DAILY_FRESHNESS)
        return spec


#: One translator and one manifest for every dbt asset, external asset and exposure built here:
#: the specs of the ~1 500 nodes are resolved once, not once per decorator (code location load).
TRANSLATOR = CerebroDbtTranslator()


def _build(
    args: list[str],
    context,
    dbt: DbtCliResource,
    cerebro: CerebroResource,
    run_env: Mapping[str, str] | None = None,
):
    # With CEREBRO_SPARK_REMOTE=local a step run alone (a schedule, the UI) starts its own
    # Spark Connect server; within `cerebro run` the run's server is already named in the
    # environment (decision 0049).
    with reach_spark(cerebro.settings()) as settings:
        yield from _build_reaching(settings, args, context, dbt, cerebro, run_env)


def _build_reaching(
    settings: Settings,
    args: list[str],
    context,
    dbt: DbtCliResource,
    cerebro: CerebroResource,
    run_env: Mapping[str, str] | None,
):
    # profiles.yml reads the warehouse location from these variables.
    os.environ.update(settings.dbt_env())
    log_path = settings.logs_dir / "dbt" / f"{context.op_def.name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    on_spark = settings.warehouse == "spark"
    try:
        if on_spark:  # Spark reads what Python wrote since the last dbt step (decision 0040)
            run_env = {**(run_env or {}), **registration_env(land_for_dbt(settings))}
        # dbt's process inherits the environment when it starts, inside cli(): `run_env` is
        # this invocation's alone, gone from ours before the next one starts.
        with environment_set(run_env or {}):
            invocation = dbt.cli(
                ["build", *args],
                context=context,
                target_path=_run_folder(settings, context.op_def.name),
            )
        # dagster-dbt echoes each of dbt's lines to stdout (hundreds per build): they go to
        # the step's log file, and `cerebro run` shows the one-line summary.
        with log_path.open("w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
            yield from invocation.stream()
        summary = _results_summary(invocation)
        if on_spark:
            serving_log = log_path.with_name(f"{context.op_def.name}.serving.log")
            summary += f", {serve_spark_tables(settings, serving_log)} Spark tables served"
        note(context, f"{summary} · log {log_path}")
    except Exception:
        note(context, f"dbt's log: {log_path}")
        raise
    finally:
        # dbt recreates the marts' tables, and their row-level security with them (decision
        # 0009): tenant roles cannot read a rebuilt table until this runs (PostgreSQL only).
        context.log.info(apply_tenant_isolation(cerebro.warehouse()).summary())


#: dbt folders (artifacts and dbt.log) kept per step, the latest ones: a night's runs, for
#: reading what went wrong, not one more every run forever.
KEPT_DBT_RUNS = 5


def _run_folder(settings: Settings, step: str) -> Path:
    """This invocation's dbt folder, under the data directory (the code checkout may be
    read-only, and it grew by one folder per step and run); older ones of the step pruned."""
    runs = settings.data_dir / "dbt_runs"
    older = sorted(runs.glob(f"{step}-*"), key=lambda path: path.stat().st_mtime)
    for folder in older[: max(0, len(older) - KEPT_DBT_RUNS + 1)]:
        # Over an hour old: never a folder another run of this step is writing now.
        if time.time() - folder.stat().st_mtime > 3600:
            shutil.rmtree(folder, ignore_errors=True)
    started = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    return runs / f"{step}-{started}-{uuid.uuid4().hex[:7]}"


def _results_summary(invocation) -> str:
    """``"82 built, 135 tests passed, 2 warned"``: the build's nodes by outcome."""
    results = invocation.get_artifact("run_results.json")["results"]
    # Hooks (the project's on-run-start) are operations, not the build's nodes.
    statuses = Counter(r["status"] for r in results if not r["unique_id"].startswith("operation."))
    parts = {
        "built": statuses["success"],
        "tests passed": statuses["pass"],
        "warned": statuses["warn"],
        "failed": statuses["fail"] + statuses["error"],
        "skipped": statuses["skipped"],
    }
    return ", ".join(f"{count} {outcome}" for outcome, count in parts.items() if count)


@dbt_assets(
    manifest=load_manifest(),
    project=dbt_project,
    dagster_dbt_translator=TRANSLATOR,
    select=PARTITIONED_MODELS,
    exclude=f"{ML_MODELS} {MACRO_TESTS}",
    partitions_def=tenant_daily_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, cerebro: CerebroResource):
    """Runs `dbt build` for the run's tenants and days: models and their data tests (scoped to
    the window, decision 0015)."""
    window = window_of(context.partition_keys)
    held = tenants_held_back(context.instance, context.run_id)
    if held:
        for tenant, check in sorted(held.items()):
            context.log.warning(
                f"{tenant}: left out of this dbt step, its marts unchanged ({check})"
            )
        kept = tuple(t for t in window.tenants if t not in held)
        if not kept:
            raise dg.Failure(f"every tenant of the run was held back by its checks: {held}")
        window = dataclasses.replace(window, tenants=kept)
    context.log.info(
        f"dbt window: {', '.join(window.tenants)} from {window.start} to {window.end} "
        "(incremental models also re-read their lookback)"
    )
    # The window travels in the environment, not as --vars: new vars would make dbt re-parse
    # the whole project on every run (decision 0016).
    yield from _build(list(PARTITION_RUN_EXCLUDES), context, dbt, cerebro, window.dbt_env())


@dbt_assets(
    manifest=load_manifest(),
    project=dbt_project,
    dagster_dbt_translator=TRANSLATOR,
    select=REFERENCE_DATA,
    exclude=f"{MACRO_TESTS} {PARTITIONED_MODELS}",
    name="dbt_reference",
)
def dbt_reference(context: dg.AssetExecutionContext, dbt: DbtCliResource, cerebro: CerebroResource):
    """Runs `dbt build` for the seeds (channel mapping, comunas, gateways, RFM segments, ...)
    and their tests. A seed's code version is its file's checksum, which the reference sensor
    compares with the last build's."""
    yield from _build([], context, dbt, cerebro)


@dbt_assets(
    manifest=load_manifest(),
    project=dbt_project,
    dagster_dbt_translator=TRANSLATOR,
    select=ML_MODELS,
    name="dbt_ml_models",
)
def dbt_ml_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, cerebro: CerebroResource):
    """Runs `dbt build` for the models on the ML outputs (staging/ml and everything downstream
    of it: marts/ml, marts/budget, marts/executive, the model-health marts) and their tests."""
    yield from _build([], context, dbt, cerebro)


def unwritten_sources(assets: Iterable[dg.AssetsDefinition]) -> list[dg.AssetSpec]:
    """The dbt sources that none of ``assets`` materializes, as external assets.

    Cerebro writes these tables outside the asset graph: the run history (`cerebro run`,
    before and after each run), the activation log (appended by each sync) and the quarantine
    (filled by the landing assets' contract checks). Without a spec Dagster draws them as bare
    stubs in group `default`; with one, each has its dbt description and columns, grouped by
    the schema it lives in.
    """
    defined = {key for asset in assets for key in asset.keys}
    manifest = load_manifest()
    specs = []
    for unique_id, source in sorted(manifest["sources"].items()):
        spec = TRANSLATOR.get_asset_spec(manifest, unique_id, dbt_project)
        if spec.key in defined:
            continue
        specs.append(
            dg.AssetSpec(
                key=spec.key,
                description=source["description"].strip(),
                group_name=source["schema"],
                kinds={"table"},
                metadata={
                    name: spec.metadata[name]
                    for name in ("dagster/column_schema", "dagster/table_name")
                    if name in spec.metadata
                },
            )
        )
    return specs
