-- Churn-risk segments per tenant and cut-off: how many customers each holds,
-- their share, predicted value and value at risk.
with

customer_value as (
    select * from {{ ref('mart_customer_value') }}
),

per_segment as (
    select
        customer_value.tenant_id,
        customer_value.cutoff_date,
        customer_value.model_version,
        customer_value.churn_risk_segment,
        count(*) as customers,
        {{ sum_exact('customer_value.predicted_clv_12m') }} as predicted_clv_12m_amount,
        {{ sum_exact('customer_value.value_at_risk') }} as value_at_risk_amount,
        {{ sum_exact('customer_value.prob_alive') }} / count(customer_value.prob_alive)
            as mean_prob_alive
    from customer_value
    group by 1, 2, 3, 4
)

select
    per_segment.*,
    {{ safe_divide(
        'per_segment.customers',
        'sum(per_segment.customers) over (partition by per_segment.tenant_id, per_segment.cutoff_date)'
    ) }} as share_of_customers
from per_segment
