"""Every customer scored where the customers live: the distinct histories scored in Python,
joined back to the customers in the warehouse's SQL.

The purchase model's predictions (BG/NBD or MBG/NBD, whichever the tenant's backtest chose)
are a function of the history (frequency, recency, T) alone, which far fewer rows share than
customers; only those reach Python (``sql_summaries.py``), and their scores go back as
``ml.ml_clv_history_scores``. The statement here then gives every customer its history's
scores, its expected spend per purchase (Gamma-Gamma's eq. 5 with the fitted parameters, or
the flagged fallback), the 12-month values and the churn-risk segment (``segments.SEGMENT_SQL``
over the tenant's quantile cuts), so a tenant of 100 M customers is scored without one
customer row leaving the warehouse. The same SQL runs on DuckDB and
PostgreSQL; a test holds its rows equal to ``predict_from_summaries`` on the same data.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ml_assets.clv.predict import MODEL_VERSION, FittedModels, horizon_column, score_histories
from ml_assets.clv.segments import CUTS_SQL, SEGMENT_SQL, segment_sql_params
from ml_assets.clv.settings import ClvSettings
from ml_assets.clv.sql_summaries import customer_histories_sql

SCORES_SCHEMA, SCORES_TABLE = "ml", "ml_clv_history_scores"
#: The history's columns, as the warehouse computes them (whole days).
HISTORY_KEY = ("frequency", "recency", "customer_age")
HORIZONS = (30, 90)
#: What each history is scored (``predict.score_histories``).
SCORES = (
    "prob_alive", *(horizon_column(days) for days in HORIZONS), "purchases_if_alive_12m",
    "expected_days_to_next_purchase",
)  # fmt: skip
#: One row per tenant and distinct history; ``customers`` is how many share it.
SCORE_COLUMNS = ("tenant_id", "cutoff_date", *HISTORY_KEY, "customers", *SCORES)

_PREDICTIONS = """,

scored as (
    select
        histories.customer_id,
        histories.frequency,
        cast(histories.recency as double precision) as recency,
        cast(histories.customer_age as double precision) as customer_age,
        case when histories.frequency > 0
            then histories.repeat_total / histories.frequency else 0 end as monetary_value,
        scores.prob_alive,
        scores.expected_purchases_30d,
        scores.expected_purchases_90d,
        scores.purchases_if_alive_12m,
        scores.expected_days_to_next_purchase
    from histories
    inner join {scores} as scores
        on scores.tenant_id = %(tenant_id)s
        and scores.frequency = histories.frequency
        and scores.recency = histories.recency
        and scores.customer_age = histories.customer_age
),

spent as (
    select scored.*, {spend} as expected_spend_per_purchase
    from scored
),

valued as (
    select
        spent.*,
        spent.purchases_if_alive_12m * spent.expected_spend_per_purchase
            as clv_if_retained_12m
    from spent
),

customers_valued as (
    select valued.*, valued.prob_alive * valued.clv_if_retained_12m as predicted_clv_12m
    from valued
),

-- One row, computed once: inlined, PostgreSQL put this aggregate on the inner side of the
-- cross join below and computed the quantiles again for every customer (its estimate of the
-- customers was 1 row), over 10 minutes a tenant at the large size (decision 0043).
cuts as materialized (
    select {cuts}
    from customers_valued
)

select
    cast(%(tenant_id)s as varchar) as tenant_id,
    customer_id,
    cast(%(cutoff)s as timestamp) as cutoff_date,
    cast(%(model_version)s as varchar) as model_version,
    cast(%(predicted_at)s as timestamp) as predicted_at,
    frequency,
    recency,
    customer_age,
    monetary_value,
    prob_alive,
    expected_purchases_30d,
    expected_purchases_90d,
    expected_spend_per_purchase,
    predicted_clv_12m,
    clv_if_retained_12m,
    (1 - prob_alive) * clv_if_retained_12m as value_at_risk,
    expected_days_to_next_purchase,
    {segment} as churn_risk_segment
from customers_valued
cross join cuts
"""

#: Gamma-Gamma's eq. 5 (``gamma_gamma_math.conditional_expected_spend``) in the same order
#: of operations, so the doubles are the same: the population mean and the customer's own
#: mean (never below 0, as ``FittedModels.customer_spend``) weighted by p x / (p x + q - 1).
_GAMMA_GAMMA_SPEND = """
    (1 - %(spend_p)s * frequency / (%(spend_p)s * frequency + %(spend_q)s - 1))
        * %(population_mean_spend)s
    + %(spend_p)s * frequency / (%(spend_p)s * frequency + %(spend_q)s - 1)
        * greatest(monetary_value, 0)"""
_FALLBACK_SPEND = "cast(%(fallback_spend)s as double precision)"


def history_scores(
    tenant_id: str,
    cutoff: dt.date,
    histories: pd.DataFrame,
    fitted: FittedModels,
    settings: ClvSettings,
) -> pd.DataFrame:
    """The rows of ``ml.ml_clv_history_scores`` for the tenant's distinct histories (as
    ``summarize_in_warehouse`` returns them)."""
    frequency, recency, age = (histories[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    scores = score_histories(frequency, recency, age, fitted.purchases, settings, HORIZONS)
    frame = pd.DataFrame(
        {
            "tenant_id": tenant_id,
            "cutoff_date": pd.Timestamp(cutoff),
            "frequency": frequency.astype("int64"),
            "recency": recency.astype("int64"),
            "customer_age": age.astype("int64"),
            "customers": histories["customers"].to_numpy(dtype="int64"),
            **{name: scores[name] for name in SCORES},
        }
    )
    return frame[list(SCORE_COLUMNS)]


def non_finite_scores(scores: pd.DataFrame) -> list[str]:
    """The score columns with a missing or infinite value (the fit did not pin the model)."""
    numeric = scores[list(SCORES)]
    return [c for c in numeric.columns if not np.isfinite(numeric[c].to_numpy()).all()]


def prediction_select(
    tenant_id: str,
    *,
    amount_column: str,
    cutoff: dt.date,
    fitted: FittedModels,
    settings: ClvSettings,
    predicted_at: dt.datetime,
) -> tuple[str, dict]:
    """The select of the tenant's rows of ``ml.ml_customer_predictions`` (its columns, in
    order) from ``marts.mart_customer_orders_daily`` and the tenant's history scores, with
    its parameters."""
    params = {
        "tenant_id": tenant_id,
        "cutoff": pd.Timestamp(cutoff).date(),
        "until": pd.Timestamp(cutoff).date(),
        "model_version": MODEL_VERSION,
        "predicted_at": pd.Timestamp(predicted_at).to_pydatetime(),
        **segment_sql_params(settings.churn_risk),
    }
    if fitted.spend.is_fallback:
        spend = _FALLBACK_SPEND
        params["fallback_spend"] = float(fitted.spend.fallback_spend)
    else:
        spend = _GAMMA_GAMMA_SPEND
        gamma_gamma = fitted.gamma_gamma
        params |= {
            "spend_p": float(gamma_gamma.params_["p"]),
            "spend_q": float(gamma_gamma.params_["q"]),
            "population_mean_spend": gamma_gamma.population_mean_spend(),
        }
    select = _PREDICTIONS.format(
        scores=f"{SCORES_SCHEMA}.{SCORES_TABLE}", spend=spend, cuts=CUTS_SQL, segment=SEGMENT_SQL
    )
    return customer_histories_sql(amount_column) + select, params


def segment_cut_query(table: str, tenant_ids: list[str], settings: ClvSettings) -> tuple[str, dict]:
    """The money thresholds (``segments.SegmentCut``) of each of ``tenant_ids`` over its
    scored customers in ``table``, as the prediction statement computed them, with the
    parameters: one scan for every tenant with the same quantiles as ``settings``."""
    params = {"tenant_ids": list(tenant_ids), **segment_sql_params(settings.churn_risk)}
    sql = (
        f"select tenant_id, {CUTS_SQL}\nfrom {table}\n"
        "where tenant_id = any(%(tenant_ids)s)\ngroup by tenant_id"
    )
    return sql, params
