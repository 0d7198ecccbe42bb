-- The churn radar's call list: per tenant and cut-off, the customers en riesgo
-- (prob_alive below the tenant's risk threshold) with the most recoverable
-- value, at most var('churn_radar_top_customers'), ranked deterministically.
-- Not by value at risk: (1 - prob_alive) is largest for those already gone,
-- whom a call no longer reaches (doc kpi_customer_value, decision 0047).
with

customer_value as (
    select * from {{ ref('mart_customer_value') }}
),

model_runs as (
    select * from {{ ref('stg_ml__clv_model_runs') }}
),

ranked as (
    select
        customer_value.*,
        row_number() over (
            partition by customer_value.tenant_id, customer_value.cutoff_date
            order by customer_value.recoverable_value desc, customer_value.customer_id
        ) as risk_rank
    from customer_value
    inner join model_runs
        on customer_value.tenant_id = model_runs.tenant_id
        and customer_value.cutoff_date = model_runs.cutoff_date
        and customer_value.model_version = model_runs.model_version
    where customer_value.prob_alive < model_runs.risk_prob_alive
)

select * from ranked
where risk_rank <= {{ var('churn_radar_top_customers') }}
