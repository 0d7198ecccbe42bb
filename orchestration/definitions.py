"""The Dagster code location: merges the definitions of the modules beside it."""

import dagster as dg
from dagster_dbt import DbtCliResource

from cerebro.settings import console_script
from orchestration.action_request_sensor import action_requests_sensor
from orchestration.activation_assets import activation_syncs
from orchestration.alert_assets import alert_notifications, notify_on_run_failure
from orchestration.clv_assets import clv_predictions
from orchestration.config_assets import tenants_table
from orchestration.dbt_assets import (
    dbt_ml_models,
    dbt_models,
    dbt_reference,
    unwritten_sources,
)
from orchestration.dbt_exposures import dashboard_specs
from orchestration.dbt_project import dbt_project
from orchestration.demo_assets import demo_datasets
from orchestration.ingestion_assets import landing_assets
from orchestration.jobs import (
    activation_job,
    daily_publish_job,
    daily_tenant_job,
    hourly_operations_job,
    platform_job,
    reference_data_job,
)
from orchestration.metabase_assets import every_card_runs_in_metabase, metabase_dashboards
from orchestration.mmm_assets import mmm_budget_brain
from orchestration.report_assets import scheduled_reports
from orchestration.resources import CerebroResource
from orchestration.run_history_assets import dagster_run_history
from orchestration.schedules import (
    activation_schedule,
    daily_tenant_schedule,
    hourly_operations_schedule,
)
from orchestration.sensors import (
    daily_publish_sensor,
    reference_data_sensor,
    tenant_partitions_sensor,
)

ASSETS = [
    demo_datasets,
    tenants_table,
    *landing_assets(),
    dbt_reference,
    dbt_models,
    clv_predictions,
    mmm_budget_brain,
    dbt_ml_models,
    metabase_dashboards,
    alert_notifications,
    scheduled_reports,
    dagster_run_history,
    activation_syncs,
]

defs = dg.Definitions(
    assets=[*ASSETS, *unwritten_sources(ASSETS), *dashboard_specs()],
    asset_checks=[every_card_runs_in_metabase],
    jobs=[
        platform_job,
        daily_tenant_job,
        hourly_operations_job,
        daily_publish_job,
        reference_data_job,
        activation_job,
    ],
    schedules=[daily_tenant_schedule, hourly_operations_schedule, activation_schedule],
    sensors=[
        tenant_partitions_sensor,
        reference_data_sensor,
        daily_publish_sensor,
        notify_on_run_failure,
        action_requests_sensor,
    ],
    resources={
        "cerebro": CerebroResource(),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=console_script("dbt")),
    },
    # DuckDB allows one writer at a time: steps run one after another in one process.
    executor=dg.in_process_executor,
)
