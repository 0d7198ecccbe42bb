-- The sums behind CAC, ROAS, LTV:CAC and LTV-ROAS per tenant, acquisition
-- channel and local day (KPIS.md, predictive figures): what any period's
-- channel value is computed from, so that a week's CAC is that week's spend
-- over that week's new customers, not the months it touches. A channel's new
-- customers are the customers whose signup falls on the day and whose
-- first-touch channel it is (the same customers as `new_users` on the
-- Adquisición page). Their value is counted whenever it happens up to the
-- data's cut-off: first-order revenue is the total of their first valid order,
-- historical value the net amount of all their valid orders, and the prediction
-- the latest predicted_clv_12m (0 for a customer without a valid order, who has
-- no prediction). mart_channel_value_monthly sums these rows per month.
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
        customers.signup_date as value_date,
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

daily_spend as (
    select
        tenant_id,
        spend_date as value_date,
        channel_group,
        sum(spend_amount) as spend_amount
    from ad_spend
    group by 1, 2, 3
),

combined as (
    select
        coalesce(new_customers.tenant_id, daily_spend.tenant_id) as tenant_id,
        coalesce(new_customers.value_date, daily_spend.value_date) as value_date,
        coalesce(new_customers.channel_group, daily_spend.channel_group) as channel_group,
        coalesce(daily_spend.spend_amount, 0) as spend_amount,
        coalesce(new_customers.new_customers, 0) as new_customers,
        coalesce(new_customers.new_customers_with_orders, 0) as new_customers_with_orders,
        coalesce(new_customers.new_customers_with_prediction, 0) as new_customers_with_prediction,
        coalesce(new_customers.first_order_amount, 0) as first_order_amount,
        coalesce(new_customers.historical_net_amount, 0) as historical_net_amount,
        coalesce(new_customers.predicted_clv_12m_amount, 0) as predicted_clv_12m_amount
    from new_customers
    full outer join daily_spend
        on new_customers.tenant_id = daily_spend.tenant_id
        and new_customers.value_date = daily_spend.value_date
        and new_customers.channel_group = daily_spend.channel_group
)

select * from combined
