"""Customer value (BG/NBD or MBG/NBD, chosen per tenant by backtest, + Gamma-Gamma) for every
tenant, written back for dbt to read.

The asset keys are the dbt source `ml`'s keys, so dagster-dbt wires the ML staging models
downstream of this asset, which itself runs after the marts it reads.
"""

import datetime as dt
from collections import Counter

import dagster as dg
import pandas as pd

from cerebro.progress import note
from ml_assets.clv.backtest import Backtest
from ml_assets.clv.data_checks import cutoff_after_today_error
from ml_assets.clv.fitting import ConvergenceError
from ml_assets.clv.guards import backtest_guard, probabilities_guard, values_guard
from ml_assets.clv.predict import MODEL_VERSION
from ml_assets.clv.records import merge_model_runs
from ml_assets.clv.sql_scoring import SCORES_TABLE
from ml_assets.clv.sql_summaries import last_transaction_day
from ml_assets.clv.tenant import TenantFit, fit_tenant_in_warehouse
from orchestration.clv_scoring import TenantScoring, model_run, score_every_customer
from orchestration.resources import CerebroResource
from orchestration.tenant_runs import TenantOutcome, check_results, replace_tables, run_per_tenant

PREDICTIONS = dg.AssetKey(["ml", "ml_customer_predictions"])
MODEL_RUNS = dg.AssetKey(["ml", "ml_clv_model_runs"])
#: Valid orders per customer and local day, net of refunds: one purchase-model transaction each,
#: summarised per customer in the warehouse (ml_assets/clv/sql_summaries.py).
CUSTOMER_ORDERS_DAILY = dg.AssetKey(["marts", "mart_customer_orders_daily"])
#: The transactions' value column per `clv: value` setting (revenue net of refunds, or the
#: contribution margin of decision 0036).
AMOUNT_COLUMNS = {"revenue": "valid_orders_net_amount", "margin": "valid_orders_margin_amount"}


class ClvRunConfig(dg.Config):
    """Run configuration of the customer-value asset."""

    cutoff_date: str | None = None
    """Last day of the fitting data (YYYY-MM-DD) for every tenant; default: each tenant's
    last day with a valid order."""


def _fits(context, cerebro: CerebroResource, cutoff, fitted: list[TenantScoring]):
    """Each tenant with valid orders, fitted (appended to ``fitted``), as an outcome whose
    rows are its history scores."""
    warehouse = cerebro.warehouse()
    for tenant in cerebro.tenants():
        last_day = last_transaction_day(warehouse.query, tenant.tenant_id)
        if last_day is None:
            context.log.warning(f"{tenant.tenant_id}: no valid orders yet, no predictions")
            continue
        amount_column = AMOUNT_COLUMNS[tenant.clv.value]
        try:
            fit = fit_tenant_in_warehouse(
                warehouse.query, tenant.tenant_id, settings=tenant.clv,
                amount_column=amount_column, cutoff=cutoff or last_day,
            )  # fmt: skip
        except (ValueError, ConvergenceError) as error:
            yield TenantOutcome(tenant.tenant_id, error=str(error))
            continue
        fitted.append(TenantScoring(fit, tenant.clv, amount_column))
        summary = {**_tenant_summary(fit), "value": tenant.clv.value}
        yield TenantOutcome(tenant.tenant_id, tables={SCORES_TABLE: fit.scores}, summary=summary)


def _tenant_summary(fit: TenantFit) -> dict:
    error = fit.backtest.relative_error if isinstance(fit.backtest, Backtest) else None
    return {
        "cutoff": str(fit.cutoff),
        "customers": fit.customers,
        "distinct_histories": len(fit.scores),
        "purchase_model": fit.fitted.purchases.label,
        "purchase_model_reason": fit.fitted.choice.reason,
        **{name: round(float(value), 6) for name, value in fit.fitted.purchases.params_.items()},
        "spend_fallback": fit.fitted.spend.is_fallback,
        "backtest_relative_error": error,
        "warnings": "; ".join(fit.fitted.warnings),
    }


def models_chosen(summaries: dict[str, dict]) -> str:
    """Which purchase model scored how many tenants, for the run's one-line note: a newcomer
    reading `cerebro run` sees the radar's model without opening the metadata."""
    counts = Counter(summary["purchase_model"] for summary in summaries.values())
    if not counts:
        return "no tenant modelled"
    if len(counts) == 1:
        ((label, tenants),) = counts.items()
        return f"{label} for {'the tenant' if tenants == 1 else f'all {tenants}'}"
    return ", ".join(f"{label} for {tenants}" for label, tenants in sorted(counts.items()))


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            PREDICTIONS,
            deps=[CUSTOMER_ORDERS_DAILY],
            description="One row per tenant and customer: the purchase model's (BG/NBD or "
            "MBG/NBD, chosen per tenant by backtest) + Gamma-Gamma predictions.",
            kinds={"python", "scipy"},
        ),
        dg.AssetSpec(
            MODEL_RUNS,
            deps=[CUSTOMER_ORDERS_DAILY],
            description="One row per tenant, cut-off and model version: the purchase model "
            "chosen and why, parameters, backtest.",
            kinds={"python", "scipy"},
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "prob_alive_in_unit_interval",
            asset=PREDICTIONS,
            blocking=True,
            description="Every prob_alive is a finite number in [0, 1].",
        ),
        dg.AssetCheckSpec(
            "values_finite_and_non_negative",
            asset=PREDICTIONS,
            blocking=True,
            description="Expected purchases, spend, CLV and value at risk are finite and >= 0.",
        ),
        dg.AssetCheckSpec(
            "backtest_error_within_bound",
            asset=MODEL_RUNS,
            blocking=True,
            description="Each tenant's backtest relative error is within its "
            "max_backtest_error (a tenant without a backtest passes and says so).",
        ),
        dg.AssetCheckSpec(
            "every_tenant_modelled",
            asset=MODEL_RUNS,
            description="Every tenant's model was fitted (warns naming those that failed).",
        ),
    ],
    group_name="ml",
)
def clv_predictions(
    context: dg.AssetExecutionContext, config: ClvRunConfig, cerebro: CerebroResource
):
    """Fits a purchase model and Gamma-Gamma per tenant on its valid orders per local day (net
    of refunds) up to its last day of data or the configured cut-off (one after today is
    refused): BG/NBD and MBG/NBD are backtested on the last days, and the one whose purchase
    predictions are better beyond chance, or else that fits the calibration period clearly
    better, or else whose P(alive) ranks who bought again better, scores the tenant's
    customers (BG/NBD on a full tie; each tenant's choice and why are in this run's metadata
    and `ml.ml_clv_model_runs`, decisions 0045 and 0080). Writes
    `ml.ml_customer_predictions` (replaced; every customer scored by the warehouse from its
    distinct histories' scores, `ml.ml_clv_history_scores`) and `ml.ml_clv_model_runs`
    (upserted by tenant, cut-off and model version). A failed blocking check stops the dbt
    models on them, so a bad value never reaches a dashboard."""
    cutoff = dt.date.fromisoformat(config.cutoff_date) if config.cutoff_date else None
    future = cutoff and cutoff_after_today_error(cutoff, dt.date.today())
    if future:
        raise dg.Failure(future)
    predicted_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    fitted: list[TenantScoring] = []
    runs = run_per_tenant(
        context, _fits(context, cerebro, cutoff, fitted), [SCORES_TABLE],
        failure="customer-value model failed", nothing_modelled="no valid orders at all",
    )  # fmt: skip
    warehouse = cerebro.warehouse()
    scored = score_every_customer(warehouse, fitted, predicted_at)
    new_runs = pd.concat(
        [model_run(t, scored.cuts[t.fit.tenant_id], predicted_at) for t in fitted],
        ignore_index=True,
    )
    existing = None
    if warehouse.table_exists("ml", "ml_clv_model_runs"):
        existing = warehouse.query("select * from ml.ml_clv_model_runs")
    model_runs = merge_model_runs(existing, new_runs)
    replace_tables(warehouse, {"ml_clv_model_runs": model_runs})
    histories = len(runs.tables[SCORES_TABLE])
    note(
        context,
        f"{scored.rows:,} customers of {len(runs.summaries)} tenants "
        f"({histories:,} distinct histories scored; {models_chosen(runs.summaries)})",
    )
    yield dg.MaterializeResult(
        asset_key=PREDICTIONS,
        metadata={
            "rows": scored.rows, "model_version": MODEL_VERSION, "tenants": runs.summaries,
        },
    )  # fmt: skip
    yield dg.MaterializeResult(
        asset_key=MODEL_RUNS,
        metadata={
            "rows": len(model_runs),
            "new_rows": len(new_runs),
            "failed_tenants": runs.failed,
        },
    )
    yield from check_results(
        [
            ("prob_alive_in_unit_interval", PREDICTIONS, probabilities_guard(scored.profile)),
            ("values_finite_and_non_negative", PREDICTIONS, values_guard(scored.profile)),
            ("backtest_error_within_bound", MODEL_RUNS, backtest_guard(new_runs)),
        ],
        MODEL_RUNS,
        runs.failed,
        failed_key="failed_tenants",
    )
