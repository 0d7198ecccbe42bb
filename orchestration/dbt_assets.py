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


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=CerebroDbtTranslator(),
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, cerebro: CerebroResource):
    """Runs `dbt build` for the selected models: seeds, models and their tests."""
    # profiles.yml reads the warehouse location from these variables.
    os.environ.update(cerebro.settings().dbt_env())
    yield from dbt.cli(["build"], context=context).stream()
