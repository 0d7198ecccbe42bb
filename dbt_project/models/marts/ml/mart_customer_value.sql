-- Customer value (KPIS.md, predictive figures): every customer with a
-- prediction, with who they are, their first-touch channel, RFM as of the
-- data's cut-off and the latest purchase-model (BG/NBD or MBG/NBD) + Gamma-Gamma predictions.
with

predictions as (
    select * from {{ ref('stg_ml__customer_predictions') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

rfm_customers as (
    select * from {{ ref('mart_rfm_customers') }}
),

latest_runs as (
    select * from {{ ref('int_clv_latest_runs') }}
),

joined as (
    select
        predictions.tenant_id,
        predictions.customer_id,
        customers.email_sha256,
        customers.phone_sha256,
        customers.acquisition_channel,
        customers.region_name,
        customers.signup_date,
        rfm_customers.as_of_date as rfm_as_of_date,
        rfm_customers.recency_days as rfm_recency_days,
        rfm_customers.frequency as rfm_frequency,
        rfm_customers.monetary as historical_net_amount,
        rfm_customers.r_score,
        rfm_customers.f_score,
        rfm_customers.m_score,
        rfm_customers.segment as rfm_segment,
        predictions.cutoff_date,
        predictions.model_version,
        predictions.repeat_purchase_days,
        predictions.first_to_last_purchase_days,
        predictions.customer_age_days,
        predictions.repeat_purchase_mean_amount,
        predictions.prob_alive,
        predictions.expected_purchases_30d,
        predictions.expected_purchases_90d,
        predictions.expected_spend_per_purchase_amount,
        predictions.predicted_clv_12m,
        predictions.clv_if_retained_12m,
        predictions.value_at_risk,
        -- What a call or a coupon can still save (doc kpi_customer_value): the value if
        -- retained, weighted by the chance the customer is still there to be reached.
        predictions.prob_alive * predictions.clv_if_retained_12m as recoverable_value,
        latest_runs.purchase_model,
        {{ prob_alive_sentence(
            'latest_runs.purchase_model', 'predictions.prob_alive',
            'predictions.repeat_purchase_days') }}
            as prob_alive_text,
        predictions.expected_days_to_next_purchase,
        -- The customer page's "next purchase": the expected day, and the chance of a
        -- purchase within 30 days (macro customer_prob_purchase_within).
        cast({{ dbt.dateadd('day', 'cast(round(predictions.expected_days_to_next_purchase) as integer)', 'predictions.cutoff_date') }} as date)
            as predicted_next_purchase_date,
        {{ customer_prob_purchase_within(
            30, 'predictions.prob_alive', 'predictions.repeat_purchase_days',
            'predictions.customer_age_days', 'latest_runs.bgnbd_r', 'latest_runs.bgnbd_alpha') }}
            as prob_purchase_30d,
        predictions.churn_risk_segment
    from predictions
    inner join customers
        on predictions.tenant_id = customers.tenant_id
        and predictions.customer_id = customers.customer_id
    left join rfm_customers
        on predictions.tenant_id = rfm_customers.tenant_id
        and predictions.customer_id = rfm_customers.customer_id
    left join latest_runs
        on predictions.tenant_id = latest_runs.tenant_id
        and predictions.cutoff_date = latest_runs.cutoff_date
)

select * from joined
