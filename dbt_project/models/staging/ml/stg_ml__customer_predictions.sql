with

source as (
    select * from {{ source_or_empty('ml', 'ml_customer_predictions') }}
),

renamed as (
    select
        tenant_id,
        customer_id,
        cast(cutoff_date as date) as cutoff_date,
        model_version,
        predicted_at,
        cast(frequency as {{ dbt.type_bigint() }}) as repeat_purchase_days,
        recency as first_to_last_purchase_days,
        customer_age as customer_age_days,
        monetary_value as repeat_purchase_mean_amount,
        prob_alive,
        expected_purchases_30d,
        expected_purchases_90d,
        expected_spend_per_purchase as expected_spend_per_purchase_amount,
        predicted_clv_12m,
        clv_if_retained_12m,
        value_at_risk,
        expected_days_to_next_purchase,
        churn_risk_segment
    from source
)

select * from renamed
