-- CAC, ROAS, LTV:CAC and LTV-ROAS per tenant, acquisition channel and local
-- month (KPIS.md, predictive figures). A channel's new customers are the
-- customers whose signup falls in the month and whose first-touch channel it
-- is (the same customers as `new_users` on the Adquisición page). Their value
-- is counted whenever it happens up to the data's cut-off: first-order revenue
-- is the total of their first valid order, historical value the net amount of
-- all their valid orders, and the prediction the latest predicted_clv_12m
-- (0 for a customer without a valid order, who has no prediction).
-- The mart keeps sums, so a dashboard computes any period's figure as
-- sum(numerator) / sum(denominator), never as a mean of monthly ratios.
with

customers as (
    select * from {{ ref('dim_customers') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    where is_valid
),

predictions as (
    select * from {{ ref('stg_ml__customer_predictions') }}
),

ad_spend as (
    select * from {{ ref('fct_ad_spend_daily') }}
),

ranked_orders as (
    select
        tenant_id,
        customer_id,
        total_amount,
        net_amount,
        row_number() over (
            partition by tenant_id, customer_id
            order by created_at, order_id
        ) as order_rank
    from orders
    where customer_id is not null
),

customer_order_values as (
    select
        tenant_id,
        customer_id,
        sum(case when order_rank = 1 then total_amount else 0 end) as first_order_amount,
        sum(net_amount) as historical_net_amount
    from ranked_orders
    group by 1, 2
),

new_customers as (
    select
        customers.tenant_id,
        cast({{ dbt.date_trunc('month', 'customers.signup_date') }} as date) as month_start_date,
        customers.acquisition_channel as channel_group,
        count(*) as new_customers,
        sum(case when customer_order_values.customer_id is not null then 1 else 0 end)
            as new_customers_with_orders,
        sum(coalesce(customer_order_values.first_order_amount, 0)) as first_order_amount,
        sum(coalesce(customer_order_values.historical_net_amount, 0)) as historical_net_amount,
        {{ sum_exact('coalesce(predictions.predicted_clv_12m, 0)') }} as predicted_clv_12m_amount,
        sum(case when predictions.customer_id is not null then 1 else 0 end)
            as new_customers_with_prediction
    from customers
    left join customer_order_values
        on customers.tenant_id = customer_order_values.tenant_id
        and customers.customer_id = customer_order_values.customer_id
    left join predictions
        on customers.tenant_id = predictions.tenant_id
        and customers.customer_id = predictions.customer_id
    group by 1, 2, 3
),

monthly_spend as (
    select
        tenant_id,
        cast({{ dbt.date_trunc('month', 'spend_date') }} as date) as month_start_date,
        channel_group,
        sum(spend_amount) as spend_amount
    from ad_spend
    group by 1, 2, 3
),

combined as (
    select
        coalesce(new_customers.tenant_id, monthly_spend.tenant_id) as tenant_id,
        coalesce(new_customers.month_start_date, monthly_spend.month_start_date)
            as month_start_date,
        coalesce(new_customers.channel_group, monthly_spend.channel_group) as channel_group,
        coalesce(monthly_spend.spend_amount, 0) as spend_amount,
        coalesce(new_customers.new_customers, 0) as new_customers,
        coalesce(new_customers.new_customers_with_orders, 0) as new_customers_with_orders,
        coalesce(new_customers.new_customers_with_prediction, 0) as new_customers_with_prediction,
        coalesce(new_customers.first_order_amount, 0) as first_order_amount,
        coalesce(new_customers.historical_net_amount, 0) as historical_net_amount,
        coalesce(new_customers.predicted_clv_12m_amount, 0) as predicted_clv_12m_amount
    from new_customers
    full outer join monthly_spend
        on new_customers.tenant_id = monthly_spend.tenant_id
        and new_customers.month_start_date = monthly_spend.month_start_date
        and new_customers.channel_group = monthly_spend.channel_group
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
    from combined
)

select * from final
