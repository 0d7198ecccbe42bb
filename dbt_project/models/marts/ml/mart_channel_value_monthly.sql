-- CAC, first-order ROAS and LTV:CAC per tenant, acquisition channel and local
-- month (KPIS.md): the month's sums of mart_channel_value_daily, which defines
-- them, and their ratios.
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
        sum(first_order_amount) as first_order_amount,
        -- The channel's value of a new customer, the same on each of its days.
        max(customer_value_amount) as customer_value_amount,
        max(value_basis) as value_basis,
        {{ sum_exact('new_customers_value_amount') }} as new_customers_value_amount
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
        first_order_amount,
        customer_value_amount,
        value_basis,
        new_customers_value_amount,
        {{ safe_divide('spend_amount', 'new_customers') }} as cac_amount,
        {{ safe_divide('first_order_amount', 'spend_amount') }} as first_order_roas,
        -- value / cac = new customers' value / spend, and NULL like cac when the channel
        -- won no customer that month.
        case
            when new_customers > 0 then
                {{ safe_divide('new_customers_value_amount', 'spend_amount') }}
        end as ltv_cac
    from monthly
)

select * from final
