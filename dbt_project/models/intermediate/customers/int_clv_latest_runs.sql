-- A security-invoker view: tenant roles read the customer page through it (decision 0030).
{{ config(post_hook="{{ security_invoker() }}") }}
-- The customer brain's latest fitted run per tenant: its purchase model (BG/NBD or MBG/NBD),
-- the parameters and the cut-off the customer-history models evaluate
-- (mart_customer_alive_history, the health score).
with

model_runs as (
    select * from {{ ref('stg_ml__clv_model_runs') }}
),

ranked as (
    select
        model_runs.*,
        row_number() over (
            partition by model_runs.tenant_id
            order by model_runs.cutoff_date desc, model_runs.predicted_at desc
        ) as run_rank
    from model_runs
)

select
    tenant_id,
    cutoff_date,
    model_version,
    purchase_model,
    bgnbd_r,
    bgnbd_alpha,
    bgnbd_a,
    bgnbd_b
from ranked
where run_rank = 1
