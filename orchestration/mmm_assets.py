"""The budget brain for every tenant: marketing-mix model, response curves and budget scenarios,
written to the `ml` schema for dbt and the Metabase "Simulador" to read.

The asset keys are those the dbt source `ml` gives these tables, and the asset runs after the
marts it reads (among them the value of a new customer per channel, which turns the
new-customers model into an expected-value plan).
"""

import datetime as dt
from pathlib import Path

import dagster as dg
import pandas as pd

from cerebro.actions.requests.experiments import tenant_lift_tests
from cerebro.progress import note
from ml_assets.mmm.guards import (
    allocations_guard,
    contributions_guard,
    curves_guard,
    intervals_guard,
)
from ml_assets.mmm.model import MODEL_VERSION
from ml_assets.mmm.scenarios import load_scenarios
from ml_assets.mmm.tenant import NO_AD_SPEND, TenantInputs
from ml_assets.mmm.tenant_pool import TenantJob, model_tenants
from orchestration.resources import CerebroResource
from orchestration.tenant_runs import TenantRuns, check_results, replace_tables, run_per_tenant

#: Named scenarios (see the file's header).
SCENARIOS_FILE = Path(__file__).resolve().parents[1] / "cerebro" / "scenarios.yml"
TABLES = (
    "ml_mmm_channel_summary",
    "ml_mmm_contributions",
    "ml_mmm_response_curves",
    "ml_mmm_diagnostics",
    "ml_mmm_backtest",
    "ml_budget_scenarios",
    "ml_budget_recommendations",
    "ml_mmm_models",
)
KEYS = {table: dg.AssetKey(["ml", table]) for table in TABLES}
DESCRIPTIONS = {
    "ml_mmm_channel_summary": "One row per tenant, target and paid channel: spend, "
    "contribution, ROI and marginal ROI with intervals, identified flag.",
    "ml_mmm_contributions": "One row per tenant, target, day and component (channel, "
    "baseline, event, control): its contribution to the fitted total.",
    "ml_mmm_response_curves": "One row per tenant, target, channel and spend level: "
    "incremental target per day with interval.",
    "ml_mmm_diagnostics": "One row per tenant, target and metric: errors in sample and on "
    "the holdout, hyperparameters, decomposition shares, identification statistics.",
    "ml_mmm_backtest": "One row per tenant, target and held-out day: actual vs predicted by "
    "a refit that did not see the holdout's target.",
    "ml_budget_scenarios": "One row per tenant, target, objective, scenario and channel: "
    "optimal spend and expected change with interval.",
    "ml_budget_recommendations": "One row per tenant, target, objective and channel: the "
    "advice for today's budget (aumentar, reducir, mantener, experimentar), the recommended "
    "spend, the expected change with interval and the experiment that would measure an "
    "unidentified channel; every page sentence about a channel's budget is written from it.",
    "ml_mmm_models": "One row per tenant and target: the fitted model as its JSON document "
    "(posterior draws of every curve), which the static Simulador plans on in the browser.",
}
MARTS = [
    dg.AssetKey(["marts", name])
    for name in (
        "mart_channel_spend_daily",
        "mart_ad_spend_gaps",
        "fct_calendar_events",
        "mart_mmm_inputs_daily",
        "mart_mmm_first_days_revenue",
        "mart_new_customer_value",
    )
]
#: The marts' rows of one tenant, as ``TenantInputs`` names them. The sums are the marts'
#: (dbt_project/models/marts/ml_inputs, doc block mmm_inputs): these are reads.
QUERIES = {
    "spend": """
        select spend_date, channel_group, spend_amount
        from marts.mart_channel_spend_daily where tenant_id = %(tenant_id)s""",
    # Days a paid source says nothing about: the model leaves them out, never reads zero.
    "missing_spend": """
        select channel_group, gap_start_date, gap_end_date, missing_days
        from marts.mart_ad_spend_gaps where tenant_id = %(tenant_id)s""",
    "events": """
        select distinct event_date, event_type
        from marts.fct_calendar_events where tenant_id = %(tenant_id)s""",
    # A null is a day without a row in the source: the model tells such days from zeros.
    "organic": """
        select activity_date as search_date, organic_search_clicks as clicks
        from marts.mart_mmm_inputs_daily
        where tenant_id = %(tenant_id)s and organic_search_clicks is not null""",
    "revenue": """
        select activity_date as created_date, revenue_amount as revenue
        from marts.mart_mmm_inputs_daily
        where tenant_id = %(tenant_id)s and revenue_amount is not null""",
    "signups": """
        select activity_date as signup_date, new_customers
        from marts.mart_mmm_inputs_daily
        where tenant_id = %(tenant_id)s and new_customers is not null""",
    "customer_revenue": """
        select acquisition_channel as channel, new_customers,
            first_days_revenue_amount as first_days_revenue
        from marts.mart_mmm_first_days_revenue where tenant_id = %(tenant_id)s""",
}
#: The value of a new customer of each acquisition channel (doc block kpi_new_customer_value,
#: decision 0051): what the customer-value objective ("ltv") multiplies the model's new
#: customers by.
NEW_CUSTOMER_VALUE_SQL = """
    select channel_group as channel, customer_value_amount as value, value_basis
    from marts.mart_new_customer_value
    where tenant_id = %(tenant_id)s and customer_value_amount is not null"""


class MmmRunConfig(dg.Config):
    """Run configuration of the budget-brain asset: unset values come from each tenant's
    `mmm:` block of the tenants file (defaults in ml_assets/mmm/settings.py)."""

    draws: int | None = None
    """Posterior draws per chain behind every interval (tenant default: 200)."""
    holdout_days: int | None = None
    """Last days held out for the backtest (tenant default: 56)."""
    seed: int | None = None
    """Seed of the sampler and the optimizer's random starts (same seed, same tables)."""


def _chosen(run_value: int | None, tenant_value: int) -> int:
    return tenant_value if run_value is None else run_value


def _experiments(warehouse, tenant_id: str, data_dir: Path, path: str | None):
    """The tenant's lift-test results: its experiments file (relative paths start at the data
    directory) and those registered from Metabase, each test once (decision 0072)."""
    return tenant_lift_tests(warehouse, tenant_id, None if path is None else Path(data_dir) / path)


def _new_customer_values(
    context, warehouse, tenant_id: str
) -> tuple[dict[str, float] | None, bool]:
    """Channel -> value of a new customer, for the customer-value objectives, and whether the
    values are contribution margins (then the plan can net them against spend, decision
    0053). A channel whose customers lose money (a negative margin) is worth nothing more to
    acquire: the plan's weights are values >= 0, so it gets 0, said in the run's log."""
    frame = warehouse.query(NEW_CUSTOMER_VALUE_SQL, {"tenant_id": tenant_id})
    on_margin = bool(len(frame)) and bool((frame["value_basis"] == "margin").all())
    values = dict(zip(frame["channel"], frame["value"].astype(float), strict=True))
    losing = sorted(channel for channel, value in values.items() if value < 0)
    if losing:
        context.log.warning(
            f"{tenant_id}: new customers of {', '.join(losing)} lose money over 12 months; "
            "the customer-value plan values them at 0"
        )
    return {channel: max(value, 0.0) for channel, value in values.items()} or None, on_margin


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            KEYS[table],
            deps=MARTS,
            description=text,
            kinds={"python", "numpyro"},
        )
        for table, text in DESCRIPTIONS.items()
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "contributions_add_up",
            asset=KEYS["ml_mmm_contributions"],
            blocking=True,
            description="Per tenant, target and day, the components add up to the fitted total.",
        ),
        dg.AssetCheckSpec(
            "intervals_contain_estimates",
            asset=KEYS["ml_mmm_channel_summary"],
            blocking=True,
            description="Every interval contains its point estimate; nothing is missing or "
            "infinite.",
        ),
        dg.AssetCheckSpec(
            "curves_match_reported_roi",
            asset=KEYS["ml_mmm_response_curves"],
            blocking=True,
            description="At the historical mean spend, each curve's ROI equals the reported ROI.",
        ),
        dg.AssetCheckSpec(
            "allocations_spend_budget_within_bounds",
            asset=KEYS["ml_budget_scenarios"],
            blocking=True,
            description="Every plan spends exactly its budget and keeps every channel within "
            "its bounds.",
        ),
        dg.AssetCheckSpec(
            "every_tenant_modelled",
            asset=KEYS["ml_mmm_diagnostics"],
            description="Every tenant's model was fitted (warns naming those skipped).",
        ),
    ],
    group_name="ml",
)
def mmm_budget_brain(
    context: dg.AssetExecutionContext, config: MmmRunConfig, cerebro: CerebroResource
):
    """Fits the Bayesian marketing-mix model per tenant on daily new customers and on daily
    revenue (spend per channel group; trend, seasonality, holidays, commercial events and
    organic search clicks as baseline; NUTS posterior draws behind every interval and
    identification flag; the tenant's lift tests (its experiments file and those registered
    from Metabase), and for revenue each channel's new customers times their first-days
    revenue as evidence, dbt var mmm_first_days); backtests
    on the last weeks; plans the budget for a grid of totals (10 %..300 %) and the named
    scenarios of `cerebro/scenarios.yml`, and writes the advice per channel. Replaces the
    `ml.ml_mmm_*` and `ml.ml_budget_*` tables (re-runs never duplicate rows)."""
    warehouse = cerebro.warehouse()
    scenarios = load_scenarios(SCENARIOS_FILE)
    predicted_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    jobs, skipped = [], {}
    for tenant in cerebro.tenants():
        params = {"tenant_id": tenant.tenant_id}
        inputs = TenantInputs(**{k: warehouse.query(sql, params) for k, sql in QUERIES.items()})
        if inputs.spend.empty:
            # A store that connects no paid channel (only Shopify, say) has no budget to plan:
            # left out and named by the warning check, not a failed run that stops the marts
            # and dashboards downstream.
            skipped[tenant.tenant_id] = NO_AD_SPEND
            context.log.warning(f"{tenant.tenant_id}: budget brain skipped: {NO_AD_SPEND}")
            continue
        if not inputs.missing_spend.empty:
            missing = inputs.missing_spend.groupby("channel_group")["missing_days"].sum()
            context.log.warning(
                f"{tenant.tenant_id}: spend unknown on some days ("
                + ", ".join(f"{channel} {int(days)} d" for channel, days in missing.items())
                + "): the budget brain fits the longest stretch without them"
            )
        values, on_margin = _new_customer_values(context, warehouse, tenant.tenant_id)
        arguments = dict(
            inputs=inputs, scenarios=scenarios, predicted_at=predicted_at,
            customer_values=values, values_are_margins=on_margin,
            holdout_days=_chosen(config.holdout_days, tenant.mmm.holdout_days),
            draws=_chosen(config.draws, tenant.mmm.draws),
            seed=_chosen(config.seed, tenant.mmm.seed),
            lift_tests=_experiments(warehouse, tenant.tenant_id, cerebro.settings().data_dir,
                                    tenant.mmm.experiments),
        )  # fmt: skip
        jobs.append(TenantJob(tenant.tenant_id, arguments))
    if jobs:
        runs = run_per_tenant(
            context, model_tenants(jobs), TABLES,
            failure="budget brain skipped", each=_note_fits(context),
        )  # fmt: skip
    else:
        # No rows: every table keeps what it held (replace_tables), none if never written.
        runs = TenantRuns({table: pd.DataFrame() for table in TABLES}, {}, {})
    replace_tables(warehouse, runs.tables)
    for table, frame in runs.tables.items():
        metadata = {"rows": len(frame), "model_version": MODEL_VERSION}
        if table == "ml_mmm_channel_summary":
            metadata["tenants"] = runs.summaries
        yield dg.MaterializeResult(asset_key=KEYS[table], metadata=metadata)
    yield from _check_results(runs.tables, {**skipped, **runs.failed})


def _note_fits(context):
    def noted(outcome) -> None:
        fits = ", ".join(f"{t} {s:.0f} s" for t, s in outcome.fit_seconds.items())
        memory = f" · {outcome.peak_mib:,} MiB at its process's peak" if outcome.peak_mib else ""
        note(context, f"{outcome.tenant_id}: {fits}{memory}")

    return noted


def _check_results(tables: dict[str, pd.DataFrame], failed: dict[str, str]):
    summary, curves = tables["ml_mmm_channel_summary"], tables["ml_mmm_response_curves"]
    guards = (
        ("contributions_add_up", "ml_mmm_contributions",
         contributions_guard(tables["ml_mmm_contributions"])),
        ("intervals_contain_estimates", "ml_mmm_channel_summary", intervals_guard(tables)),
        ("curves_match_reported_roi", "ml_mmm_response_curves", curves_guard(summary, curves)),
        ("allocations_spend_budget_within_bounds", "ml_budget_scenarios",
         allocations_guard(tables["ml_budget_scenarios"])),
    )  # fmt: skip
    return check_results(
        [(name, KEYS[table], guard) for name, table, guard in guards],
        KEYS["ml_mmm_diagnostics"],
        failed,
        failed_key="skipped",
    )
