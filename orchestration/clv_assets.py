"""Customer value (BG/NBD + Gamma-Gamma) for every tenant, written back for dbt to read.

The asset keys are the dbt source `ml`'s keys, so dagster-dbt wires the ML staging models
downstream of this asset, which itself runs after the marts it reads.
"""

import datetime as dt

import dagster as dg
import pandas as pd

from cerebro.progress import note
from ml_assets.clv.fitting import ConvergenceError
from ml_assets.clv.guards import backtest_guard, probabilities_guard, values_guard
from ml_assets.clv.predict import MODEL_VERSION
from ml_assets.clv.records import merge_model_runs
from ml_assets.clv.tenant import TenantRun, run_tenant
from orchestration.resources import CerebroResource

PREDICTIONS = dg.AssetKey(["ml", "ml_customer_predictions"])
MODEL_RUNS = dg.AssetKey(["ml", "ml_clv_model_runs"])
CUSTOMER_ORDERS_DAILY = dg.AssetKey(["marts", "mart_customer_orders_daily"])
#: Valid orders per customer and local day, net of refunds: one BG/NBD transaction each. In a
#: fixed order: the incremental mart's rows move when a run replaces its window, and floating
#: sums in another order differ in their last bits, so the same data gave other predictions.
TRANSACTIONS_SQL = """
select customer_id, created_date, valid_orders_net_amount
from marts.mart_customer_orders_daily
where tenant_id = %(tenant_id)s
order by customer_id, created_date
"""


class ClvRunConfig(dg.Config):
    """Run configuration of the customer-value asset."""

    cutoff_date: str | None = None
    """Last day of the fitting data (YYYY-MM-DD) for every tenant; default: each tenant's
    last day with a valid order."""


def _fit_tenants(context, cerebro: CerebroResource, cutoff, predicted_at):
    runs: list[TenantRun] = []
    failed: dict[str, str] = {}
    warehouse = cerebro.warehouse()
    for tenant in cerebro.tenants():
        transactions = warehouse.query(TRANSACTIONS_SQL, {"tenant_id": tenant.tenant_id})
        if transactions.empty:
            context.log.warning(f"{tenant.tenant_id}: no valid orders yet, no predictions")
            continue
        try:
            runs.append(
                run_tenant(
                    tenant.tenant_id, transactions, settings=tenant.clv, cutoff=cutoff,
                    predicted_at=predicted_at, customer_column="customer_id",
                    date_column="created_date", amount_column="valid_orders_net_amount",
                )
            )  # fmt: skip
        except (ValueError, ConvergenceError) as error:
            failed[tenant.tenant_id] = str(error)
            context.log.error(f"{tenant.tenant_id}: customer-value model failed: {error}")
    return runs, failed


def _rows(runs: list[TenantRun], table: str) -> pd.DataFrame:
    return pd.concat([getattr(run, table) for run in runs], ignore_index=True)


def _tenant_summary(run: TenantRun) -> dict:
    row = run.model_run.iloc[0]
    return {
        "cutoff": str(run.result.cutoff),
        "customers": int(row["customers"]),
        **{name: round(float(value), 6) for name, value in run.result.bgnbd.params_.items()},
        "spend_fallback": bool(row["is_spend_fallback"]),
        "backtest_relative_error": None
        if pd.isna(row["backtest_relative_error"])
        else float(row["backtest_relative_error"]),
        "warnings": row["warnings"],
    }


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            PREDICTIONS,
            deps=[CUSTOMER_ORDERS_DAILY],
            description="One row per tenant and customer: BG/NBD + Gamma-Gamma predictions.",
            kinds={"python", "scipy"},
        ),
        dg.AssetSpec(
            MODEL_RUNS,
            deps=[CUSTOMER_ORDERS_DAILY],
            description="One row per tenant, cut-off and model version: parameters, backtest.",
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
    """Fits BG/NBD and Gamma-Gamma per tenant on its valid orders per local day (net of
    refunds) up to its last day of data or the configured cut-off, backtests on the last
    days, and writes `ml.ml_customer_predictions` (replaced) and `ml.ml_clv_model_runs`
    (upserted by tenant, cut-off and model version). A failed blocking check stops the dbt
    models on them, so a bad value never reaches a dashboard."""
    cutoff = dt.date.fromisoformat(config.cutoff_date) if config.cutoff_date else None
    predicted_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    runs, failed = _fit_tenants(context, cerebro, cutoff, predicted_at)
    if not runs:
        raise dg.Failure(f"no tenant could be modelled: {failed or 'no valid orders at all'}")
    predictions, new_runs = _rows(runs, "predictions"), _rows(runs, "model_run")
    warehouse = cerebro.warehouse()
    existing = None
    if warehouse.table_exists("ml", "ml_clv_model_runs"):
        existing = warehouse.query("select * from ml.ml_clv_model_runs")
    model_runs = merge_model_runs(existing, new_runs)
    warehouse.replace_table("ml", "ml_customer_predictions", predictions)
    warehouse.replace_table("ml", "ml_clv_model_runs", model_runs)

    tenants = {run.model_run["tenant_id"].iloc[0]: _tenant_summary(run) for run in runs}
    note(context, f"{len(predictions):,} customers of {len(tenants)} tenants")
    yield dg.MaterializeResult(
        asset_key=PREDICTIONS,
        metadata={"rows": len(predictions), "model_version": MODEL_VERSION, "tenants": tenants},
    )
    yield dg.MaterializeResult(
        asset_key=MODEL_RUNS,
        metadata={"rows": len(model_runs), "new_rows": len(new_runs), "failed_tenants": failed},
    )
    yield from _check_results(predictions, new_runs, failed)


def _check_results(predictions: pd.DataFrame, new_runs: pd.DataFrame, failed: dict[str, str]):
    for check_name, asset, guard in (
        ("prob_alive_in_unit_interval", PREDICTIONS, probabilities_guard(predictions)),
        ("values_finite_and_non_negative", PREDICTIONS, values_guard(predictions)),
        ("backtest_error_within_bound", MODEL_RUNS, backtest_guard(new_runs)),
    ):
        yield dg.AssetCheckResult(
            asset_key=asset, check_name=check_name, passed=guard.passed, metadata=guard.metadata
        )
    yield dg.AssetCheckResult(
        asset_key=MODEL_RUNS,
        check_name="every_tenant_modelled",
        passed=not failed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"failed_tenants": failed},
    )
