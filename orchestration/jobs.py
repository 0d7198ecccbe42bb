"""Jobs: the whole platform in one run, and the two halves the daily schedule runs.

- ``cerebro_platform``: everything, in order (``cerebro run``, manual runs): the run's partitions
  (usually yesterday for every tenant) are landed and built, then models, dashboards and
  notifications are refreshed.
- ``daily_tenant``: one tenant's day — demo data, tenants table, Singer landing and the
  partitioned dbt step. The schedule launches one run per tenant, so a failing source or check
  holds back only its own tenant.
- ``reference_data``: the dbt seeds and their tests, which the reference sensor launches when a
  seed file changed (decision 0019).
- ``daily_publish``: what reads every tenant's marts — the CLV and budget brains (when due), the
  dbt models on their outputs, Metabase, alerts and reports. The publish sensor launches it once
  every tenant's daily run has finished.
- ``hourly_operations``: one tenant's today, every hour: Shopify landed from its saved state
  and the dbt models behind the operational figures (dbt selector ``hourly_operations``).
  Tagged ``cerebro/cadence: hourly``; the next night's daily run rebuilds the same days and
  stays the source of truth (decision 0034).
- ``activation_sync``: one tenant's segments synced to their destinations (issue 24). It sends
  to customers, so it is in no other job: its schedule is off until a user turns it on.
"""

import dagster as dg
from dagster_dbt import build_dbt_asset_selection

from orchestration.activation_assets import activation_syncs
from orchestration.clv_assets import clv_predictions
from orchestration.dbt_assets import dbt_ml_models, dbt_models, dbt_reference
from orchestration.metabase_assets import metabase_dashboards
from orchestration.mmm_assets import mmm_budget_brain
from orchestration.run_history_assets import dagster_run_history

PLATFORM_JOB = "cerebro_platform"
HOURLY_JOB = "hourly_operations"

#: Marks what kind of run wrote a partition: an hourly run refreshes today's operational
#: figures between daily runs, which remain the source of truth (finance reads only them).
CADENCE_TAG = "cerebro/cadence"

#: Unpartitioned assets that read the marts of every tenant.
MODEL_ASSETS = dg.AssetSelection.assets(clv_predictions, mmm_budget_brain)
PUBLISH_ASSETS = (
    MODEL_ASSETS
    | dg.AssetSelection.assets(dbt_ml_models, metabase_dashboards, dagster_run_history)
    | dg.AssetSelection.groups("notifications")
)

#: The seeds: built by the platform job and when their files change, not by daily runs.
REFERENCE_ASSETS = dg.AssetSelection.assets(dbt_reference)

#: Syncs to vendors: only their own job runs them (never `cerebro run`, never the daily runs).
ACTIVATION_ASSETS = dg.AssetSelection.assets(activation_syncs)

platform_job = dg.define_asset_job(
    name=PLATFORM_JOB,
    selection=dg.AssetSelection.all() - ACTIVATION_ASSETS,
    description=(
        "Everything, in order: demo data, tenants, Singer landing and dbt for the run's "
        "tenants and days, the CLV and budget brains, Metabase, alerts and reports."
    ),
)

daily_tenant_job = dg.define_asset_job(
    name="daily_tenant",
    selection=dg.AssetSelection.all() - PUBLISH_ASSETS - REFERENCE_ASSETS - ACTIVATION_ASSETS,
    description="One tenant's day: Singer landing and the partitioned dbt step (with tests).",
    tags={CADENCE_TAG: "daily"},
)

#: The hourly run: Shopify's landing (one multi-asset: every Shopify table) and the dbt models
#: of the selector of the same name (dbt_project/selectors.yml), so the list of models has one
#: home, usable by hand as `dbt build --selector hourly_operations`.
HOURLY_ASSETS = dg.AssetSelection.key_prefixes(["shopify"]) | build_dbt_asset_selection(
    [dbt_models], dbt_selector=HOURLY_JOB
)

hourly_operations_job = dg.define_asset_job(
    name=HOURLY_JOB,
    selection=HOURLY_ASSETS,
    description=(
        "One tenant's today, every hour: Shopify landed incrementally from its saved state, "
        "then the operational marts (orders by hour and comuna, cancellations, cycle time, "
        "cart abandonment) and the landing mart behind each source's lag."
    ),
    tags={CADENCE_TAG: "hourly"},
)

reference_data_job = dg.define_asset_job(
    name="reference_data",
    selection=REFERENCE_ASSETS,
    description="The dbt seeds (channel mapping, comunas, gateways, RFM segments) and their tests.",
)

daily_publish_job = dg.define_asset_job(
    name="daily_publish",
    selection=PUBLISH_ASSETS,
    description=(
        "After every tenant's daily run: CLV and budget brains when due, the dbt models on "
        "their outputs, Metabase dashboards, alerts and scheduled reports."
    ),
)

activation_job = dg.define_asset_job(
    name="activation_sync",
    selection=ACTIVATION_ASSETS,
    description=(
        "One tenant's configured segments synced to their destinations (consented members "
        "only, a control group held out, every answer in ops.activation_log)."
    ),
)
