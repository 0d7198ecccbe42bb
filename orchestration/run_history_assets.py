"""Dagster's own run history, copied to the warehouse for the "Salud de datos" page."""

import dagster as dg

from orchestration.resources import CerebroResource
from orchestration.run_history import write_run_history


@dg.asset(group_name="ops", kinds={"dagster"})
def dagster_run_history(
    context: dg.AssetExecutionContext, cerebro: CerebroResource
) -> dg.MaterializeResult:
    """Copies the instance's runs (status, times, tenant and partition days) to
    `ops.dagster_runs`, which `marts.mart_pipeline_runs` and the reliability mart read. The
    daily publish run refreshes it; `cerebro run` also writes it before and after its run."""
    runs = write_run_history(cerebro.warehouse(), context.instance)
    return dg.MaterializeResult(metadata={"runs": runs})
