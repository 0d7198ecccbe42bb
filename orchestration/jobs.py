"""Jobs: the whole platform in one run."""

import dagster as dg

platform_job = dg.define_asset_job(
    name="cerebro_platform",
    selection=dg.AssetSelection.all(),
    description=(
        "Everything, in order: demo data, tenants, Singer landing for every source and tenant, "
        "dbt build (models and tests)."
    ),
)
