"""The tenants file, written into the warehouse for dbt to read."""

import dagster as dg

from cerebro.tenants import tenants_frame
from orchestration.resources import CerebroResource


@dg.asset(
    key=["cerebro_config", "tenants"],
    group_name="configuration",
    kinds={"python", "duckdb"},
)
def tenants_table(cerebro: CerebroResource) -> dg.MaterializeResult:
    """The tenants of the tenants file (timezone, currency, country), as a warehouse table."""
    frame = tenants_frame(cerebro.tenants())
    cerebro.warehouse().replace_table("cerebro_config", "tenants", frame)
    return dg.MaterializeResult(
        metadata={
            "tenants": dg.MetadataValue.md(frame.to_markdown(index=False)),
            "rows": len(frame),
        }
    )
