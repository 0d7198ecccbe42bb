-- "Capital en riesgo" (KPIS.md): per tenant and model cut-off, the value at
-- risk of the customers whose prob_alive is below the tenant's risk threshold
-- (recorded with the model run), beside the totals it is part of.
with

predictions as (
    select * from {{ ref('stg_ml__customer_predictions') }}
),

model_runs as (
    select * from {{ ref('stg_ml__clv_model_runs') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

flagged as (
    select
        predictions.tenant_id,
        predictions.cutoff_date,
        predictions.model_version,
        model_runs.risk_prob_alive,
        predictions.prob_alive < model_runs.risk_prob_alive as is_at_risk,
        predictions.value_at_risk,
        predictions.predicted_clv_12m,
        predictions.clv_if_retained_12m
    from predictions
    inner join model_runs
        on predictions.tenant_id = model_runs.tenant_id
        and predictions.cutoff_date = model_runs.cutoff_date
        and predictions.model_version = model_runs.model_version
),

summed as (
    select
        flagged.tenant_id,
        flagged.cutoff_date,
        flagged.model_version,
        flagged.risk_prob_alive,
        count(*) as customers,
        count(case when flagged.is_at_risk then 1 end) as customers_at_risk,
        {{ sum_exact('case when flagged.is_at_risk then flagged.value_at_risk else 0 end') }}
            as capital_at_risk_amount,
        {{ sum_exact('flagged.value_at_risk') }} as value_at_risk_amount,
        {{ sum_exact('flagged.predicted_clv_12m') }} as predicted_clv_12m_amount,
        {{ sum_exact('flagged.clv_if_retained_12m') }} as clv_if_retained_12m_amount
    from flagged
    group by 1, 2, 3, 4
)

select
    summed.tenant_id,
    summed.cutoff_date,
    summed.model_version,
    tenants.currency,
    summed.risk_prob_alive,
    summed.customers,
    summed.customers_at_risk,
    {{ safe_divide('summed.customers_at_risk', 'summed.customers') }} as customers_at_risk_rate,
    summed.capital_at_risk_amount,
    summed.value_at_risk_amount,
    summed.predicted_clv_12m_amount,
    summed.clv_if_retained_12m_amount
from summed
inner join tenants
    on summed.tenant_id = tenants.tenant_id
