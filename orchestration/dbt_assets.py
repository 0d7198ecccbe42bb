"""dbt models, seeds and tests as Dagster assets and asset checks (dagster-dbt)."""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.dbt_project import dbt_project
from orchestration.resources import CerebroResource


class CerebroDbtTranslator(DagsterDbtTranslator):
    """Groups follow the dbt folder (staging, intermediate, marts, ...); seeds are 'reference'."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else None


#: Models on the ML outputs. Those outputs are dbt sources written by Python assets that read
#: the marts, so these models are a second dbt step: in one step the graph would be a cycle.
#: Everything downstream of staging/ml belongs there, wherever it lives (marts/ml, the budget,
#: executive and model-health marts), hence the `+` rather than a list of folders.
ML_MODELS = "path:models/staging/ml+"


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, cerebro: CerebroResource):
    # profiles.yml reads the warehouse location from these variables.
    os.environ.update(cerebro.settings().dbt_env())
    yield from dbt.cli(["build"], context=context).stream()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=CerebroDbtTranslator(),
    exclude=ML_MODELS,
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, cerebro: CerebroResource):
    """Runs `dbt build` for the selected models: seeds, models and their tests."""
    yield from _build(context, dbt, cerebro)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=CerebroDbtTranslator(),
    select=ML_MODELS,
    name="dbt_ml_models",
)
def dbt_ml_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, cerebro: CerebroResource):
    """Runs `dbt build` for the models on the ML outputs (staging/ml and everything downstream
    of it: marts/ml, marts/budget, marts/executive, the model-health marts) and their tests."""
    yield from _build(context, dbt, cerebro)
