-- The sums behind CAC, first-order ROAS and LTV:CAC per tenant, acquisition
-- channel and local day (KPIS.md): what any period's channel value is computed
-- from, so that a week's CAC is that week's spend over that week's new
-- customers, not the months it touches. A channel's new customers are the
-- customers whose signup falls on the day and whose first-touch channel it is
-- (the same customers as `new_users` on the Adquisición page). First-order
-- revenue is the total of their first valid order, whenever it happens up to the
-- data's cut-off; their value is the channel's value of a new customer
-- (mart_new_customer_value, the figure's one home) times their number.
-- mart_channel_value_monthly sums these rows per month.
with

customers as (
    select * from {{ ref('dim_customers') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    where is_valid
),

new_customer_values as (
    select * from {{ ref('mart_new_customer_value') }}
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
        sum(case when order_rank = 1 then total_amount else 0 end) as first_order_amount
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
        sum(coalesce(customer_order_values.first_order_amount, 0)) as first_order_amount
    from customers
    left join customer_order_values
        on customers.tenant_id = customer_order_values.tenant_id
        and customers.customer_id = customer_order_values.customer_id
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
        coalesce(new_customers.first_order_amount, 0) as first_order_amount
    from new_customers
    full outer join daily_spend
        on new_customers.tenant_id = daily_spend.tenant_id
        and new_customers.value_date = daily_spend.value_date
        and new_customers.channel_group = daily_spend.channel_group
),

valued as (
    select
        combined.*,
        new_customer_values.customer_value_amount,
        new_customer_values.value_basis,
        combined.new_customers * new_customer_values.customer_value_amount
            as new_customers_value_amount
    from combined
    left join new_customer_values
        on combined.tenant_id = new_customer_values.tenant_id
        and combined.channel_group = new_customer_values.channel_group
)

select * from valued
