"""The Dagster code location: merges the definitions of the modules beside it."""

import dagster as dg
from dagster_dbt import DbtCliResource

from cerebro.settings import console_script
from orchestration.clv_assets import clv_predictions
from orchestration.config_assets import tenants_table
from orchestration.dbt_assets import dbt_ml_models, dbt_models
from orchestration.dbt_project import dbt_project
from orchestration.demo_assets import demo_datasets
from orchestration.ingestion_assets import landing_assets
from orchestration.jobs import platform_job
from orchestration.metabase_assets import every_card_runs_in_metabase, metabase_dashboards
from orchestration.mmm_assets import mmm_budget_brain
from orchestration.resources import CerebroResource

defs = dg.Definitions(
    assets=[
        demo_datasets,
        tenants_table,
        *landing_assets(),
        dbt_models,
        clv_predictions,
        mmm_budget_brain,
        dbt_ml_models,
        metabase_dashboards,
    ],
    asset_checks=[every_card_runs_in_metabase],
    jobs=[platform_job],
    resources={
        "cerebro": CerebroResource(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=console_script("dbt")),
    },
    # DuckDB allows one writer at a time: steps run one after another in one process.
    executor=dg.in_process_executor,
)
