-- CAC, ROAS, LTV:CAC and LTV-ROAS per tenant, acquisition channel and local
-- month (KPIS.md, predictive figures): the month's sums of
-- mart_channel_value_daily, which defines them, and their ratios.
-- The mart keeps sums, so a dashboard computes any period's figure as
-- sum(numerator) / sum(denominator), never as a mean of monthly ratios.
with

channel_value as (
    select * from {{ ref('mart_channel_value_daily') }}
),

monthly as (
    select
        tenant_id,
        cast({{ dbt.date_trunc('month', 'value_date') }} as date) as month_start_date,
        channel_group,
        sum(spend_amount) as spend_amount,
        cast(sum(new_customers) as {{ dbt.type_bigint() }}) as new_customers,
        cast(sum(new_customers_with_orders) as {{ dbt.type_bigint() }}) as new_customers_with_orders,
        cast(sum(new_customers_with_prediction) as {{ dbt.type_bigint() }}) as new_customers_with_prediction,
        sum(first_order_amount) as first_order_amount,
        sum(historical_net_amount) as historical_net_amount,
        {{ sum_exact('predicted_clv_12m_amount') }} as predicted_clv_12m_amount
    from channel_value
    group by 1, 2, 3
),

final as (
    select
        tenant_id,
        month_start_date,
        channel_group,
        spend_amount,
        new_customers,
        new_customers_with_orders,
        new_customers_with_prediction,
        first_order_amount,
        historical_net_amount,
        predicted_clv_12m_amount,
        {{ safe_divide('spend_amount', 'new_customers') }} as cac_amount,
        {{ safe_divide('first_order_amount', 'spend_amount') }} as first_order_roas,
        {{ safe_divide('predicted_clv_12m_amount', 'new_customers') }} as mean_predicted_clv_12m,
        -- mean(historical + predicted) / cac = sum(historical + predicted) / spend, and
        -- NULL like cac when the channel won no customer that month.
        case
            when new_customers > 0 then
                {{ safe_divide('historical_net_amount + predicted_clv_12m_amount', 'spend_amount') }}
        end as ltv_cac,
        {{ safe_divide('first_order_amount + predicted_clv_12m_amount', 'spend_amount') }}
            as ltv_roas
    from monthly
)

select * from final
