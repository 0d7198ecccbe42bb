"""The platform benchmark's model stages, on the warehouse dbt built.

- ``clv_stage``: the platform's customer-value path as the Dagster asset runs it: each
  tenant fitted and backtested on the summaries computed in the warehouse from its rows of
  ``marts.mart_customer_orders_daily`` (its distinct histories, ``sql_summaries.py``), then
  every customer of every tenant scored by the warehouse from the scored histories
  (``score_every_customer``, which replaces ``ml.ml_customer_predictions``), timed (the
  whole, each tenant's fit and the scoring). With ``write_outputs`` it also writes
  ``ml.ml_clv_model_runs`` as the asset does, for the dbt models and dashboards downstream.
- ``lifetimes_stage``: lifetimes 0.11.3 used as its documentation shows (the fitter of the
  purchase model each tenant's backtest chose, ``BetaGeoFitter`` or ``ModifiedBetaGeoFitter``,
  on frequency / recency / T, ``GammaGammaFitter`` on the repeat buyers,
  ``conditional_probability_alive``, ``conditional_expected_number_of_purchases_up_to_time``,
  ``customer_lifetime_value``), on the same per-tenant summaries: the histories and the
  Gamma-Gamma sample (repeat buyers without outlier transactions and non-positive means) the
  platform computed, with the penalizer the platform used. lifetimes' own first step,
  ``summary_data_from_transaction_data`` on the same daily transactions, is timed apart and
  its frequency / recency / T compared with the platform's: the platform's time includes its
  summaries, so transactions-to-predictions is that step plus the fit and scores.
- ``mmm_stage``: the largest tenant's budget brain: ``fit_mmm`` on daily revenue (the
  posterior sampling and the backtest refit), then the budget optimizer over
  the grid of totals and the named scenarios of ``cerebro/scenarios.yml`` (the work
  ``benchmarks/bench_mmm_tenants.py`` shares with its stage for every tenant). With
  ``write_outputs`` the tenant's whole run (both targets, every table) is written to ``ml``.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.bench_timing import timed_repeats
from cerebro.warehouse import Warehouse
from ml_assets.clv.fitting import ConvergenceError
from ml_assets.clv.predict import CLV_MONTHS
from ml_assets.clv.records import merge_model_runs
from ml_assets.clv.sql_summaries import last_transaction_day
from ml_assets.clv.tenant import fit_tenant_in_warehouse
from ml_assets.clv.transactions import (
    DATE,
    customer_histories,
    daily_transactions,
    spend_sample,
)
from orchestration.clv_scoring import (
    ScoredCustomers,
    TenantScoring,
    model_run,
    score_every_customer,
)

#: The predictions both CLV paths give, compared customer by customer.
COMPARED = ("prob_alive", "expected_purchases_90d", "predicted_clv_12m")
KEYS = ("tenant_id", "customer_id")
#: The columns of the asset's query, as predict_customer_value is told.
COLUMNS = {
    "customer_column": "customer_id",
    "date_column": "created_date",
    "amount_column": "valid_orders_net_amount",
}


#: Each tenant's transactions as lifetimes reads them (one row per customer and local day).
TRANSACTIONS_SQL = """
select customer_id, created_date, valid_orders_net_amount
from marts.mart_customer_orders_daily
where tenant_id = %(tenant_id)s
order by customer_id, created_date
"""


def _transactions(warehouse: Warehouse, tenant_ids: list[str]) -> dict[str, pd.DataFrame]:
    return {t: warehouse.query(TRANSACTIONS_SQL, {"tenant_id": t}) for t in tenant_ids}


def _read(warehouse: Warehouse, tenant_ids: list[str]) -> tuple[dict, float]:
    started = time.perf_counter()
    frames = _transactions(warehouse, tenant_ids)
    return frames, time.perf_counter() - started


def clv_stage(request: dict, warehouse: Warehouse, tenants: list) -> dict:
    """Fit + score every tenant with the platform's path (timed): each tenant fitted on the
    summaries its warehouse computes, then every customer scored by the warehouse
    (``ml.ml_customer_predictions`` replaced); save the compared predictions to
    ``request["predictions_path"]``, and optionally write the model runs too."""
    settings = {t.tenant_id: t.tenant.clv for t in tenants}
    cutoffs = {t: last_transaction_day(warehouse.query, t) for t in settings}
    cutoffs = {t: day for t, day in cutoffs.items() if day is not None}
    predicted_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    failed: dict[str, str] = {}
    seconds: dict[str, list[float]] = defaultdict(list)  # each tenant's own fit, every repeat
    scoring_seconds: list[float] = []

    def fit_and_score() -> tuple[dict[str, TenantScoring], ScoredCustomers | None]:
        fitted = {}
        for tenant_id, cutoff in cutoffs.items():
            started = time.perf_counter()
            try:
                fit = fit_tenant_in_warehouse(
                    warehouse.query, tenant_id, settings=settings[tenant_id],
                    amount_column=COLUMNS["amount_column"], cutoff=cutoff,
                )  # fmt: skip
                fitted[tenant_id] = TenantScoring(
                    fit, settings[tenant_id], COLUMNS["amount_column"]
                )
            except (ValueError, ConvergenceError) as error:
                failed[tenant_id] = str(error)
            seconds[tenant_id].append(time.perf_counter() - started)
        if not fitted:
            return fitted, None
        started = time.perf_counter()
        scored = score_every_customer(warehouse, list(fitted.values()), predicted_at)
        scoring_seconds.append(time.perf_counter() - started)
        return fitted, scored

    (fitted, scored), timing = timed_repeats(fit_and_score, request["repeats"])
    predictions = (
        warehouse.query(f"select {', '.join((*KEYS, *COMPARED))} from ml.ml_customer_predictions")
        if scored is not None
        else pd.DataFrame(columns=[*KEYS, *COMPARED])
    )
    predictions.to_parquet(request["predictions_path"], index=False)
    result = {
        **timing.summary(),
        "rows": len(predictions),
        "rows_label": "customers",
        "transactions": _count_transactions(warehouse, list(cutoffs)),
        "distinct_histories": sum(len(t.fit.scores) for t in fitted.values()),
        "scoring_seconds": statistics.median(scoring_seconds) if scoring_seconds else 0.0,
        "tenants": {
            t: {
                "customers": f.fit.customers,
                "distinct_histories": len(f.fit.scores),
                "penalizer": float(f.fit.fitted.purchases.penalizer),
                "purchase_model": f.fit.fitted.purchases.name,
                "gamma_gamma": not f.fit.fitted.spend.is_fallback,
                "seconds": statistics.median(seconds[t]),
            }
            for t, f in fitted.items()
        },
        "failed": failed,
    }
    if request.get("write_outputs") and scored is not None:
        result["write_seconds"] = write_model_runs(warehouse, fitted, scored, predicted_at)
    return result


def _count_transactions(warehouse: Warehouse, tenant_ids: list[str]) -> int:
    """Rows the summaries were computed from (customer-days), the size the CLV path scans."""
    counts = warehouse.query(
        "select tenant_id, count(*) as n from marts.mart_customer_orders_daily group by 1"
    )
    return int(counts[counts["tenant_id"].isin(tenant_ids)]["n"].sum())


def write_model_runs(warehouse: Warehouse, fitted: dict, scored, predicted_at) -> float:
    """The model runs the customer-value asset writes beside the predictions (which the
    timed scoring already replaced), for the dbt models and dashboards downstream; returns
    its seconds."""
    started = time.perf_counter()
    rows = [model_run(f, scored.cuts[t], predicted_at) for t, f in fitted.items()]
    model_runs = merge_model_runs(None, pd.concat(rows, ignore_index=True))
    warehouse.replace_table("ml", "ml_clv_model_runs", model_runs)
    return time.perf_counter() - started


def lifetimes_stage(request: dict, warehouse: Warehouse, tenants: list) -> dict:
    """lifetimes as documented on the platform's summaries of the same tenants (timed: fit +
    score; its own summaries timed apart), its predictions saved to
    ``request["predictions_path"]``."""
    with warnings.catch_warnings():
        # lifetimes predates pandas 3 and setuptools 81: its imports warn.
        warnings.simplefilter("ignore")
        from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter
        from lifetimes.utils import ConvergenceError as LifetimesConvergenceError

    fitters = {"bgnbd": BetaGeoFitter, "mbgnbd": ModifiedBetaGeoFitter}

    modelled = request["tenants"]  # the platform's fits: penalizer, Gamma-Gamma used or not
    settings = {t.tenant_id: t.tenant.clv for t in tenants if t.tenant_id in modelled}
    frames, _ = _read(warehouse, list(settings))
    summaries = {}
    for tenant_id, frame in frames.items():
        daily = daily_transactions(frame, **COLUMNS)
        cutoff = daily[DATE].max()
        summaries[tenant_id] = (
            customer_histories(daily, cutoff),
            spend_sample(daily, cutoff, settings[tenant_id].outlier_rule),
        )
    own_summaries, summary_timing = timed_repeats(
        lambda: lifetimes_summaries(frames), request["repeats"]
    )

    failed: dict[str, str] = {}

    def fit_and_score() -> pd.DataFrame:
        scored = []
        for tenant_id, (histories, sample) in summaries.items():
            penalizer = modelled[tenant_id]["penalizer"]
            f, r, t = histories["frequency"], histories["recency"], histories["T"]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    fitter = fitters[modelled[tenant_id]["purchase_model"]]
                    bgf = fitter(penalizer_coef=penalizer).fit(f, r, t)
                except LifetimesConvergenceError as error:
                    failed[tenant_id] = str(error).strip().splitlines()[0]
                    continue
                expected = bgf.conditional_expected_number_of_purchases_up_to_time
                frame = pd.DataFrame(
                    {
                        "prob_alive": bgf.conditional_probability_alive(f, r, t),
                        "expected_purchases_90d": expected(90, f, r, t),
                        "predicted_clv_12m": np.nan,
                    },
                    index=histories.index,
                )
                if modelled[tenant_id]["gamma_gamma"]:
                    try:
                        ggf = GammaGammaFitter(penalizer_coef=penalizer).fit(
                            sample.frequency, sample.monetary_value
                        )
                    except LifetimesConvergenceError as error:
                        # P(alive) and purchases still compare; lifetimes' value stays NaN.
                        failed[tenant_id] = f"Gamma-Gamma: {str(error).strip().splitlines()[0]}"
                    else:
                        # freq="D": lifetimes counts a month as 30 days, as the platform does
                        # (ml_assets.clv.settings.DAYS_PER_MONTH).
                        frame["predicted_clv_12m"] = ggf.customer_lifetime_value(
                            bgf, f, r, t, histories["monetary_value"].clip(lower=0),
                            time=CLV_MONTHS, freq="D",
                            discount_rate=settings[tenant_id].monthly_discount_rate,
                        ).to_numpy()  # fmt: skip
            scored.append(frame.reset_index().assign(tenant_id=tenant_id)[[*KEYS, *COMPARED]])
        return pd.concat(scored, ignore_index=True) if scored else pd.DataFrame(columns=[*KEYS])

    predictions, timing = timed_repeats(fit_and_score, request["repeats"])
    predictions.to_parquet(request["predictions_path"], index=False)
    return {
        **timing.summary(),
        "rows": len(predictions),
        "rows_label": "customers",
        "failed": failed,
        "summaries": {
            **summary_timing.summary(),
            "max_abs_difference": summary_differences(
                {t: histories for t, (histories, _) in summaries.items()}, own_summaries
            ),
        },
    }


def lifetimes_summaries(frames: dict[str, pd.DataFrame]) -> dict:
    """lifetimes' documented first step, ``summary_data_from_transaction_data``, per tenant on
    the rows the platform reads (one row per customer and day), to the same cut-off (the last
    day with a purchase) and counting in days as the platform does."""
    from lifetimes.utils import summary_data_from_transaction_data

    summaries = {}
    for tenant_id, frame in frames.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            summaries[tenant_id] = summary_data_from_transaction_data(
                frame, COLUMNS["customer_column"], COLUMNS["date_column"],
                monetary_value_col=COLUMNS["amount_column"],
                observation_period_end=frame[COLUMNS["date_column"]].max(), freq="D",
            )  # fmt: skip
    return summaries


def summary_differences(ours: dict, theirs: dict) -> dict:
    """Largest absolute difference of frequency, recency and T between the platform's
    histories and lifetimes' summaries over the platform's customers (NaN if lifetimes has
    no summary for one of them)."""
    differences = {}
    for column in ("frequency", "recency", "T"):
        gaps = [
            (ours[t][column] - theirs[t][column].reindex(ours[t].index)).abs().max(skipna=False)
            for t in ours
        ]
        differences[column] = float(max(gaps)) if gaps else None
    return differences


def prediction_differences(ours: pd.DataFrame, theirs: pd.DataFrame) -> dict:
    """Largest absolute difference of each compared prediction over the customers both paths
    scored (NaN where one path has none, e.g. no Gamma-Gamma), and how many were compared."""
    both = ours.merge(theirs, on=list(KEYS), suffixes=("_ours", "_theirs"), how="inner")
    differences = {}
    for column in COMPARED:
        gap = (both[f"{column}_ours"] - both[f"{column}_theirs"]).abs().dropna()
        differences[column] = float(gap.max()) if len(gap) else None
    return {"customers_compared": len(both), "max_abs_difference": differences}


def mmm_stage(request: dict, warehouse: Warehouse, tenants: list) -> dict:
    """The largest tenant's MMM on revenue (posterior and backtest) and the budget
    optimizer over the scenarios, each timed; optionally the tenant's whole run written."""
    from benchmarks.bench_mmm_tenants import fit_revenue, plan_budgets
    from ml_assets.mmm.scenarios import grid_scenarios, load_scenarios
    from ml_assets.mmm.tenant import TenantInputs, run_tenant_mmm, tenant_table
    from orchestration.mmm_assets import NEW_CUSTOMER_VALUE_SQL, QUERIES, SCENARIOS_FILE

    tenant = next(t for t in tenants if t.tenant_id == request["tenant_id"])
    settings = tenant.tenant.mmm
    draws = request.get("mmm_draws") or settings.draws
    params = {"tenant_id": tenant.tenant_id}
    inputs = TenantInputs(**{key: warehouse.query(sql, params) for key, sql in QUERIES.items()})
    table, channels, controls, events = tenant_table(inputs)
    result: dict = {
        "tenant_id": tenant.tenant_id,
        "rows": len(table),
        "rows_label": "days",
        "channels": channels,
        "posterior_draws": draws,
    }
    if request.get("measure", True):
        fitted, fit_timing = timed_repeats(
            lambda: fit_revenue(table, channels, controls, events, settings, draws),
            request["repeats"],
        )
        scenarios = grid_scenarios() + load_scenarios(Path(SCENARIOS_FILE))
        (plans, skipped), optimizer_timing = timed_repeats(
            lambda: plan_budgets(fitted, scenarios, settings), request["repeats"]
        )
        result["fit"] = {
            **fit_timing.summary(),
            "holdout_mape": fitted.diagnostics()["holdout"]["mape"],
            "sampler": fitted.model.sampler_,
        }
        result["optimizer"] = {
            **optimizer_timing.summary(),
            "scenarios": len(scenarios),
            "plans_rows": len(plans),
            "skipped": skipped,
        }
    if request.get("write_outputs"):
        started = time.perf_counter()
        valued = warehouse.query(NEW_CUSTOMER_VALUE_SQL, params)
        values = dict(zip(valued["channel"], valued["value"].clip(lower=0), strict=True)) or None
        run = run_tenant_mmm(
            tenant.tenant_id, inputs, scenarios=load_scenarios(Path(SCENARIOS_FILE)),
            predicted_at=dt.datetime.now(dt.UTC).replace(tzinfo=None), customer_values=values,
            holdout_days=settings.holdout_days, draws=draws, seed=settings.seed,
        )  # fmt: skip
        for name, frame in run.tables.items():
            if not frame.empty:
                warehouse.replace_table("ml", name, frame)
        result["outputs_seconds"] = time.perf_counter() - started
        result["failed_targets"] = run.failed
    return result
