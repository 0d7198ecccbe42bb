"""Metabase as a Dagster asset: the dashboard specs provisioned after the marts they read, and
a check that runs every card's query through Metabase.

Metabase is optional. Without ``METABASE_URL`` the asset materializes with a note and does
nothing, so the embedded DuckDB demo (and its platform job) never depends on a Metabase. With
it, every platform run re-applies the specs, which also moves the dashboards' default dates
to the newest data.
"""

import dagster as dg

from cerebro.progress import note
from cerebro.serving.dashboards.spec import load_dashboards
from cerebro.serving.metabase.client import MetabaseAuthError, MetabaseSetupError
from cerebro.serving.metabase.context import dashboard_tables, read_context
from cerebro.serving.metabase.provision import provision, run_cards
from cerebro.serving.metabase.settings import load_metabase_settings
from orchestration.resources import CerebroResource

#: The marts the specs read (parsing the YAML specs reads files only: no network, no secret).
MARTS = sorted(set().union(*(dashboard_tables(d) for d in load_dashboards())))
NOT_CONFIGURED = (
    "skipped: METABASE_URL is not set, so there is no Metabase to provision "
    "(see docs/metabase.md); the static dashboards cover this case"
)


@dg.asset(
    name="metabase_dashboards",
    group_name="metabase",
    kinds={"metabase"},
    deps=[dg.AssetKey(["marts", table]) for table in MARTS],
    # Metabase may be restarting (an upgrade migrates its database first): try again later.
    retry_policy=dg.RetryPolicy(max_retries=2, delay=30),
)
def metabase_dashboards(
    context: dg.AssetExecutionContext, cerebro: CerebroResource
) -> dg.MaterializeResult:
    """Provisions the dashboard specs (`metabase/dashboards/*.yml`) in Metabase for every
    tenant: a connection as the tenant's row-level-security role, a collection with its cards
    and dashboards, groups per role and their permissions (`metabase/access.yml`), and the
    agency's portfolio. Idempotent: objects are found by their `[cerebro:key=…]` marker,
    updated in place, and what no spec or tenant asks for is archived. Skipped when
    METABASE_URL is not set."""
    settings = load_metabase_settings()
    if settings is None:
        note(context, NOT_CONFIGURED)
        return dg.MaterializeResult(metadata={"status": NOT_CONFIGURED})
    dashboards = load_dashboards()
    provisioning_context = read_context(dashboards, cerebro.tenants(), cerebro.warehouse())
    try:
        result = provision(settings, dashboards, provisioning_context)
    except (MetabaseAuthError, MetabaseSetupError) as error:
        # A refused credential or warehouse connection: retrying in 30 s meets the same answer.
        raise dg.Failure(str(error), allow_retries=False) from error
    for warning in result.notes:
        context.log.warning(warning)
    context.log.info(result.plan.summary())
    return dg.MaterializeResult(metadata={"status": "applied", **result.metadata()})


#: Without Metabase there is nothing to run the cards through: the check yields no result, so
#: Dagster records it as skipped (a check planned in a run that succeeded without evaluating
#: it), neither passed nor failed. A passed result here would claim cards were checked.
@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            name="every_card_runs_in_metabase",
            asset=metabase_dashboards.key,
            description="Runs each card's saved question through Metabase (POST "
            "/api/card/:id/query, default filters) and fails listing the cards whose query "
            "errors. Skipped when METABASE_URL is not set.",
        )
    ],
    # Subsettable, so that not yielding the result is allowed (and recorded as skipped).
    can_subset=True,
    name="every_card_runs_in_metabase",
)
def every_card_runs_in_metabase(context: dg.AssetCheckExecutionContext, cerebro: CerebroResource):
    settings = load_metabase_settings()
    if settings is None:
        note(context, NOT_CONFIGURED)
        return
    tenant_ids = [tenant.tenant_id for tenant in cerebro.tenants()]
    runs, calls = run_cards(settings, load_dashboards(), tenant_ids)
    failed = {run.key: run.error for run in runs if run.error is not None}
    yield dg.AssetCheckResult(
        passed=not failed,
        description=f"{len(failed)} of {len(runs)} cards failed: {', '.join(failed)}"
        if failed
        else f"all {len(runs)} cards ran",
        metadata={"cards": len(runs), "failed": failed, "api_calls": calls},
    )
